"""The two ends of a single sign-on: off to the identity provider, and back with a code."""

from __future__ import annotations

import logging

import requests
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from org.sso import SsoRefusal, oidc_setting, sso_enabled
from org.two_factor import signin_complete

logger = logging.getLogger(__name__)


def sso_refused(request: HttpRequest, reason: str, status: int = 403) -> HttpResponse:
    # The reason only: the email the provider sent is not logged.
    logger.info("Single sign-on refused: %s", reason)
    return render(request, "org/sso_refused.html", {"reason": reason}, status=status)


class _OrgSsoSettings:
    """What both OIDC views share: settings read through `oidc_setting` (an empty endpoint
    comes from the provider's discovery document), and a 404 while single sign-on is off."""

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    @staticmethod
    def sso_required() -> None:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")


class SsoStartView(_OrgSsoSettings, OIDCAuthenticationRequestView):
    def __init__(self, *args, **kwargs) -> None:
        # The endpoints are read in get(), where a missing configuration is a 404, not a crash.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        self.sso_required()
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ValueError, ImproperlyConfigured):
            logger.exception("The identity provider's discovery document could not be read")
            return sso_refused(request, "unavailable", status=503)
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


class SsoCallbackView(_OrgSsoSettings, OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        self.sso_required()
        if request.GET.get("code") and request.GET.get("state") not in request.session.get(
            "oidc_states", {}
        ):
            # A callback this browser did not start (a forged or replayed link): nothing happens.
            return sso_refused(request, "state", status=400)
        try:
            return super().get(request)
        except SuspiciousOperation as problem:
            # A nonce, signature, issuer or audience that does not match.
            logger.warning("Single sign-on refused: %s", problem)
            return sso_refused(request, SsoRefusal.FAILED, status=400)
        except requests.RequestException:
            logger.exception("The identity provider did not answer")
            return sso_refused(request, "unavailable", status=503)

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, "relhealth_sso_refusal", SsoRefusal.FAILED)
        return sso_refused(self.request, reason)

    def login_success(self) -> HttpResponse:
        return signin_complete(
            self.request,
            person=self.user,
            backend="org.sso.SsoBackend",
            next_url=self.success_url,
        )

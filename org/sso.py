"""Single sign-on with OpenID Connect (ADR 0021, docs/sso.md).

mozilla-django-oidc runs the code flow (state, nonce, PKCE, the token exchange, the signature
check); this module adds our rules: configured from the environment and off otherwise, endpoints
from the issuer's discovery document, the ID token's issuer and audience checked, and a person
matched by a *verified* email only. Nobody is created and no role comes from the identity provider
unless HR maps its groups to roles.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import models
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from org.backends import PersonBackend
from org.models import Person
from org.selectors import person_may_sign_in

logger = logging.getLogger(__name__)

# The mozilla-django-oidc settings that discovery may fill, and the discovery key for each.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
# The strongest mapped role wins when a person is in several mapped groups.
ROLE_RANK = [Person.Role.EMPLOYEE, Person.Role.MANAGER, Person.Role.HR_ADMIN]


class SsoRefusal(models.TextChoices):
    """Why a sign-in through the identity provider did not sign anyone in (words in templates)."""

    UNVERIFIED = "unverified"
    UNKNOWN = "unknown"
    INACTIVE = "inactive"
    NOT_ALLOWED = "not_allowed"  # an employee while HR lets only managers and HR sign in
    FAILED = "failed"


def sso_enabled() -> bool:
    return bool(
        settings.OIDC_RP_CLIENT_ID
        and (settings.RELHEALTH_OIDC_ISSUER or settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
    )


@functools.lru_cache(maxsize=8)
def oidc_discovery_get(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document, fetched once per process (endpoints rarely move)."""
    response = requests.get(
        f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
    )
    response.raise_for_status()
    document = response.json()
    if document.get("issuer", "").rstrip("/") != issuer:
        # OpenID Connect Discovery 1.0, 4.3: a document for another issuer must not be used.
        raise ImproperlyConfigured(f"The discovery document of {issuer} names another issuer.")
    return document


def oidc_setting(name: str, *default: Any) -> Any:
    """A mozilla-django-oidc setting; an empty endpoint is taken from the discovery document."""
    value = getattr(settings, name, *default) if default else getattr(settings, name)
    if name in DISCOVERED and not value and settings.RELHEALTH_OIDC_ISSUER:
        value = oidc_discovery_get(settings.RELHEALTH_OIDC_ISSUER).get(DISCOVERED[name])
    return value


def claim_true(value: Any) -> bool:
    # Some providers send booleans as strings ("true").
    return value is True or (isinstance(value, str) and value.lower() == "true")


def sso_role_for_claims(claims: dict[str, Any]) -> str | None:
    """The role HR mapped from the provider's groups, or None when no mapping is configured."""
    claim, role_map = settings.RELHEALTH_OIDC_ROLE_CLAIM, settings.RELHEALTH_OIDC_ROLE_MAP
    if not claim or not role_map:
        return None
    groups = claims.get(claim) or []
    if isinstance(groups, str):
        groups = [groups]
    roles = [role_map[g] for g in groups if g in role_map and role_map[g] in Person.Role.values]
    return max(roles, key=ROLE_RANK.index, default=Person.Role.EMPLOYEE)


def axes_skips_sso(request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
    """django-axes leaves the SSO callback alone: only it authenticates with a nonce."""
    return "nonce" in (credentials or {})


class SsoBackend(OIDCAuthenticationBackend):
    """Signs in an existing, active person whose verified email the provider vouches for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for each password sign-in and this one for each request of
        # a session it signed in: read the settings (and maybe the discovery document) only when
        # a callback arrives, so an unreachable provider never breaks anything else.
        self.UserModel = Person

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Person | None:  # type: ignore[override]
        # Only our callback passes a nonce: a password sign-in never reaches the provider.
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id: Any) -> Person | None:  # type: ignore[override]
        # The password backend's rule, which mozilla-django-oidc drops: the session of someone
        # deactivated, or no longer allowed to sign in, ends on their next request.
        return PersonBackend().get_user(user_id)  # type: ignore[return-value]

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload = super().verify_token(token, **kwargs)
        # The library checks the signature, expiry and nonce; the issuer and audience are ours.
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was issued to another client.")
        issuer = settings.RELHEALTH_OIDC_ISSUER
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("The ID token comes from another issuer.")
        self.id_claims = payload
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict:
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about someone else.")
        # Claims may come in the ID token, the userinfo answer or both (Entra ID puts
        # xms_edov and groups in the token only).
        return {**payload, **userinfo}

    def _refuse(self, reason: SsoRefusal) -> bool:
        self.request.relhealth_sso_refusal = reason  # type: ignore[attr-defined]
        return False

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        if not claims.get("email"):
            return self._refuse(SsoRefusal.UNVERIFIED)
        if not claim_true(claims.get(settings.RELHEALTH_OIDC_VERIFIED_CLAIM)):
            return self._refuse(SsoRefusal.UNVERIFIED)
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> models.QuerySet[Person]:
        people = Person.objects.filter(email__iexact=claims["email"].strip())
        if not people:
            self._refuse(SsoRefusal.UNKNOWN)
            return Person.objects.none()
        if not any(p.is_active for p in people):
            self._refuse(SsoRefusal.INACTIVE)
            return Person.objects.none()
        allowed = [p.pk for p in people if person_may_sign_in(person=p)]
        if not allowed:
            # Single sign-on opens no door the password does not (org.selectors, ADR 0023).
            self._refuse(SsoRefusal.NOT_ALLOWED)
            return Person.objects.none()
        return people.filter(pk__in=allowed)

    def update_user(self, user: Person, claims: dict[str, Any]) -> Person:
        role = sso_role_for_claims(claims)
        if role is not None and role != user.role:
            from org.services.sso import person_role_from_provider

            person_role_from_provider(person=user, role=role)
        return user

"""Signing in with a second factor (ADR 0022).

A person with a confirmed device is not signed in by their password (or single sign-on) alone:
the first step leaves a short-lived *pending* mark in the anonymous session and the code step
signs them in. Nothing is half signed in, so the API's session authentication, the pages and the
check-in links never meet a person who skipped the code. With RELHEALTH_REQUIRE_HR_2FA an HR
admin without a device is sent to enrol before any other page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django_otp import devices_for_user, user_has_device

from org.models import Person

PENDING_KEY = "relhealth_2fa_pending"
PENDING_SECONDS = 5 * 60
# Pages an HR admin who still has to enrol may open: enrolment itself, signing out, and the
# pages anyone may open without signing in.
ENROL_EXEMPT = frozenset(
    {
        "two-factor",
        "signin-code",
        "logout",
        "login",
        "set-language",
        "privacy",
        "healthz",
        "readyz",
        "checkins:form",
        "checkins:thanks",
    }
)


def second_factor_needed(person: Person) -> bool:
    return user_has_device(person, confirmed=True)


def signin_complete(
    request: HttpRequest, *, person: Person, backend: str, next_url: str
) -> HttpResponse:
    """Sign `person` in, or ask for their code first when they enrolled a second factor."""
    if not second_factor_needed(person):
        auth.login(request, person, backend=backend)
        return redirect(next_url)
    # A new session key: whoever held the old one (a fixated cookie) does not share this step.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "person": person.pk,
        "backend": backend,
        "next": next_url,
        "at": int(time.time()),
    }
    return redirect("signin-code")


def signin_pending_get(request: HttpRequest) -> tuple[Person, dict[str, Any]] | None:
    """The person waiting at the code step, if their first step is recent and they are active."""
    pending = request.session.get(PENDING_KEY)
    if not pending or int(time.time()) - pending["at"] > PENDING_SECONDS:
        return None
    person = Person.objects.filter(pk=pending["person"], is_active=True).first()
    return (person, pending) if person else None


def signin_code_check(request: HttpRequest, *, person: Person, code: str) -> bool:
    """Try `code` on the person's devices (TOTP, then backup codes) and sign them in on a match.

    django-otp throttles each device (the wait doubles after each wrong code) and a TOTP code
    counts once, so a code seen over a shoulder cannot be replayed.
    """
    from django.db import transaction

    with transaction.atomic():
        device = next(
            (d for d in devices_for_user(person, for_verify=True) if d.verify_token(code)), None
        )
    if device is None:
        return False
    pending = request.session.pop(PENDING_KEY)
    auth.login(request, person, backend=pending["backend"])
    from django_otp import login as otp_login

    otp_login(request, device)
    return True


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class RequireHrSecondFactorMiddleware:
    """With RELHEALTH_REQUIRE_HR_2FA, an HR admin reaches no screen before enrolling."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.RELHEALTH_REQUIRE_HR_2FA
            and user is not None
            and user.is_authenticated
            and user.is_hr_admin
            and not user.is_verified()
            and _url_name(request) not in ENROL_EXEMPT
        ):
            if second_factor_needed(user):
                # Enrolled in another session after this one began: prove it here too.
                auth.logout(request)
                return redirect("login")
            return redirect("two-factor")
        return self.get_response(request)

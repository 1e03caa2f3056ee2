"""Sign-in limits that slow an attacker down without locking the real person out (ADR 0021).

Every sign-in POST costs a password hash (~0.5 s of a core), so a few clients posting passwords
could starve every other page. Before the authentication backends run, each sign-in POST is
counted against its client address and against everyone together, and the failed sign-ins of
the username it names are read; one over its limit answers 429 with Retry-After, and no
password is hashed. The three counters share one Redis round trip (org.ratelimits) and fail
open: with Redis down, sign-in works as before (django-axes still pauses an account per address).

A stranger who sprays an account from elsewhere must not lock its owner out: a browser that has
signed in to an account carries a signed device cookie for it, and that browser is exempt from
the three limits (for that account) while its own failures stay below their limit. django-axes
keys its 15-minute pause on the username AND the real client address, so a stranger's wrong
guesses pause only the stranger's address.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from org.ratelimits import Window, request_address, windows_count

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "relhealth_device"
_DEVICE_SALT = "relhealth.org.signin_device"


class SigninLimit(models.TextChoices):
    """Which limit refused a sign-in attempt (the page says it in words)."""

    ADDRESS = "address", _("too many attempts from this address")
    EVERYONE = "everyone", _("too many attempts for the whole service")
    ACCOUNT = "account", _("too many failed attempts for this account")


@dataclass(frozen=True)
class SigninRefusal:
    limit: SigninLimit
    retry_after: int


def _username_digest(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _posted_username(request: HttpRequest) -> str:
    return str(request.POST.get(settings.AXES_USERNAME_FORM_FIELD, ""))[:254]


def device_for(request: HttpRequest, username: str) -> str | None:
    """The id of this browser's device cookie when it was issued for `username`, else None."""
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value or not username:
        return None
    try:
        data = signing.loads(
            value, salt=_DEVICE_SALT, max_age=settings.RELHEALTH_SIGNIN_DEVICE_DAYS * 86400
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != _username_digest(username):
        return None
    return str(data.get("d", "")) or None


def _windows(request: HttpRequest, username: str, device: str | None) -> list[Window]:
    windows = [
        Window("signin-ip", request_address(request), settings.RELHEALTH_SIGNIN_RATE_PER_IP),
        Window("signin-all", "", settings.RELHEALTH_SIGNIN_RATE),
    ]
    if username:
        windows.append(
            Window(
                "signin-fail-user",
                _username_digest(username),
                settings.RELHEALTH_SIGNIN_FAILURES_PER_USERNAME,
                counts=False,
            )
        )
    if device:
        windows.append(
            Window(
                "signin-fail-device",
                device,
                settings.RELHEALTH_SIGNIN_FAILURES_PER_DEVICE,
                counts=False,
            )
        )
    return windows


_LIMITS = {
    "signin-ip": SigninLimit.ADDRESS,
    "signin-all": SigninLimit.EVERYONE,
    "signin-fail-user": SigninLimit.ACCOUNT,
}


def signin_refusal_get(request: HttpRequest) -> SigninRefusal | None:
    """Count this sign-in POST; the limit it is over, or None when it may try its password.
    Raises what the cache raises when it is down (the middleware lets the attempt through)."""
    now = time.time()
    username = _posted_username(request)
    device = device_for(request, username)
    windows = _windows(request, username, device)
    counts = windows_count(windows, now=now)
    over = {}
    for window, count in zip(windows, counts, strict=True):
        # A counted window includes this attempt; a read one holds only the failures so far.
        if (count > window.limit) if window.counts else (count >= window.limit):
            over[window.group] = window
    if device and "signin-fail-device" not in over:
        return None  # a browser that signed in to this account before, failing rarely
    for group, limit in _LIMITS.items():
        if group in over:
            return SigninRefusal(limit, over[group].retry_after(now))
    return None


def signin_failure_record(request: HttpRequest, username: str) -> None:
    """A failed sign-in counts against its username, and against the device that tried it."""
    device = device_for(request, username)
    windows = [
        Window(
            "signin-fail-user",
            _username_digest(username),
            settings.RELHEALTH_SIGNIN_FAILURES_PER_USERNAME,
        )
    ]
    if device:
        windows.append(
            Window("signin-fail-device", device, settings.RELHEALTH_SIGNIN_FAILURES_PER_DEVICE)
        )
    windows_count(windows, now=time.time())


@receiver(user_login_failed, dispatch_uid="org.signin_failure")
def _on_signin_failure(sender, credentials: dict, request=None, **kwargs) -> None:
    username = str(credentials.get("username") or credentials.get("email") or "")
    if request is None or not username:
        return
    try:
        signin_failure_record(request, username)
    except Exception as error:
        logger.warning("sign-in failure not counted, cache unavailable (%s)", type(error).__name__)


@receiver(user_logged_in, dispatch_uid="org.signin_device")
def _on_signin(sender, request, user, **kwargs) -> None:
    """Remember, for the response, that this browser now knows the account."""
    if request is None:
        return
    username = user.get_username()
    request._signin_device = (  # type: ignore[attr-defined]
        _username_digest(username),
        device_for(request, username) or secrets.token_urlsafe(16),
    )


def signin_refused_response(request: HttpRequest, refusal: SigninRefusal) -> HttpResponse:
    response = render(
        request,
        "org/signin_limited.html",
        {
            "limit": refusal.limit,
            "retry_after": refusal.retry_after,
            "minutes": max(1, (refusal.retry_after + 59) // 60),
        },
        status=429,
    )
    response["Retry-After"] = str(refusal.retry_after)
    return response


class SigninLimitMiddleware:
    """Applies the limits to POSTs of the sign-in views (RELHEALTH_SIGNIN_VIEWS), before the
    view authenticates, and gives a browser that signed in its device cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        device = getattr(request, "_signin_device", None)
        if device is not None:
            digest, device_id = device
            response.set_cookie(
                DEVICE_COOKIE,
                signing.dumps({"u": digest, "d": device_id}, salt=_DEVICE_SALT),
                max_age=settings.RELHEALTH_SIGNIN_DEVICE_DAYS * 86400,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method != "POST" or match is None:
            return None
        if match.view_name not in settings.RELHEALTH_SIGNIN_VIEWS:
            return None
        try:
            refusal = signin_refusal_get(request)
        except Exception as error:
            # Signing in must not depend on Redis; django-axes still guards each account.
            logger.warning("sign-in limits unavailable (%s); attempt allowed", type(error).__name__)
            return None
        if refusal is None:
            return None
        logger.info("sign-in attempt refused: %s", refusal.limit.value)
        return signin_refused_response(request, refusal)

"""Sign-in limits that slow an attacker down without locking the real person out (ADR 0024).

Every sign-in POST costs a password hash (~0.5 s of a core), so a few clients posting passwords
could starve every other page. Before the authentication backends run, each sign-in POST is
counted against its client address and against everyone together, and the failed sign-ins of
the username it names are read; one over its limit answers 429 with Retry-After, and no
password is hashed. The three counters share one Redis round trip (org.ratelimits); then at most
RELHEALTH_SIGNIN_CONCURRENCY passwords are checked at once across the installation (a rate bounds
how many checks start, not how many run when each runs slower under load). All fail open: with
Redis down, sign-in works as before (django-axes still pauses an account per address).

A stranger who sprays an account from elsewhere must not lock its owner out: a browser that has
signed in to an account carries a signed device cookie for it, and that browser is exempt from
the three limits (for that account) while its own failures stay below their limit. django-axes
keys its 15-minute pause on the username AND the real client address, so a stranger's wrong
guesses pause only the stranger's address.
"""

from __future__ import annotations

import functools
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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from org.ratelimits import Slots, Window, request_address, windows_count

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


# When every password slot is taken, come back after a few seconds (a check takes ~0.5 s).
BUSY_RETRY_AFTER = 5


def _password_slots() -> Slots:
    return Slots("signin-passwords", settings.RELHEALTH_SIGNIN_CONCURRENCY)


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


# This process's memory of an overall window found full: (rate, window number). Until that
# window ends, a flood's attempts without a device cookie are refused here, without Redis and
# without reading the posted form: under a flood, that is nearly every request.
_FULL_WINDOW: set[tuple[str, int]] = set()


def signin_memory_forget() -> None:
    _FULL_WINDOW.clear()


def _known_full(now: float) -> SigninRefusal | None:
    window = Window("signin-all", "", settings.RELHEALTH_SIGNIN_RATE)
    if (window.rate, int(now // window.period)) in _FULL_WINDOW:
        return SigninRefusal(SigninLimit.EVERYONE, window.retry_after(now))
    return None


def _remember_full(window: Window, now: float) -> None:
    if len(_FULL_WINDOW) > 16:  # old windows: never looked at again
        _FULL_WINDOW.clear()
    _FULL_WINDOW.add((window.rate, int(now // window.period)))


def signin_refusal_get(request: HttpRequest) -> SigninRefusal | None:
    """Count this sign-in POST; the limit it is over, or None when it may try its password
    (then `request._signin_slot` holds its password slot, given back by the middleware).
    Raises what the cache raises when it is down (the middleware lets the attempt through)."""
    now = time.time()
    if DEVICE_COOKIE not in request.COOKIES:
        known = _known_full(now)
        if known is not None:
            return known
    username = _posted_username(request)
    device = device_for(request, username)
    windows = _windows(request, username, device)
    counts = windows_count(windows, now=now)
    over = {}
    for window, count in zip(windows, counts, strict=True):
        # A counted window includes this attempt; a read one holds only the failures so far.
        if (count > window.limit) if window.counts else (count >= window.limit):
            over[window.group] = window
    if "signin-all" in over:
        _remember_full(over["signin-all"], now)
    if device and "signin-fail-device" not in over:
        return None  # a browser that signed in to this account before, failing rarely
    for group, limit in _LIMITS.items():
        if group in over:
            return SigninRefusal(limit, over[group].retry_after(now))
    # A rate bounds how many checks start; under a flood each check also runs slower, so the
    # number running at once is bounded as well: that is what keeps CPU for other pages.
    holder = _password_slots().acquire(now=now)
    if holder is None:
        return SigninRefusal(SigninLimit.EVERYONE, BUSY_RETRY_AFTER)
    request._signin_slot = holder  # type: ignore[attr-defined]
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


@functools.lru_cache(maxsize=256)
def _refusal_page(limit: SigninLimit, language: str, minutes: int) -> str:
    """The refusal page is the same for everyone (nobody is signed in at that point), so it is
    rendered once per limit, language and wait: under a flood, refusals are most of the work."""
    with translation.override(language):
        return render_to_string("org/signin_limited.html", {"limit": limit, "minutes": minutes})


def signin_refused_response(request: HttpRequest, refusal: SigninRefusal) -> HttpResponse:
    # LocaleMiddleware has not run yet (the check sits before it): the browser's language.
    language = translation.get_language_from_request(request)
    minutes = max(1, (refusal.retry_after + 59) // 60)
    response = HttpResponse(_refusal_page(refusal.limit, language, minutes), status=429)
    response["Retry-After"] = str(refusal.retry_after)
    # One log line per refusal, ours (with the reason), not Django's "Too Many Requests" too.
    logger.info("sign-in attempt refused: %s", refusal.limit.value)
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _signin_paths() -> set[str]:
    return {reverse(name) for name in settings.RELHEALTH_SIGNIN_VIEWS}


class SigninLimitMiddleware:
    """Applies the limits to POSTs of the sign-in views (RELHEALTH_SIGNIN_VIEWS) before the
    view authenticates, and gives a browser that signed in its device cookie.

    It sits early in the stack (before sessions, CSRF and authentication), so a refusal costs
    little: under a flood, refusals are most of what the server does."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path_info in _signin_paths():
            refused = self._refused(request)
            if refused is not None:
                return refused
        try:
            response = self.get_response(request)
        finally:
            holder = getattr(request, "_signin_slot", None)
            if holder:
                try:
                    _password_slots().release(holder)
                except Exception as error:  # the slot expires by itself (Slots.ttl)
                    logger.warning("password slot not released (%s)", type(error).__name__)
        if getattr(request, "axes_locked_out", False) and not response.has_header("Retry-After"):
            # django-axes' pause (one account from one address) says how long, as ours do.
            response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME * 3600))
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

    def _refused(self, request: HttpRequest) -> HttpResponse | None:
        try:
            refusal = signin_refusal_get(request)
        except Exception as error:
            # Signing in must not depend on Redis; django-axes still guards each account.
            logger.warning("sign-in limits unavailable (%s); attempt allowed", type(error).__name__)
            return None
        if refusal is None:
            return None
        return signin_refused_response(request, refusal)

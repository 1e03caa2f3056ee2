"""Per-request rules for signed-in people: their language, and an absolute session lifetime.

Activate a logged-in person's chosen language (the browser's otherwise, via LocaleMiddleware)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SESSION_STARTED_KEY = "relhealth_session_started"
SESSION_SEEN_KEY = "relhealth_session_seen"


class PersonLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class AbsoluteSessionTimeoutMiddleware:
    """Sign a person out once their session is older than RELHEALTH_SESSION_ABSOLUTE_SECONDS.

    The idle timeout is Django's own (SESSION_COOKIE_AGE, refreshed on every request); this one
    holds however busy the session is, so a stolen cookie does not live forever.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            # Set at sign-in (org.apps); a session from before this rule starts counting now.
            started = request.session.setdefault(SESSION_STARTED_KEY, now)
            if now - started > settings.RELHEALTH_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect_to_login(request.get_full_path())
            # Touching the session saves it with a fresh expiry: the idle timeout restarts.
            if (
                now - request.session.get(SESSION_SEEN_KEY, 0)
                >= settings.RELHEALTH_SESSION_REFRESH_SECONDS
            ):
                request.session[SESSION_SEEN_KEY] = now
        return self.get_response(request)

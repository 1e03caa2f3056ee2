"""Cross-cutting rules for every request: refused access is audited, a database outage is a
clean 503 page instead of a stack trace, and personal answers are never kept by a cache.

`AccessRefusalAuditMiddleware` looks at the response rather than at each decorator, so every way
a view refuses (PermissionDenied, Http404, a 404 rendered by hand, the admin's gate) is recorded
once, in the audit log (ADR 0009).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from org.services.refusals import access_refusal_record
from relhealth.logfilters import redact_checkin_tokens

logger = logging.getLogger(__name__)

REFUSALS = {403, 404}
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


API_PREFIX = "/api/"


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in person and every API
    answer: a shared proxy or the browser's disk must not keep a page of names, figures or
    comments for the next user of the machine. The check-in page sets it itself (`never_cache`):
    its address is a personal link. Static files never get here (WhiteNoise answers first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith(API_PREFIX):
            patch_cache_control(response, private=True, no_store=True)
        return response


class AccessRefusalAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in REFUSALS:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                match = request.resolver_match
                try:
                    access_refusal_record(
                        actor=user,  # type: ignore[arg-type]
                        method=request.method or "",
                        path=redact_checkin_tokens(request.path),
                        status=response.status_code,
                        url_name=match.view_name if match else None,
                    )
                except DatabaseError:
                    # The refusal stands; only its record is lost, and the log says so.
                    logger.warning("could not record a refused request in the audit log")
        return response


def database_unavailable_response() -> HttpResponse:
    """503 with a page that needs neither the database nor a request context."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that loses its database answers 503 at once (the transaction rolled back)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            logger.warning("database unavailable: %s", type(exception).__name__)
            return database_unavailable_response()
        return None


class ConversationPagesAnonymousMiddleware:
    """The author's conversation pages (/t/<secret>/) are served as if nobody were signed in.

    Placed before the session middleware, it drops the session cookie from these requests: no
    session is read, refreshed or saved, no refusal is audited against a person, so nothing stored
    pairs a signed-in person with a visit to a conversation (ADR 0031).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/t/"):
            request.COOKIES.pop(settings.SESSION_COOKIE_NAME, None)
        return self.get_response(request)

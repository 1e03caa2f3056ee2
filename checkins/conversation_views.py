"""The author's side of a conversation: reached only with the private secret (ADR 0031).

The page is served as if nobody were signed in (`relhealth.middleware.ConversationPagesAnonymous`
drops the session cookie for these paths), so no session, audit row or log line pairs a person
with a visit. A lost, mistyped or revoked secret all answer the same 404 page.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.exceptions import Ratelimited

from checkins.models import Message, Thread
from checkins.services.conversations import (
    MESSAGE_MAX_LENGTH,
    ConversationError,
    batch_time_next,
    message_post,
    messages_for_author,
    thread_close,
    thread_for_secret,
    thread_is_live,
    thread_status_get,
)
from org.ratelimits import Window, request_address, windows_count

logger = logging.getLogger(__name__)


def _limit_check(request: HttpRequest) -> None:
    """Every request to a conversation path counts against its address, so secrets cannot be
    probed; with the cache down nothing is counted (the secret's 256 bits still hold)."""
    window = Window(
        "conversation-ip", request_address(request), settings.RELHEALTH_CONVERSATION_RATE_PER_IP
    )
    try:
        (count,) = windows_count([window], now=time.time())
    except Exception as error:
        logger.warning(
            "rate-limit cache unavailable (%s); conversation allowed", type(error).__name__
        )
        return
    if count > window.limit:
        raise Ratelimited()


def _missing(request: HttpRequest) -> HttpResponse:
    return render(request, "conversations/missing.html", status=404)


def _page(
    request: HttpRequest, thread: Thread, *, error: str = "", body: str = "", status: int = 200
) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "conversations/author.html",
        {
            "thread": thread,
            "comment": thread.response.comment,
            "thread_messages": messages_for_author(thread=thread, now=now),
            "live": thread_is_live(thread),
            "next_batch": batch_time_next(now=now),
            "batch_zone": settings.RELHEALTH_CONVERSATION_TIME_ZONE,
            "error": error,
            "body": body,
            "max_length": MESSAGE_MAX_LENGTH,
            "status": thread_status_get(thread=thread),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def author_thread(request: HttpRequest, secret: str) -> HttpResponse:
    _limit_check(request)
    thread = thread_for_secret(secret=secret)
    if thread is None:
        return _missing(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "close":
            thread_close(thread=thread, by=Thread.Closer.AUTHOR)
            return render(request, "conversations/closed.html")
        if action != "reply":
            return _page(request, thread, error=_("Unknown action."), status=400)
        body = request.POST.get("body", "")
        try:
            message_post(thread=thread, role=Message.Role.AUTHOR, body=body)
        except ConversationError as error:
            return _page(
                request,
                thread,
                error=error.message,
                body=body[:MESSAGE_MAX_LENGTH],
                status=error.status,
            )
        return redirect(request.path)
    return _page(request, thread)


@never_cache
@require_http_methods(["GET"])
def author_thread_status(request: HttpRequest, secret: str) -> HttpResponse:
    """For the author's own browser: whether staff answered, asked by the home page's script
    with the secret it kept and without credentials, so the request carries no session (and the
    middleware would drop one): the server never sees the person and the secret together
    (ADR 0037). Lost, mistyped and revoked secrets answer the same 404."""
    _limit_check(request)
    thread = thread_for_secret(secret=secret)
    if thread is None:
        return JsonResponse({"detail": "not found"}, status=404)
    status = thread_status_get(thread=thread)
    return JsonResponse({"replies": status.replies, "heard": status.heard, "closed": status.closed})

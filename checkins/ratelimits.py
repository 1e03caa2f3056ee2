"""Rate limits on check-in submission that never block a check-in when the cache is down (D2)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

logger = logging.getLogger(__name__)


def _link_key(group: str, request: HttpRequest) -> str:
    match = request.resolver_match
    return str(match.kwargs.get("token", ""))[:128] if match else ""


def _limited(request: HttpRequest) -> bool:
    # Per address (generous: an office may share one) and per link. Rates are read per request.
    return is_ratelimited(
        request, group="checkin-ip", key="ip", rate=settings.RELHEALTH_CHECKIN_RATE_PER_IP,
        increment=True,
    ) or is_ratelimited(
        request, group="checkin-link", key=_link_key, rate=settings.RELHEALTH_CHECKIN_RATE,
        increment=True,
    )  # fmt: skip


def checkin_rate_limit(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            try:
                limited = _limited(request)
            except Exception:
                # Storing a check-in must not depend on Redis: count nothing, let it through.
                logger.warning("rate-limit cache unavailable; check-in allowed without a limit")
                limited = False
            if limited:
                raise Ratelimited()
        return view(request, *args, **kwargs)

    return wrapper

"""Rate limits on check-in submission that never block a check-in when the cache is down (D2).

Two fixed-window counters guard every POST to a real check-in link: one per client address
(generous: an office behind one proxy shares it) and one per link (against hammering a link).
Only links that exist are counted: the view looks the link up first (one indexed query) and
answers a made-up link 404 without counting it, so junk posts cannot use up the address's
budget that the real employees behind the same address share. Both are counted in ONE round
trip (org.ratelimits, ADR 0018). A refusal is django-ratelimit's `Ratelimited`, which its
middleware turns into our 429 page.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.exceptions import Ratelimited

from org.ratelimits import Window, request_address, windows_count

logger = logging.getLogger(__name__)


def checkin_limited(request: HttpRequest, *, token: str) -> bool:
    """Count this POST of a real link against its address and its link; True when either is
    over its limit. Rates are read per request (settings may change them at run time, tests do)."""
    windows = [
        Window("checkin-ip", request_address(request), settings.RELHEALTH_CHECKIN_RATE_PER_IP),
        Window("checkin-link", token[:128], settings.RELHEALTH_CHECKIN_RATE),
    ]
    counts = windows_count(windows, now=time.time())
    return any(count > window.limit for count, window in zip(counts, windows, strict=True))


def checkin_limit_check(request: HttpRequest, *, token: str) -> None:
    """Raise Ratelimited when this POST of a real link is over a limit; with the cache down,
    count nothing and let it through (storing a check-in must not depend on Redis)."""
    try:
        limited = checkin_limited(request, token=token)
    except Exception as error:
        logger.warning(
            "rate-limit cache unavailable (%s); check-in allowed without a limit",
            type(error).__name__,
        )
        return
    if limited:
        raise Ratelimited()

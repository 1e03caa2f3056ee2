"""Rate limits on check-in submission that never block a check-in when the cache is down (D2).

Two fixed-window counters guard every POST to a check-in link: one per client address (generous:
an office may share one) and one per link (against hammering a link). Both are counted in the
shared cache in ONE round trip when it is Redis (a pipeline of SET NX + INCR per counter), where
django-ratelimit's `is_ratelimited` takes two round trips per counter (ADR 0018). A refusal is
still django-ratelimit's `Ratelimited`, which its middleware turns into our 429 page.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import _get_ip
from django_ratelimit.exceptions import Ratelimited

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# A counter outlives its window by a little, so a request at the window's end still finds it.
_EXPIRY_MARGIN_SECONDS = 5


def rate_parse(rate: str) -> tuple[int, int]:
    """'20/m' -> (20, 60); '5/10s' -> (5, 10). The same grammar as django-ratelimit's rates."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"not a rate: {rate!r} (expected e.g. '20/m' or '5/10s')")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNIT_SECONDS[unit]


def _link_token(request: HttpRequest) -> str:
    match = request.resolver_match
    return str(match.kwargs.get("token", ""))[:128] if match else ""


def _counter_key(group: str, value: str, limit: int, period: int, now: float) -> str:
    # The value (a link token, an address) is hashed: the cache never holds a usable link.
    digest = hashlib.sha256(f"{group}\x00{limit}/{period}\x00{value}".encode()).hexdigest()
    return f"checkin-rl:{group}:{int(now // period)}:{digest}"


def _counts_redis(store: RedisCache, counters: list[tuple[str, int]]) -> list[int]:
    """Count every (key, period) in one round trip: SET key 0 EX period NX, then INCR key."""
    keys = [store.make_and_validate_key(key) for key, _period in counters]
    client = store._cache.get_client(keys[0], write=True)
    pipe = client.pipeline(transaction=False)
    for key, (_key, period) in zip(keys, counters, strict=True):
        pipe.set(key, 0, ex=period + _EXPIRY_MARGIN_SECONDS, nx=True)
        pipe.incr(key)
    return [int(count) for count in pipe.execute()[1::2]]


def _counts_any(store: BaseCache, counters: list[tuple[str, int]]) -> list[int]:
    """Any other cache (the in-process one of `make run` without Redis): add, then incr."""
    counts = []
    for key, period in counters:
        store.add(key, 0, period + _EXPIRY_MARGIN_SECONDS)
        counts.append(store.incr(key))
    return counts


def checkin_limited(request: HttpRequest) -> bool:
    """Count this POST against its address and its link; True when either is over its limit.
    Rates are read per request (settings may change them at run time, tests do)."""
    now = time.time()
    limits = [
        # django-ratelimit's own "ip" key: REMOTE_ADDR, or RATELIMIT_IP_META_KEY behind a proxy,
        # masked by RATELIMIT_IPV4_MASK / RATELIMIT_IPV6_MASK (default /32 and /64).
        ("checkin-ip", _get_ip(request), settings.RELHEALTH_CHECKIN_RATE_PER_IP),
        ("checkin-link", _link_token(request), settings.RELHEALTH_CHECKIN_RATE),
    ]
    counters, maxima = [], []
    for group, value, rate in limits:
        limit, period = rate_parse(rate)
        counters.append((_counter_key(group, value, limit, period, now), period))
        maxima.append(limit)
    store = caches["default"]
    counts = (
        _counts_redis(store, counters)
        if isinstance(store, RedisCache)
        else _counts_any(store, counters)
    )
    return any(count > limit for count, limit in zip(counts, maxima, strict=True))


def checkin_rate_limit(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            try:
                limited = checkin_limited(request)
            except Exception as error:
                # Storing a check-in must not depend on Redis: count nothing, let it through.
                logger.warning(
                    "rate-limit cache unavailable (%s); check-in allowed without a limit",
                    type(error).__name__,
                )
                limited = False
            if limited:
                raise Ratelimited()
        return view(request, *args, **kwargs)

    return wrapper

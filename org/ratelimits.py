"""Fixed-window counters in the shared cache, counted in one round trip (ADR 0018).

The check-in limits and the sign-in limits count here. With Redis, every window of a request is
counted in ONE pipeline (SET key 0 EX period NX + INCR key to count, GET key to read a count kept
elsewhere, such as failed sign-ins); any other cache (the in-process one of `make run` without
Redis) uses add + incr. Callers decide what a cache error means; both callers fail open.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django_ratelimit.core import _get_ip

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


def request_address(request: HttpRequest) -> str:
    """The client address every limit counts: django-ratelimit's "ip" key, which asks the
    project's one rule (RATELIMIT_IP_META_KEY, the configured trusted proxies) and masks it
    (RATELIMIT_IPV4_MASK / RATELIMIT_IPV6_MASK: /32 and /64 by default)."""
    return str(_get_ip(request))


@dataclass(frozen=True)
class Window:
    """One counter: `group` and `value` (an address, a link, a username) under a rate."""

    group: str
    value: str
    rate: str
    # False: only read the count (something else adds to it, e.g. a failed sign-in).
    counts: bool = True

    @property
    def limit(self) -> int:
        return rate_parse(self.rate)[0]

    @property
    def period(self) -> int:
        return rate_parse(self.rate)[1]

    def key(self, now: float) -> str:
        # The value is hashed: the cache never holds a usable link, an address or a username.
        limit, period = rate_parse(self.rate)
        digest = hashlib.sha256(f"{self.group}\x00{limit}/{period}\x00{self.value}".encode())
        return f"rl:{self.group}:{int(now // period)}:{digest.hexdigest()}"

    def retry_after(self, now: float) -> int:
        """Whole seconds until this window ends and a new one starts counting from zero."""
        period = self.period
        return max(1, int(period - now % period + 0.999))


def _counts_redis(store: RedisCache, windows: list[Window], now: float) -> list[int]:
    keys = [store.make_and_validate_key(window.key(now)) for window in windows]
    client = store._cache.get_client(keys[0], write=True)
    pipe = client.pipeline(transaction=False)
    for key, window in zip(keys, windows, strict=True):
        if window.counts:
            pipe.set(key, 0, ex=window.period + _EXPIRY_MARGIN_SECONDS, nx=True)
            pipe.incr(key)
        else:
            pipe.get(key)
    replies = iter(pipe.execute())
    counts = []
    for window in windows:
        if window.counts:
            next(replies)  # the SET NX
        counts.append(int(next(replies) or 0))
    return counts


def _counts_any(store: BaseCache, windows: list[Window], now: float) -> list[int]:
    counts = []
    for window in windows:
        key = window.key(now)
        if window.counts:
            store.add(key, 0, window.period + _EXPIRY_MARGIN_SECONDS)
            counts.append(store.incr(key))
        else:
            counts.append(int(store.get(key) or 0))
    return counts


def windows_count(windows: list[Window], *, now: float) -> list[int]:
    """Count (or read) every window in one round trip; the counts in the same order.
    Raises whatever the cache raises when it is down: the caller decides."""
    if not windows:
        return []
    store = caches["default"]
    if isinstance(store, RedisCache):
        return _counts_redis(store, windows, now)
    return _counts_any(store, windows, now)


@dataclass(frozen=True)
class Slots:
    """At most `capacity` holders at once across every process (a Redis sorted set of holders
    by start time); a holder older than `ttl` seconds is presumed dead (a killed worker) and its
    slot freed. Only with Redis: any other cache has no slots to share (no limit)."""

    group: str
    capacity: int
    ttl: int = 30

    def _client_key(self):
        store = caches["default"]
        if not isinstance(store, RedisCache):
            return None, None
        key = store.make_and_validate_key(f"slots:{self.group}")
        return store._cache.get_client(key, write=True), key

    def acquire(self, *, now: float) -> str | None:
        """A holder id when a slot was free ("" without Redis), None when all are taken."""
        client, key = self._client_key()
        if client is None:
            return ""
        holder = secrets.token_hex(8)
        pipe = client.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now - self.ttl)
        pipe.zadd(key, {holder: now})
        pipe.zrank(key, holder)
        pipe.expire(key, self.ttl + _EXPIRY_MARGIN_SECONDS)
        rank = pipe.execute()[2]
        # Ranked by start time: the first `capacity` holders own the slots. A later one gives
        # its place back at once.
        if rank is not None and rank < self.capacity:
            return holder
        client.zrem(key, holder)
        return None

    def release(self, holder: str) -> None:
        client, key = self._client_key()
        if client is not None and holder:
            client.zrem(key, holder)

"""The cache fails open: without Redis a kept result is worked out again (slower, right)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)


def cache_read(key: str, *, what: str) -> Any:
    """The value kept under `key`, or None when none is kept or the cache is unavailable."""
    try:
        return cache.get(key)
    except Exception as error:
        logger.warning("%s: cache unavailable (%s); worked out again", what, type(error).__name__)
        return None


def cache_keep(key: str, value: Any, timeout: int, *, what: str) -> None:
    """Keep `value` under `key` for `timeout` seconds, if the cache is available."""
    try:
        cache.set(key, value, timeout)
    except Exception as error:
        logger.warning("%s: cache unavailable (%s); not kept", what, type(error).__name__)

"""Rate limits on API use, counted in the cache (Redis): per token, per person, per address.

Like the check-in limits they fail open: a Redis outage never turns the API off (D2).
"""

from __future__ import annotations

import logging

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken

logger = logging.getLogger(__name__)


class _FailOpen(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # Read per request (DRF binds the rates at import), so a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("rate-limit cache unavailable; API request allowed without a limit")
            return True


class ApiRateThrottle(_FailOpen):
    """Every API request: per token when one is used, else per signed-in person or address."""

    scope = "api"

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"person:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ExportRateThrottle(ApiRateThrottle):
    """CSV exports are heavier and leave the building: a tighter limit of their own."""

    scope = "export"

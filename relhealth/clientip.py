"""The client's address: the one rule every limit, lockout and log line uses.

Behind reverse proxies, REMOTE_ADDR is the nearest proxy, so a whole organisation would share one
address. Each proxy appends the address it received the request from to `X-Forwarded-For`; with
`RELHEALTH_TRUSTED_PROXIES = n`, the client is the entry the outermost of our n proxies appended,
the n-th from the right. Everything to the left of it was written by the client and is never
believed. With 0 (the default) the header is ignored and REMOTE_ADDR is the client.

django-axes (`AXES_CLIENT_IP_CALLABLE`) and django-ratelimit (`RATELIMIT_IP_META_KEY`) are pointed
here by the settings; the apps reach it through django-ratelimit's key, never by importing the
project package.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# No usable address at all (a misconfigured socket, a proxy that sends garbage): one shared,
# well-formed address, so limits still count and nothing crashes on an empty string. A value,
# never bound.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104  # nosec B104


def _address(text: str) -> str | None:
    """'203.0.113.7', '203.0.113.7:5123', '[2001:db8::1]:443' -> the address, else None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    remote = _address(request.META.get("REMOTE_ADDR", "")) or UNKNOWN_ADDRESS
    hops = int(getattr(settings, "RELHEALTH_TRUSTED_PROXIES", 0))
    if hops <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < hops:
        # Fewer hops than proxies: the request did not come through all of them (or a proxy does
        # not append). Believe nothing in the header.
        return remote
    return _address(forwarded[-hops]) or remote

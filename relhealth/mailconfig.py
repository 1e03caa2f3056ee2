"""Whether the mail settings can reach real people: a sender on a real domain, https links.

Used twice: the production settings refuse to start when these fail (unless a local trial says
so with RELHEALTH_ALLOW_LOCAL_MAIL), and `manage.py check --deploy` reports them as errors
(registered in relhealth.apps). Plain functions of two strings, so the settings module
can call them before Django is set up.
"""

from __future__ import annotations

import ipaddress
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from django.core.checks import CheckMessage

# Names that never reach anyone (RFC 2606, RFC 6761) or only this machine.
RESERVED_SUFFIXES = (".localhost", ".local", ".localdomain", ".invalid", ".test", ".example")
RESERVED_DOMAINS = {"localhost", "localdomain", "example.com", "example.org", "example.net"}


def _is_local(host: str) -> bool:
    host = host.lower().strip("[]").rstrip(".")
    if host in RESERVED_DOMAINS or host.endswith(RESERVED_SUFFIXES) or "." not in host:
        return True
    if any(host.endswith("." + domain) for domain in RESERVED_DOMAINS):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def mail_settings_problems(*, from_email: str, base_url: str) -> list[tuple[str, str]]:
    """(setting, what is wrong) for each mail setting that would not serve real recipients."""
    problems = []
    _name, address = parseaddr(from_email)
    domain = address.rpartition("@")[2] if "@" in address else ""
    if not domain or _is_local(domain):
        problems.append(
            (
                "DEFAULT_FROM_EMAIL",
                f"the sender {from_email!r} is not on a real domain: set DEFAULT_FROM_EMAIL to an "
                "address of your organisation's sending domain (SPF, DKIM and DMARC set up for it, "
                "docs/deploy.md)",
            )
        )
    url = urlsplit(base_url)
    if url.scheme != "https" or not url.hostname or _is_local(url.hostname):
        problems.append(
            (
                "RELHEALTH_BASE_URL",
                f"links in emails would point at {base_url!r}: set RELHEALTH_BASE_URL to the https "
                "address people reach this install at",
            )
        )
    return problems


def mail_settings_check(app_configs, **kwargs) -> list[CheckMessage]:
    """`check --deploy`: the mail settings reach real people (relhealth.E101, relhealth.E102)."""
    from django.conf import settings
    from django.core import checks

    problems = mail_settings_problems(
        from_email=settings.DEFAULT_FROM_EMAIL, base_url=settings.RELHEALTH_BASE_URL
    )
    ids = {"DEFAULT_FROM_EMAIL": "relhealth.E101", "RELHEALTH_BASE_URL": "relhealth.E102"}
    return [checks.Error(f"{name}: {text}", id=ids[name]) for name, text in problems]

"""Refused access goes to the audit log: who tried to open what, and what they got (403 or 404).

Only signed-in people are recorded: an anonymous visitor is sent to the login page, and recording
every anonymous 404 (crawlers, scanners) would let anyone fill the table. The path is recorded as
the caller passes it; callers redact check-in tokens first.
"""

from __future__ import annotations

from auditlog.models import LogEntry

from org.models import Person
from org.services.audit import audit_event_record

ACCESS_REFUSED = "access_refused"


def access_refusal_record(
    *, actor: Person, method: str, path: str, status: int, url_name: str | None
) -> LogEntry:
    return audit_event_record(
        actor=actor,
        event=ACCESS_REFUSED,
        summary=f"{method} {path} refused ({status})",
        details={"method": method, "path": path, "status": status, "url_name": url_name or ""},
    )


def access_refusals_get(*, actor: Person | None = None):
    """Refusal entries, newest first (the HR audit screen shows them among the other events)."""
    entries = LogEntry.objects.filter(additional_data__event=ACCESS_REFUSED).order_by("-timestamp")
    return entries.filter(actor=actor) if actor is not None else entries

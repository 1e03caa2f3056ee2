"""Explicit audit entries for events that are not a model change: imports and exports.

Model changes are logged by django-auditlog's signals (ADR 0006); this adds the other events to
the same log so HR browses one history. The entry hangs on the organisation settings row.
"""

from __future__ import annotations

from auditlog.models import LogEntry

from org.models import OrgSettings, Person


def audit_event_record(
    *, actor: Person | None, event: str, summary: str, details: dict | None = None
) -> LogEntry:
    entry = LogEntry.objects.log_create(
        OrgSettings.current(),
        force_log=True,
        action=LogEntry.Action.ACCESS,
        changes={event: ["", summary]},
        actor=actor,
        additional_data={"event": event, **(details or {})},
    )
    assert entry is not None  # force_log always writes
    return entry

"""The audit log as HR reads it: each recorded field under its name in the reader's language
("Time zone", "Zeitzone"), values as people read them (a role's label, a team's name, a local
date), never a column name such as `time_zone` or `min_group_size`."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

# Every field the audit log records (org/apps.py, checkins/apps.py, api/apps.py), by name.
FIELD_LABELS = {
    "email": _("Email"),
    "name": _("Name"),
    "team": _("Team"),
    "role": _("Role"),
    "time_zone": _("Time zone"),
    "language": _("Language"),
    "is_active": _("Active"),
    "is_staff": _("Django admin access"),
    "is_superuser": _("All permissions"),
    "parent": _("Parent team"),
    "managers": _("Managers"),
    "min_group_size": _("Anonymity threshold"),
    "raw_retention_months": _("Keep raw answers (months)"),
    "employees_may_sign_in": _("Employees may sign in"),
    "confirmed": _("Confirmed"),
    "key": _("Key"),
    "translations": _("Translations"),
    "description": _("Description"),
    "position": _("Position"),
    "code": _("Code"),
    "dimension": _("Dimension"),
    "scale": _("Scale"),
    "reverse_scored": _("Reverse-scored"),
    "source": _("Source"),
    "licence": _("Licence"),
    "question": _("Question"),
    "number": _("Version"),
    "text": _("Wording"),
    "cadence": _("Cadence"),
    "interval_weeks": _("Every N weeks"),
    "weekday": _("Weekday"),
    "send_time": _("Send time"),
    "window_days": _("Open for (days)"),
    "questions_per_round": _("Questions per round"),
    "enps_every_n_rounds": _("eNPS every N rounds"),
    "audience": _("Audience"),
    "questions": _("Questions"),
    "person": _("Person"),
    "prefix": _("Token prefix"),
    "revoked_at": _("Revoked"),
    "expires_at": _("Expires"),
}


@dataclass
class AuditChange:
    label: str
    before: str = ""
    after: str = ""
    operation: str = ""  # for a many-to-many field: "add" or "delete"
    objects: list[str] = field(default_factory=list)


def audit_changes(entry: LogEntry) -> list[AuditChange]:
    """The entry's changes, labelled and shown for people."""
    model = entry.content_type.model_class()
    # Choices, dates and related objects as people read them (a model since removed: as stored).
    shown = entry.changes_display_dict if model is not None else {}
    changes = []
    for name, values in entry.changes_dict.items():
        label = FIELD_LABELS.get(name)
        verbose = name
        with contextlib.suppress(FieldDoesNotExist, AttributeError):
            verbose = model._meta.get_field(name).verbose_name  # type: ignore[union-attr]
        text = str(capfirst(label if label is not None else str(verbose).replace("_", " ")))
        if isinstance(values, dict) and values.get("type") == "m2m":
            changes.append(
                AuditChange(
                    label=text,
                    operation=str(values.get("operation", "")),
                    objects=[str(o) for o in values.get("objects", [])],
                )
            )
            continue
        before, after = [*shown.get(verbose, values), "", ""][:2]
        changes.append(
            AuditChange(
                label=text,
                before="" if before in (None, "None") else str(before),
                after="" if after in (None, "None") else str(after),
            )
        )
    return changes

"""Bulk upsert of people by email for HR-system sync: the people import's own rows and rules.

The records become `PersonRow`s for `org.services.people_rows` and `people_apply`, exactly as the
CSV import's lines do, so the API gets its validation, its all-or-nothing transaction, its audit
entries and its mass-deactivation guard. Errors are reported by record index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditlog.context import set_actor

from org.models import Person
from org.services.people_apply import ImportResult, people_rows_sync
from org.services.people_rows import PersonRow, people_rows_check


def people_bulk_upsert(
    *,
    records: list[Mapping[str, Any]],
    actor: Person,
    full_sync: bool = False,
    force: bool = False,
    dry_run: bool = False,
) -> tuple[ImportResult, dict[int, str]]:
    """Apply the records whole or not at all. Returns the import result and errors by index.

    `manages` absent from every record keeps everyone's managed teams, as a CSV without that
    column does; once any record has it, a record without it leads nothing.
    """
    with_manages = any(r.get("manages") is not None for r in records)
    rows = [
        PersonRow(
            line=index,
            email=r["email"],
            name=r["name"],
            team=r["team"],
            role=r.get("role") or "",
            time_zone=r.get("time_zone") or "",
            language=r.get("language") or "",
            manages=tuple(r.get("manages") or ()) if with_manages else None,
            active=r.get("active"),
        )
        for index, r in enumerate(records)
    ]
    checked, bad = people_rows_check(rows=rows, where="record")
    with set_actor(actor):
        result = people_rows_sync(
            rows=checked, errors=bad, full_sync=full_sync, force=force, dry_run=dry_run,
            actor=actor, source="API bulk upsert",
        )  # fmt: skip
    errors: dict[int, str] = {}
    for index, message in result.errors:
        errors[index] = f"{errors[index]}; {message}" if index in errors else message
    return result, errors

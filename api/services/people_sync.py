"""Bulk upsert of people by email for HR-system sync, through the people CSV import.

The records are written as the import's CSV and handed to `org.services.people_import`, so the
API gets exactly its validation, its all-or-nothing transaction, its audit entry and its
mass-deactivation guard. Line numbers in its errors map back to record indexes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from org.models import Person
from org.services.people_import import ImportResult, people_import

COLUMNS = ("email", "name", "team", "role", "time_zone", "language", "manages", "active")
FIRST_LINE = 2  # the header is line 1


def _csv(records: Iterable[Mapping[str, Any]], *, with_manages: bool) -> str:
    columns = [c for c in COLUMNS if with_manages or c != "manages"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        active = record.get("active")
        values = {
            **{
                c: record.get(c) or ""
                for c in ("email", "name", "team", "role", "time_zone", "language")
            },
            "manages": "|".join(record.get("manages") or []),
            "active": "" if active is None else ("yes" if active else "no"),
        }
        writer.writerow([values[c] for c in columns])
    return out.getvalue()


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
    column does; records carry no line breaks (the serializer refuses them), so line = index + 2.
    """
    # A CSV without the column keeps everyone's managed teams; so do records without the key.
    with_manages = any(r.get("manages") is not None for r in records)
    content = _csv(records, with_manages=with_manages)
    result = people_import(
        content=content, full_sync=full_sync, force=force, dry_run=dry_run, actor=actor,
        source="API bulk upsert",
    )  # fmt: skip
    errors = {line - FIRST_LINE: message for line, message in result.errors}
    return result, errors

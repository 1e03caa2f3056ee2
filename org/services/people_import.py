"""Import and sync people from CSV: an upsert by email that either applies whole or not at all.

Columns: email, name, team (a path such as "Engineering/Platform/SRE"); optional role, time_zone,
language, manages (team paths separated by "|"), active. Every bad row is reported by its line
number; a file with any bad row writes nothing. A full sync deactivates the active people missing
from the file (never deletes them) and refuses to deactivate more than 40 % unless forced.
"""

from __future__ import annotations

import csv
import io
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from org.models import Person, Team, validate_time_zone
from org.services.access import people_access_end, sign_in_invitations_batched
from org.services.audit import audit_event_record
from org.services.people import person_create, person_update, team_path_get_or_create

REQUIRED_COLUMNS = ("email", "name", "team")
OPTIONAL_COLUMNS = ("role", "time_zone", "language", "manages", "active")
MAX_DEACTIVATE_SHARE = 0.40
MAX_BYTES = 5 * 1024 * 1024
TRUE = {"1", "true", "yes", "y", "active"}
FALSE = {"0", "false", "no", "n", "inactive"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV, wrong columns, too big)."""


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    deactivated: list[str] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    refused: str = ""
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refused


@dataclass
class _Row:
    line: int
    email: str
    name: str
    team: str
    role: str
    time_zone: str
    language: str
    manages: list[str] | None
    active: bool | None


def _read_rows(content: bytes | str) -> tuple[list[_Row], list[tuple[int, str]]]:
    if isinstance(content, bytes):
        if len(content) > MAX_BYTES:
            raise ImportFileError("The file is larger than 5 MB.")
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError("The file is not UTF-8 text.") from exc
    if "\0" in content:
        raise ImportFileError("The file is not a CSV text file.")
    reader = csv.DictReader(io.StringIO(content, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}.") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            f"The header row must name the columns {', '.join(REQUIRED_COLUMNS)}; "
            f"missing: {', '.join(missing)}."
        )
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ImportFileError(f"Unknown columns: {', '.join(unknown)}.")
    reader.fieldnames = header
    rows: list[_Row] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    languages = {code for code, _name in settings.LANGUAGES}
    try:
        for record in reader:
            line = reader.line_num
            if None in record:
                errors.append((line, "more fields than the header has columns"))
                continue
            values = {k: (v or "").strip() for k, v in record.items()}
            problems = []
            email = values["email"].lower()
            try:
                validate_email(email)
            except ValidationError:
                problems.append(f"“{values['email']}” is not an email address")
            if email in seen:
                problems.append(f"{email} already appears on line {seen[email]}")
            seen.setdefault(email, line)
            if not values["name"]:
                problems.append("the name is empty")
            team_path = values["team"]
            if not team_path or any(not p.strip() for p in team_path.split("/")):
                problems.append(f"“{team_path}” is not a team path like Engineering/Platform")
            # An absent column or an empty cell keeps a known person's value (a new one's default).
            role = values.get("role") or ""
            if role and role not in Person.Role.values:
                problems.append(f"role “{role}” is not one of {', '.join(Person.Role.values)}")
            time_zone = values.get("time_zone") or ""
            try:
                if time_zone:
                    validate_time_zone(time_zone)
            except ValidationError:
                problems.append(f"“{time_zone}” is not a known time zone")
            language = values.get("language") or ""
            if language and language not in languages:
                problems.append(
                    f"language “{language}” is not one of {', '.join(sorted(languages))}"
                )
            active_raw = values.get("active", "").lower()
            if active_raw and active_raw not in TRUE | FALSE:
                problems.append(f"active “{active_raw}” should be yes or no")
            manages = None
            if "manages" in header:
                manages = [p.strip() for p in values["manages"].split("|") if p.strip()]
            if problems:
                errors.append((line, "; ".join(problems)))
                continue
            rows.append(
                _Row(line, email, values["name"], team_path, role, time_zone, language,
                     manages, None if not active_raw else active_raw not in FALSE)
            )  # fmt: skip
    except csv.Error as exc:
        raise ImportFileError(
            f"The file is not valid CSV (line {reader.line_num}: {exc})."
        ) from exc
    if not rows and not errors:
        raise ImportFileError("The file has a header but no people.")
    return rows, errors


def _apply_row(
    row: _Row, result: ImportResult, teams_created: list[Team], full_sync: bool
) -> Person:
    team = team_path_get_or_create(path=row.team, created=teams_created)
    managed = (
        [team_path_get_or_create(path=p, created=teams_created) for p in row.manages]
        if row.manages is not None
        else None
    )
    person = Person.objects.filter(email=row.email).first()
    fields: dict[str, Any] = dict(
        email=row.email,
        name=row.name,
        team=team,
        role=row.role or (person.role if person else Person.Role.EMPLOYEE),
        time_zone=row.time_zone or (person.time_zone if person else "UTC"),
        language=row.language or (person.language if person else "en"),
        # In a full sync the file is the roster: someone listed is active unless the row says not.
        is_active=row.active
        if row.active is not None
        else (person.is_active if person and not full_sync else True),
    )
    if person is None:
        result.created.append(row.email)
        return person_create(**fields, managed_teams=managed or [])
    before = (person.name, person.team_id, person.role, person.time_zone, person.language,
              person.is_active, set(person.managed_teams.values_list("pk", flat=True)))  # fmt: skip
    person_update(person=person, **fields, managed_teams=managed)
    after = (person.name, person.team_id, person.role, person.time_zone, person.language,
             person.is_active, set(person.managed_teams.values_list("pk", flat=True)))  # fmt: skip
    if before != after:
        result.updated.append(row.email)
    else:
        result.unchanged += 1
    return person


def people_import(
    *,
    content: bytes | str,
    full_sync: bool = False,
    force: bool = False,
    dry_run: bool = False,
    actor: Person | None = None,
    source: str = "",
) -> ImportResult:
    """Validate and apply a people CSV in one transaction; roll back on any error or a dry run."""
    rows, errors = _read_rows(content)
    result = ImportResult(errors=errors)
    if errors:
        return result
    teams_created: list[Team] = []
    with set_actor(actor) if actor else nullcontext(), transaction.atomic():
        active_before = Person.objects.filter(is_active=True).count()
        # Set-password emails: one ledger insert for the file, rolled back with it on any error
        # or a dry run, and queued only after the commit.
        with sign_in_invitations_batched():
            for row in rows:
                try:
                    _apply_row(row, result, teams_created, full_sync)
                except ValidationError as exc:
                    result.errors.append((row.line, "; ".join(exc.messages)))
        result.teams_created = [t.name for t in teams_created]
        if full_sync and not result.errors:
            listed = {row.email for row in rows}
            active = Person.objects.filter(is_active=True)
            if actor is not None:
                active = active.exclude(pk=actor.pk)  # a sync never locks out the person running it
            leavers = list(active.exclude(email__in=listed).order_by("email"))
            total_active = max(active_before, 1)
            result.deactivated = [p.email for p in leavers]
            share = len(leavers) / total_active
            leaver_ids = {p.pk for p in leavers}
            hr_left = (
                Person.objects.filter(role=Person.Role.HR_ADMIN, is_active=True)
                .exclude(pk__in=leaver_ids)
                .exists()
            )
            if not hr_left and any(p.is_hr_admin for p in leavers):
                # Not even force: nobody would be left who can reach the HR screens.
                result.refused = (
                    "This sync would deactivate every HR admin. Add at least one active HR admin "
                    "to the file."
                )
            elif share > MAX_DEACTIVATE_SHARE and not force:
                result.refused = (
                    f"This sync would deactivate {len(leavers)} of {total_active} active people "
                    f"({share:.0%}), more than the {MAX_DEACTIVATE_SHARE:.0%} allowed. Check that "
                    "the file is complete, or confirm with “force” if so many people really left."
                )
            else:
                for person in leavers:
                    person.is_active = False
                    person.save(update_fields=["is_active"])
                # Leavers' sessions and tokens end for good, as with any deactivation.
                people_access_end(person_ids=sorted(leaver_ids))
        if not result.ok or dry_run:
            transaction.set_rollback(True)
        else:
            result.applied = True
            audit_event_record(
                actor=actor,
                event="people import",
                summary=(
                    f"{source or 'CSV'}: {len(result.created)} created, "
                    f"{len(result.updated)} updated, {len(result.deactivated)} deactivated, "
                    f"{len(result.teams_created)} teams created"
                ),
                details={"full_sync": full_sync, "forced": force},
            )
    return result

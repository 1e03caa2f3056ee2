"""Checking people rows, wherever they came from (a CSV file, the API's JSON), without the database.

A `PersonRow` holds one person as the source gave it; `people_rows_check` returns the rows that
are fine, cleaned, and every problem by line (or record index), so one bad row is reported with
all the others. Limits come from the model fields, so a value that could not be stored is refused
here with its line instead of failing the whole write later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from org.models import Person, Team, validate_time_zone

Progress = Callable[[int], None]


def _max_length(model: type[models.Model], field: str) -> int:
    length = getattr(model._meta.get_field(field), "max_length", None)
    assert isinstance(length, int)
    return length


EMAIL_MAX = _max_length(Person, "email")
NAME_MAX = _max_length(Person, "name")
TIME_ZONE_MAX = _max_length(Person, "time_zone")
TEAM_NAME_MAX = _max_length(Team, "name")
TEAM_PATH_MAX = _max_length(Team, "path")
# A stored path holds at least "n/" per level ("/1/4/9/"), so a deeper path never fits.
TEAM_LEVELS_MAX = (TEAM_PATH_MAX - 1) // 2
ROLES = frozenset(Person.Role.values)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SHOWN = 60


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One person as the source gave it. `manages` None keeps what a known person leads."""

    line: int
    email: str
    name: str
    team: str
    role: str = ""
    time_zone: str = ""
    language: str = ""
    manages: tuple[str, ...] | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """A row that passed every check: email lower-cased, team paths split into their names."""

    line: int
    email: str
    name: str
    team: tuple[str, ...]
    role: str
    time_zone: str
    language: str
    manages: tuple[tuple[str, ...], ...] | None
    active: bool | None


def shown(value: str) -> str:
    """A value quoted in a message: control characters made visible, long ones cut."""
    value = _CONTROL.sub("\ufffd", value)
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def _control_problem(label: str, value: str) -> str | None:
    match = _CONTROL.search(value)
    if match is None:
        return None
    what = {"\0": "a NUL character", "\n": "a line break", "\r": "a line break"}.get(
        match.group(), "a control character"
    )
    return f"the {label} contains {what}"


def team_path_split(path: str) -> tuple[tuple[str, ...] | None, str]:
    """("Engineering", "SRE") for "Engineering / SRE", or (None, the problem)."""
    parts = tuple(part.strip() for part in path.split("/"))
    if not path or any(not part for part in parts):
        return None, f"“{shown(path)}” is not a team path like Engineering/Platform"
    if len(parts) > TEAM_LEVELS_MAX:
        return None, (
            f"the team path “{shown(path)}” has {len(parts)} levels; at most {TEAM_LEVELS_MAX} fit"
        )
    long = next((part for part in parts if len(part) > TEAM_NAME_MAX), None)
    if long is not None:
        return None, f"the team name “{shown(long)}” is longer than {TEAM_NAME_MAX} characters"
    return parts, ""


def _row_check(row: PersonRow, languages: frozenset[str]) -> tuple[CheckedRow | None, list[str]]:
    problems: list[str] = []
    texts = [("email", row.email), ("name", row.name), ("team", row.team), ("role", row.role),
             ("time zone", row.time_zone), ("language", row.language)]  # fmt: skip
    texts += [("managed team path", path) for path in row.manages or ()]
    for label, value in texts:
        problem = _control_problem(label, value)
        if problem:
            problems.append(problem)
    if problems:
        # Nothing else is checked: the other messages would quote the same unreadable value.
        return None, problems
    email = row.email.strip().lower()
    if len(email) > EMAIL_MAX:
        problems.append(f"the email address is longer than {EMAIL_MAX} characters")
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"“{shown(row.email)}” is not an email address")
    name = row.name.strip()
    if not name:
        problems.append("the name is empty")
    elif len(name) > NAME_MAX:
        problems.append(f"the name is longer than {NAME_MAX} characters")
    team, problem = team_path_split(row.team.strip())
    if problem:
        problems.append(problem)
    role = row.role.strip()
    if role and role not in ROLES:
        problems.append(f"role “{shown(role)}” is not one of {', '.join(Person.Role.values)}")
    time_zone = row.time_zone.strip()
    if time_zone:
        try:
            if len(time_zone) > TIME_ZONE_MAX:
                raise ValidationError("too long")
            validate_time_zone(time_zone)
        except ValidationError:
            problems.append(f"“{shown(time_zone)}” is not a known time zone")
    language = row.language.strip()
    if language and language not in languages:
        problems.append(
            f"language “{shown(language)}” is not one of {', '.join(sorted(languages))}"
        )
    manages: list[tuple[str, ...]] | None = None
    if row.manages is not None:
        manages = []
        for path in row.manages:
            parts, problem = team_path_split(path.strip())
            if parts is None:
                problems.append(f"manages: {problem}")
            else:
                manages.append(parts)
    if problems or team is None:
        return None, problems
    checked = CheckedRow(
        line=row.line, email=email, name=name, team=team, role=role, time_zone=time_zone,
        language=language, manages=None if manages is None else tuple(manages), active=row.active,
    )  # fmt: skip
    return checked, []


def people_rows_check(
    *, rows: Iterable[PersonRow], where: str = "line", progress: Progress | None = None
) -> tuple[list[CheckedRow], list[tuple[int, str]]]:
    """The good rows, cleaned, and every problem as (line, message), in the order given.

    `where` names what `PersonRow.line` counts in messages ("line" in a file, "record" in JSON).
    """
    languages = frozenset(code for code, _name in settings.LANGUAGES)
    checked: list[CheckedRow] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=1):
        good, problems = _row_check(row, languages)
        email = good.email if good else row.email.strip().lower()
        if email in seen:
            problems.append(f"{shown(email)} already appears on {where} {seen[email]}")
        seen.setdefault(email, row.line)
        if problems:
            errors.append((row.line, "; ".join(problems)))
        elif good is not None:
            checked.append(good)
        if progress is not None and n % 2000 == 0:
            progress(n)
    return checked, errors

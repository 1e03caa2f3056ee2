"""Applying checked people rows whole or not at all, in a few set-based statements.

Used by the CSV import (HR screen, background job, `manage.py import_people`) and the API's bulk
upsert. Everyone and every team are read once; the plan (who is created, changed, deactivated,
which teams are added) is made in memory, so a dry run is the real run without its writes. The
writes are bulk inserts and updates in one transaction, with the audit entries django-auditlog
would have written one by one (its signals do not see bulk statements).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialect import ids_reserve, objects_insert, rows_insert, rows_update
from org.models import Person, Team
from org.selectors import LEADING_ROLES
from org.services.access import people_access_end, sign_in_invitations_send
from org.services.audit import audit_event_record
from org.services.people_rows import TEAM_PATH_MAX, CheckedRow

MAX_DEACTIVATE_SHARE = 0.40
BATCH = 2000
Managers = Team.managers.through


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


class _Tree:
    """The team tree by names, plus the teams an import would add (negative ids until written)."""

    def __init__(self) -> None:
        self.teams = {t.pk: t for t in Team.objects.only("pk", "name", "parent_id", "path")}
        self.child: dict[tuple[int | None, str], int] = {
            (t.parent_id, t.name): t.pk for t in self.teams.values()
        }
        self.new: list[tuple[int | None, str]] = []  # (parent node, name); node -(i + 1)
        self._paths: dict[tuple[str, ...], int] = {}

    def node(self, names: tuple[str, ...]) -> int:
        found = self._paths.get(names)
        if found is not None:
            return found
        parent: int | None = None
        for name in names:
            key = (parent, name)
            node = self.child.get(key)
            if node is None:
                self.new.append(key)
                node = self.child[key] = -len(self.new)
            parent = node
        assert parent is not None  # a checked path has at least one name
        self._paths[names] = parent
        return parent

    def stored_lengths(self) -> dict[int, int]:
        """The length of each new team's stored path ("/1/4/9/"), its future ids estimated."""
        width = len(str(max(self.teams, default=0) + len(self.new))) + 1
        lengths: dict[int, int] = {}
        for i, (parent, _name) in enumerate(self.new):
            if parent is None:
                base = 1
            elif parent > 0:
                base = len(self.teams[parent].path)
            else:
                base = lengths[parent]
            lengths[-(i + 1)] = base + width
        return lengths

    def create(self) -> tuple[dict[int, Team], list[Team]]:
        """Insert the new teams; every node's team, and the new ones in the order made."""
        made: dict[int, Team] = {}
        # Ids first where they can be reserved, so each path ("/1/4/9/") is known before its row
        # is copied in; elsewhere the rows learn their ids level by level.
        ids = ids_reserve(Team, len(self.new))
        if ids is None:
            self._create_by_level(made)
        else:
            for i, ((parent, name), pk) in enumerate(zip(self.new, ids, strict=True)):
                above = (
                    None if parent is None else self.teams[parent] if parent > 0 else made[parent]
                )
                team = Team(pk=pk, name=name, parent=above, path=Team.path_for(pk, above))
                team.depth = team.path.count("/") - 2
                made[-(i + 1)] = team
            objects_insert(Team, list(made.values()))
        created = [made[-(i + 1)] for i in range(len(self.new))]
        return {**self.teams, **made}, created

    def _create_by_level(self, made: dict[int, Team]) -> None:
        pending = list(enumerate(self.new))
        while pending:
            # A parent is always listed before its children, so each pass takes one more level.
            ready = [(i, k) for i, k in pending if k[0] is None or k[0] > 0 or k[0] in made]
            pending = [(i, k) for i, k in pending if not (k[0] is None or k[0] > 0 or k[0] in made)]
            level = []
            for i, (parent, name) in ready:
                above = (
                    None if parent is None else self.teams[parent] if parent > 0 else made[parent]
                )
                team = Team(name=name, parent=above)
                made[-(i + 1)] = team
                level.append(team)
            Team.objects.bulk_create(level, batch_size=BATCH)
            for team in level:
                team.path = Team.path_for(team.pk, team.parent)
                team.depth = team.path.count("/") - 2
            Team.objects.bulk_update(level, ["path", "depth"], batch_size=BATCH)


class _Person(NamedTuple):
    """A person as the import sees them: the fields it writes and the ones the audit shows."""

    pk: int
    email: str
    name: str
    team_id: int | None
    role: str
    time_zone: str
    language: str
    is_active: bool
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def is_hr_admin(self) -> bool:
        return self.role == Person.Role.HR_ADMIN


WRITTEN = ("name", "team_id", "role", "time_zone", "language", "is_active")


@dataclass
class _Plan:
    result: ImportResult
    tree: _Tree
    # New people carry -(their place in `new`) as pk, and their team's node as team_id, until
    # written; changed people carry their team's node too.
    new: list[_Person] = field(default_factory=list)
    changed: list[tuple[_Person, _Person]] = field(default_factory=list)  # (before, after)
    managed: dict[int, set[int]] = field(default_factory=dict)  # person key -> wanted nodes
    managed_before: dict[int, set[int]] = field(default_factory=dict)
    leavers: list[_Person] = field(default_factory=list)
    # People whose sessions, tokens and links end with this import (a role change, a
    # deactivation; leavers are added when written), and those who may now get an invitation.
    access_ended: list[int] = field(default_factory=list)
    invite: list[int] = field(default_factory=list)  # person keys (new people: negative)


def _plan(
    *, rows: list[CheckedRow], full_sync: bool, force: bool, actor: Person | None,
    result: ImportResult,
) -> _Plan:  # fmt: skip
    tree = _Tree()
    plan = _Plan(result=result, tree=tree)
    people = {
        values[1].lower(): _Person(*values)
        for values in Person.objects.values_list(*_Person._fields)
    }
    for person_id, team_id in Managers.objects.values_list("person_id", "team_id"):
        plan.managed_before.setdefault(person_id, set()).add(team_id)
    active_before = sum(p.is_active for p in people.values())
    hr_active = {p.pk for p in people.values() if p.is_hr_admin and p.is_active}
    demoted: list[tuple[CheckedRow, _Person]] = []
    for row in rows:
        node = tree.node(row.team)
        wanted = None if row.manages is None else {tree.node(path) for path in row.manages}
        before = people.get(row.email)
        role = row.role or (before.role if before is not None else Person.Role.EMPLOYEE)
        if wanted and role not in LEADING_ROLES:
            # One source of who manages what (ADR 0023), as person_create/person_update refuse.
            message = _(
                "Only managers and HR admins lead teams: make %(name)s a manager, or clear the "
                "teams they manage."
            ) % {"name": row.name}
            result.errors.append((row.line, message))
            continue
        if before is not None and role not in LEADING_ROLES and plan.managed_before.get(before.pk):
            wanted = set()  # a demotion ends the teams they led, here and on every screen
        if before is None:
            new = _person_new(row=row, team_id=node, wanted=wanted, plan=plan)
            if new.is_hr_admin and new.is_active:
                hr_active.add(new.pk)
            continue
        after = _person_change(
            row=row, before=before, team_id=node, wanted=wanted, plan=plan, full_sync=full_sync
        )
        if before.pk in hr_active and not (after.is_hr_admin and after.is_active):
            hr_active.discard(before.pk)
            demoted.append((row, before))
    if demoted and not hr_active:
        # Someone must be left who can reach the HR screens (as person_update refuses one by one).
        row, before = demoted[-1]
        message = _("%(name)s is the last active HR admin.") % {"name": before.name}
        result.errors.append((row.line, message))
    _paths_check(rows, plan)
    result.teams_created = [name for _parent, name in tree.new]
    if full_sync and not result.errors:
        _leavers_plan(plan, people, rows, actor, active_before, hr_active, force)
    return plan


def _person_new(*, row: CheckedRow, team_id: int, wanted: set[int] | None, plan: _Plan) -> _Person:
    """Plan a person the file adds (a negative key: their place among the new people)."""
    key = -(len(plan.new) + 1)
    new = _Person(
        pk=key, email=row.email, name=row.name, team_id=team_id,
        role=row.role or Person.Role.EMPLOYEE, time_zone=row.time_zone or "UTC",
        language=row.language or "en",
        is_active=True if row.active is None else row.active,
    )  # fmt: skip
    plan.new.append(new)
    plan.invite.append(key)
    if wanted:
        plan.managed[key] = wanted
    plan.result.created.append(row.email)
    return new


def _person_change(
    *,
    row: CheckedRow,
    before: _Person,
    team_id: int,
    wanted: set[int] | None,
    plan: _Plan,
    full_sync: bool,
) -> _Person:
    """Plan what the file changes on a known person (nothing when it changes nothing)."""
    after = before._replace(
        name=row.name, team_id=team_id, role=row.role or before.role,
        time_zone=row.time_zone or before.time_zone, language=row.language or before.language,
        # In a full sync the file is the roster: someone listed is active unless it says not.
        is_active=row.active if row.active is not None else (before.is_active or full_sync),
    )  # fmt: skip
    managed_change = wanted is not None and wanted != plan.managed_before.get(before.pk, set())
    if managed_change:
        assert wanted is not None
        plan.managed[before.pk] = wanted
    if after != before or managed_change:
        plan.changed.append((before, after))
        plan.result.updated.append(row.email)
        if after.role != before.role or (before.is_active and not after.is_active):
            plan.access_ended.append(before.pk)  # sessions and tokens of the old role end
        if after.is_active and (after.role != before.role or not before.is_active):
            plan.invite.append(before.pk)
    else:
        plan.result.unchanged += 1
    return after


def _paths_check(rows: list[CheckedRow], plan: _Plan) -> None:
    lengths = plan.tree.stored_lengths()
    if not lengths or max(lengths.values()) <= TEAM_PATH_MAX:
        return
    for row in rows:
        for path in (row.team, *(row.manages or ())):
            node = plan.tree.node(path)
            if node < 0 and lengths[node] > TEAM_PATH_MAX:
                plan.result.errors.append(
                    (row.line, f"the team path “{'/'.join(path)[:60]}…” is nested too deeply "
                               f"to be stored ({len(path)} levels)")
                )  # fmt: skip
                break


def _leavers_plan(
    plan: _Plan, people: dict[str, _Person], rows: list[CheckedRow], actor: Person | None,
    active_before: int, hr_active: set[int], force: bool,
) -> None:  # fmt: skip
    listed = {row.email for row in rows}
    leavers = sorted(
        (p for email, p in people.items()
         if p.is_active and email not in listed and (actor is None or p.pk != actor.pk)),
        key=lambda p: p.email,
    )  # fmt: skip
    result = plan.result
    result.deactivated = [p.email for p in leavers]
    share = len(leavers) / max(active_before, 1)
    leaver_ids = {p.pk for p in leavers}
    if not (hr_active - leaver_ids) and any(p.is_hr_admin for p in leavers):
        # Not even force: nobody would be left who can reach the HR screens.
        result.refused = (
            "This sync would deactivate every HR admin. Add at least one active HR admin "
            "to the file."
        )
    elif share > MAX_DEACTIVATE_SHARE and not force:
        result.refused = (
            f"This sync would deactivate {len(leavers)} of {max(active_before, 1)} active people "
            f"({share:.0%}), more than the {MAX_DEACTIVATE_SHARE:.0%} allowed. Check that "
            "the file is complete, or confirm with “force” if so many people really left."
        )
    plan.leavers = leavers


def _chunks(items: list, size: int = 10000) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write(plan: _Plan, actor: Person | None) -> None:
    teams, created_teams = plan.tree.create()
    node_pk = {node: team.pk for node, team in teams.items()}
    now = timezone.now()
    ids = ids_reserve(Person, len(plan.new))
    rows = [
        {**p._asdict(), "team_id": node_pk[cast(int, p.team_id)], "date_joined": now,
         "password": UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)}
        for p in plan.new
    ]  # fmt: skip
    for index, row in enumerate(rows):
        del row["pk"]  # the placeholder; ids are reserved (PostgreSQL) or come on insert
        if ids:
            row["pk"] = ids[index]
    made = rows_insert(Person, rows)
    # The new people as written, with their ids (and, from here on, real team ids).
    new = [
        p._replace(pk=pk, team_id=row["team_id"])
        for p, pk, row in zip(plan.new, made, rows, strict=True)
    ]
    pk_of = {-(i + 1): p.pk for i, p in enumerate(new)}
    changed = [(b, a._replace(team_id=node_pk[cast(int, a.team_id)])) for b, a in plan.changed]
    rows_update(
        Person, WRITTEN, [(a.pk, *(getattr(a, f) for f in WRITTEN)) for _before, a in changed]
    )
    for ids_ in _chunks([p.pk for p in plan.leavers]):
        Person.objects.filter(pk__in=ids_).update(is_active=False)
    # Managed teams: the people whose set changes lose their old rows and get the new ones.
    wanted = {pk_of.get(k, k): {node_pk[n] for n in nodes} for k, nodes in plan.managed.items()}
    for ids_ in _chunks([pk for pk in wanted if pk in plan.managed_before]):
        Managers.objects.filter(person_id__in=ids_).delete()
    Managers.objects.bulk_create(
        [Managers(person_id=pk, team_id=team) for pk, teams_ in wanted.items() for team in teams_],
        batch_size=BATCH,
    )
    _audit_write(plan, actor, teams, created_teams, new, changed, wanted)
    # Access follows the organisation (ADR 0023): leavers and role changes end sessions, tokens
    # and links for good; whoever may now sign in without a password gets one invitation, in one
    # ledger insert for the whole file, dispatched after the commit.
    people_access_end(person_ids=sorted({*plan.access_ended, *(p.pk for p in plan.leavers)}))
    invited = [pk_of.get(key, key) for key in plan.invite]
    for ids_ in _chunks(invited):
        sign_in_invitations_send(people=Person.objects.filter(pk__in=ids_).order_by("pk"))


AUDITED = ("email", "name", "team_id", "role", "time_zone", "language", "is_active", "is_staff",
           "is_superuser")  # fmt: skip


def _person_diff(
    before: _Person | None, after: _Person, team_names: dict[int, str]
) -> dict[str, list[str]]:
    """The changes django-auditlog records (its registered fields as text, "None" for nothing,
    a team by its name), without a model instance per person."""
    changes = {}
    for name in AUDITED:
        old = "None" if before is None else _shown(before, name, team_names)
        new = _shown(after, name, team_names)
        if old != new:
            changes["team" if name == "team_id" else name] = [old, new]
    return changes


def _shown(person: _Person, name: str, team_names: dict[int, str]) -> str:
    value = getattr(person, name)
    if name == "team_id":
        return "None" if value is None else team_names[value]
    return str(value)


def _repr(person: _Person) -> str:
    return f"{person.name} <{person.email}>"  # as Person.__str__


def _audit_write(
    plan: _Plan, actor: Person | None, teams: dict[int, Team], created_teams: list[Team],
    new: list[_Person], changed: list[tuple[_Person, _Person]], wanted: dict[int, set[int]],
) -> None:  # fmt: skip
    """One entry per person and team changed, as django-auditlog's signals would write them."""
    person_type = ContentType.objects.get_for_model(Person).pk
    team_type = ContentType.objects.get_for_model(Team).pk
    team_names = {team.pk: team.name for team in teams.values()}
    common = {
        "actor_id": getattr(actor, "pk", None), "actor_email": getattr(actor, "email", None),
        "cid": get_cid(), "timestamp": timezone.now(),
    }  # fmt: skip

    def entry(pk: int, text: str, content_type: int, action: int, changes: dict[str, Any]) -> dict:
        return {
            "content_type_id": content_type, "object_pk": str(pk), "object_id": pk,
            "object_repr": text, "action": action, "changes": changes, **common,
        }  # fmt: skip

    create, update = LogEntry.Action.CREATE, LogEntry.Action.UPDATE
    entries = [
        entry(team.pk, str(team), team_type, create,
              {"name": ["None", team.name], "parent": ["None", str(team.parent)]})
        for team in created_teams
    ]  # fmt: skip
    entries += [
        entry(p.pk, _repr(p), person_type, create, _person_diff(None, p, team_names)) for p in new
    ]
    for before, after in changed:
        changes = _person_diff(before, after, team_names)
        if changes:
            entries.append(entry(after.pk, _repr(after), person_type, update, changes))
    for person in plan.leavers:
        changes = {"is_active": ["True", "False"]}
        entries.append(entry(person.pk, _repr(person), person_type, update, changes))
    # Managers are logged on the team, as the m2m signal does: who was added, who removed.
    names = {p.pk: _repr(p) for p in new} | {a.pk: _repr(a) for _b, a in changed}
    added: dict[int, list[str]] = defaultdict(list)
    removed: dict[int, list[str]] = defaultdict(list)
    for pk, now in wanted.items():
        then = plan.managed_before.get(pk, set())
        for team in now - then:
            added[team].append(names[pk])
        for team in then - now:
            removed[team].append(names[pk])
    for operation, changes_by_team in (("add", added), ("delete", removed)):
        for team_pk, objects in changes_by_team.items():
            m2m: dict[str, Any] = {"type": "m2m", "operation": operation, "objects": objects}
            entries.append(
                entry(team_pk, team_names[team_pk], team_type, update, {"managers": m2m})
            )
    rows_insert(LogEntry, entries)


def people_rows_sync(
    *,
    rows: list[CheckedRow],
    errors: list[tuple[int, str]] | None = None,
    full_sync: bool = False,
    force: bool = False,
    dry_run: bool = False,
    actor: Person | None = None,
    source: str = "",
) -> ImportResult:
    """Plan the checked rows against the organisation and, unless anything is wrong or this is a
    dry run, write them in one transaction. `errors` (bad rows found earlier) are reported with
    any the plan finds (the last HR admin, a team path too deep to store), by line."""
    result = ImportResult(errors=list(errors or []))
    with transaction.atomic():
        plan = _plan(rows=rows, full_sync=full_sync, force=force, actor=actor, result=result)
        result.errors.sort()
        if not result.ok or dry_run:
            return result
        try:
            with transaction.atomic():
                _write(plan, actor)
        except DatabaseError as exc:
            # A limit the checks did not foresee: report it and keep nothing.
            result.refused = f"The import could not be stored: {str(exc).splitlines()[0]}"
            return result
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

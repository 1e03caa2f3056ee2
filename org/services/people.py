"""Writing people and teams. Every change is recorded by django-auditlog (see org/apps.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from org.models import OrgSettings, Person, Team
from org.selectors import LEADING_ROLES, person_may_sign_in
from org.services.access import person_access_end, sign_in_invitations_send
from org.validators import MIN_GROUP_SIZE_FLOOR


def _leading_check(*, name: str, role: str, managed_teams: list[Team] | None) -> None:
    # One source of who manages what (ADR 0023): only managers and HR admins lead teams.
    if managed_teams and role not in LEADING_ROLES:
        raise ValidationError(
            _(
                "Only managers and HR admins lead teams: make %(name)s a manager, or clear the "
                "teams they manage."
            )
            % {"name": name.strip()}
        )


class EmailTaken(ValidationError):
    """Someone else already has this address."""


def person_email_check(*, email: str, person: Person | None = None) -> None:
    """The one rule for unique addresses (pages, import and API): compared without case or the
    spaces around it, the person being edited aside."""
    taken = Person.objects.filter(email__iexact=email.strip())
    if person is not None:
        taken = taken.exclude(pk=person.pk)
    if taken.exists():
        raise EmailTaken(_("Someone else already has this email address."), code="email_taken")


@transaction.atomic
def person_create(
    *,
    email: str,
    name: str,
    team: Team | None,
    role: str = Person.Role.EMPLOYEE,
    time_zone: str = "UTC",
    language: str = "en",
    is_active: bool = True,
    managed_teams: Iterable[Team] = (),
) -> Person:
    managed = list(managed_teams)
    person_email_check(email=email)
    _leading_check(name=name, role=role, managed_teams=managed)
    # No password: whoever may sign in gets a single-use link to set one (sent after the commit).
    person = Person(
        email=email.strip().lower(),
        name=name.strip(),
        team=team,
        role=role,
        time_zone=time_zone,
        language=language,
        is_active=is_active,
    )
    person.set_unusable_password()
    person.full_clean()
    person.save()
    person.managed_teams.set(managed)
    sign_in_invitations_send(people=[person])
    return person


def person_update_check(*, person: Person, role: str, is_active: bool) -> None:
    """The rules a change of role or state must pass, wherever it comes from (the admin asks
    before saving)."""
    stays_hr = role == Person.Role.HR_ADMIN and is_active
    if person.is_hr_admin and person.is_active and not stays_hr:
        others = Person.objects.filter(role=Person.Role.HR_ADMIN, is_active=True)
        if not others.exclude(pk=person.pk).exists():
            # Someone must be left who can reach these screens.
            raise ValidationError(
                _("%(name)s is the last active HR admin.") % {"name": person.name}
            )


@transaction.atomic
def person_update(
    *,
    person: Person,
    email: str,
    name: str,
    team: Team | None,
    role: str,
    time_zone: str,
    language: str,
    is_active: bool,
    managed_teams: Iterable[Team] | None = None,
) -> Person:
    person_email_check(email=email, person=person)
    person_update_check(person=person, role=role, is_active=is_active)
    managed = list(managed_teams) if managed_teams is not None else None
    _leading_check(name=name, role=role, managed_teams=managed)
    if role not in LEADING_ROLES:
        managed = []  # a demotion ends the teams they led, here and on every screen
    might_sign_in = person_may_sign_in(person=person)
    access_changes = person.role != role or (person.is_active and not is_active)
    if email.strip().lower() != person.email:
        # A new address has not failed yet: the ledger tries it afresh.
        person.email_undeliverable, person.email_undeliverable_at = "", None
    person.email, person.name, person.team = email.strip().lower(), name.strip(), team
    person.role, person.time_zone, person.language = role, time_zone, language
    person.is_active = is_active
    person.full_clean()
    if access_changes:
        # Sessions, tokens and links issued under the old role end with this save.
        person_access_end(person=person, save=False)
    person.save()
    if managed is not None:
        wanted = {t.pk for t in managed}
        if wanted != set(person.managed_teams.values_list("pk", flat=True)):
            person.managed_teams.set(list(wanted))
    if not might_sign_in or access_changes:
        sign_in_invitations_send(people=[person])
    return person


def person_language_set(*, person: Person, language: str) -> Person:
    """A person's own choice of language (the switcher on every page), for pages and emails."""
    if person.language != language:
        person.language = language
        person.full_clean(validate_unique=False)
        person.save(update_fields=["language"])
    return person


def _team_name_check(name: str) -> None:
    # "/" separates the parts of a team path in CSV imports, so a name cannot contain it.
    if "/" in name:
        raise ValidationError(_("A team name cannot contain “/”."))


def team_create(*, name: str, parent: Team | None) -> Team:
    _team_name_check(name)
    team = Team(name=name.strip(), parent=parent)
    team.full_clean(exclude=["path", "depth"])
    team.save()
    return team


@transaction.atomic
def team_update(*, team: Team, name: str, parent: Team | None) -> Team:
    """Rename or move a team. A move rewrites the subtree's paths; responses keep the team id they
    were given when their round opened, so a team's history moves with it."""
    if parent is not None and team.contains(parent):
        raise ValidationError(_("A team cannot be moved below itself."))
    _team_name_check(name)
    team.name, team.parent = name.strip(), parent
    team.full_clean(exclude=["path", "depth"])
    team.save()
    return team


def org_threshold_update(*, min_group_size: int) -> OrgSettings:
    """Change k for rounds that open from now on; open and closed rounds keep the k they froze."""
    if min_group_size < MIN_GROUP_SIZE_FLOOR:
        raise ValidationError(_("The threshold can never be below 3."))
    org = OrgSettings.current()
    if org.min_group_size != min_group_size:
        org.min_group_size = min_group_size
        org.full_clean()
        org.save()
    return org

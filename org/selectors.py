"""Read-side helpers for the organisation, and the one rule for who leads which team.

A person leads a team when they are active, hold the manager or HR admin role, and are among the
team's managers (ADR 0023). Every page, the API, the exports and the digests ask `teams_led_qs`
(or a helper built on it), so a role change or a deactivation applies on the next request.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import OrgSettings, Person, Team, subtree_q
from .query_forms import whole_number_parse


def _top_most(led: list[Team]) -> list[Team]:
    """The teams of `led` (in path order) that are not below another one of them."""
    tops: list[Team] = []
    for team in led:
        if not any(top.contains(team) for top in tops):
            tops.append(team)
    return tops


# The roles that may lead teams; an employee listed as a team's manager leads nothing.
LEADING_ROLES = (Person.Role.MANAGER, Person.Role.HR_ADMIN)


def person_may_lead(*, person: Person) -> bool:
    return person.is_active and person.role in LEADING_ROLES


def teams_led_qs(*, person: Person) -> QuerySet[Team]:
    """Every team a person leads directly: the single source of who manages what."""
    if not person_may_lead(person=person):
        return Team.objects.none()
    return Team.objects.filter(managers=person)


def teams_led_get(*, person: Person) -> list[Team]:
    """The top-most teams a person leads (a team below another led team is reached through it)."""
    return _top_most(list(teams_led_qs(person=person).order_by("path")))


def teams_led_by_everyone() -> dict[int, list[Team]]:
    """`teams_led_get` for every person who leads a team, by person id, in one query."""
    led: dict[int, list[Team]] = {}
    links = Team.managers.through.objects.filter(
        person__is_active=True, person__role__in=LEADING_ROLES
    ).select_related("team")
    for link in links.order_by("team__path"):
        led.setdefault(link.person_id, []).append(link.team)
    return {person_id: _top_most(teams) for person_id, teams in led.items()}


def teams_visible_qs(*, person: Person) -> QuerySet[Team]:
    """The teams whose figures a person may read: HR every team, others the subtrees they lead."""
    if not person.is_active:
        return Team.objects.none()
    if person.is_hr_admin:
        return Team.objects.all()
    led = Q(pk__in=[])
    for team in teams_led_qs(person=person):
        led |= subtree_q(team)
    return Team.objects.filter(led)


def person_can_view_team(*, person: Person, team: Team) -> bool:
    if not person.is_active:
        return False
    if person.is_hr_admin:
        return True
    return any(led.contains(team) for led in teams_led_qs(person=person))


def team_for_viewer(*, person: Person, team_id: int | str) -> Team:
    """The team a page or the API was asked for, if the viewer may read it. Otherwise 404 rather
    than 403: a team outside the viewer's reach is not even confirmed to exist."""
    pk = whole_number_parse(team_id)
    if pk is None:
        raise Http404
    team = Team.objects.filter(pk=pk).first()
    if team is None or not person_can_view_team(person=person, team=team):
        raise Http404
    return team


def person_may_sign_in(*, person: Person, employees_may_sign_in: bool | None = None) -> bool:
    """Managers and HR admins sign in with a password; employees only when HR allows it."""
    if not person.is_active:
        return False
    if person.role in LEADING_ROLES:
        return True
    if employees_may_sign_in is None:
        employees_may_sign_in = OrgSettings.current().employees_may_sign_in
    return employees_may_sign_in


def people_search(
    *, query: str = "", team: Team | None = None, undeliverable: bool = False
) -> QuerySet[Person]:
    """People by name or address and team; `undeliverable`: only those whose address the mail
    server refused for good."""
    people = Person.objects.select_related("team").order_by("name", "email")
    if undeliverable:
        people = people.exclude(email_undeliverable="")
    if query:
        people = people.filter(Q(name__icontains=query) | Q(email__icontains=query))
    if team is not None:
        people = people.filter(subtree_q(team, via="team__"))
    return people


def teams_tree_get() -> list[Team]:
    """Every team in tree order (a parent before its children), with member and manager counts."""
    return list(
        Team.objects.order_by("path")
        .annotate(
            member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
            manager_count=Count("managers", distinct=True),
        )
        .prefetch_related("managers")
    )


def audit_entries_search(*, model: str = "", actor_id: str = "", query: str = ""):
    """Audit entries newest first, filtered by model ("app.model"), actor and text."""
    from auditlog.models import LogEntry

    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    if model and "." in model:
        app_label, model_name = model.split(".", 1)
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model_name)
    if actor_id.isascii() and actor_id.isdigit():
        entries = entries.filter(actor_id=int(actor_id))
    if query:
        entries = entries.filter(Q(object_repr__icontains=query) | Q(changes_text__icontains=query))
    return entries

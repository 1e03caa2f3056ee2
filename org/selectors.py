"""Read-side helpers for the organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Person, Team


def team_subtree(*, team: Team) -> QuerySet[Team]:
    return Team.objects.filter(path__startswith=team.path)


def teams_led_get(*, person: Person) -> list[Team]:
    """The top-most teams a person leads (a team below another led team is reached through it)."""
    led = list(person.managed_teams.order_by("path"))
    tops: list[Team] = []
    for team in led:
        if not any(team.path.startswith(top.path) for top in tops):
            tops.append(team)
    return tops


def person_can_view_team(*, person: Person, team: Team) -> bool:
    if person.is_hr_admin:
        return True
    return any(team.path.startswith(led.path) for led in person.managed_teams.all())

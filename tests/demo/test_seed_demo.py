"""seed_demo builds a realistic organisation, deterministically for a seed."""

import random

import pytest
from django.core.management import CommandError, call_command
from django.core.validators import validate_email
from django.db import transaction

from checkins.models import Answer, Response, Round
from culture.models import DimensionRollup
from culture.organisation import organisation_heatmap_get
from demo.services.people import (
    DEMO_LOGINS,
    demo_email_compose,
    demo_people_draw,
    demo_team_sizes_draw,
    demo_teams_plan,
)
from org.models import Person, Team


def _fingerprint():
    return (
        sorted(Team.objects.values_list("name", "depth")),
        sorted(Person.objects.values_list("email", "team__name", "role")),
        sorted(str(r) for r in Response.objects.values_list("id", flat=True)),
        sorted(Answer.objects.values_list("question_version__question__code", "value")),
    )


@pytest.mark.django_db
def test_seed_builds_history_small_teams_and_logins(survey):
    call_command("seed_demo", people=60, weeks=4, seed=3)
    assert Person.objects.count() == 60
    for email in DEMO_LOGINS.values():
        assert Person.objects.get(email=email).has_usable_password()
    hr = Person.objects.get(email=DEMO_LOGINS["hr"])
    manager = Person.objects.get(email=DEMO_LOGINS["manager"])
    employee = Person.objects.get(email=DEMO_LOGINS["employee"])
    assert hr.is_hr_admin and manager.managed_teams.exists()
    assert employee.team.path.startswith(manager.managed_teams.first().path)
    assert Round.objects.filter(status=Round.Status.CLOSED).count() == 4
    assert DimensionRollup.objects.exists()
    sizes = [t.members.count() for t in Team.objects.filter(children__isnull=True)]
    assert min(sizes) < 5 <= max(sizes), "some teams below the anonymity threshold, some above"


@pytest.mark.django_db
def test_same_seed_same_organisation():
    with transaction.atomic():
        call_command("seed_demo", people=40, weeks=2, seed=7)
        first = _fingerprint()
        transaction.set_rollback(True)
    assert not Person.objects.exists()
    call_command("seed_demo", people=40, weeks=2, seed=7)
    assert _fingerprint() == first


@pytest.mark.django_db
def test_refuses_a_populated_database(employee):
    with pytest.raises(CommandError):
        call_command("seed_demo", people=40, weeks=1)
    call_command("seed_demo", people=40, weeks=1, if_empty=True)
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_seed_refuses_production_settings_unless_told(settings):
    settings.RELHEALTH_PRODUCTION = True
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", people=20, weeks=0)
    assert not Person.objects.exists()


def test_production_settings_mark_production_and_compose_does_not_suggest_seeding():
    from pathlib import Path

    from django.conf import settings as django_settings

    base = Path(django_settings.BASE_DIR)
    assert "RELHEALTH_PRODUCTION = True" in (base / "relhealth/settings/production.py").read_text()
    assert "seed_demo" not in (base / "docker-compose.yml").read_text()


@pytest.mark.parametrize("people", [50_000, 100_000])
def test_every_address_is_unique_at_any_size(people):
    """The whole organisation planned in memory (no rows written): 50,000 people once crashed
    the seed on a duplicate address, managers and members sharing their numbers."""
    rng = random.Random(1)
    layout = demo_teams_plan(people)
    root = Team(name="Northwind Labs")
    departments = [Team(name=name) for name in dict.fromkeys(dept for dept, _sub in layout)]
    assert len(departments) > 1000, "more departments than the old numbering allowed"
    leaves = [Team(name=sub) for _dept, sub in layout]
    sizes = demo_team_sizes_draw(rng, people - 1 - len(departments), len(leaves))
    everyone = demo_people_draw(rng, root=root, departments=departments, leaves=leaves, sizes=sizes)
    emails = [person.email for person in everyone]
    assert len(everyone) == people
    assert len(set(emails)) == people
    assert set(DEMO_LOGINS.values()) <= set(emails)
    assert all(email.isascii() for email in emails)  # an accent needs SMTPUTF8 end to end


@pytest.mark.parametrize(
    ("first", "last", "address"),
    [("Chloé", "Eriksen", "chloe.eriksen.7@example.com"),
     ("Søren", "Ibáñez", "soren.ibanez.7@example.com"),
     ("Zoë", "Groß-Łukasz", "zoe.gross-lukasz.7@example.com"),
     ("Mary Ann", "O'Neil", "mary-ann.o-neil.7@example.com")],
)  # fmt: skip
def test_demo_addresses_are_plain_ascii(first, last, address):
    assert demo_email_compose(first, last, 7) == address
    validate_email(address)


@pytest.mark.django_db
def test_seed_builds_the_tree_and_managers_in_bulk():
    call_command("seed_demo", people=400, weeks=1, seed=2)
    teams = Team.objects.all()
    assert all(t.path == Team.path_for(t.pk, t.parent) for t in teams.select_related("parent"))
    assert all(t.depth == t.path.count("/") - 2 for t in teams)
    departments = Team.objects.filter(depth=1)
    assert departments.count() == len({d for d, _s in demo_teams_plan(400)})
    for dept in departments:
        assert list(dept.managers.values_list("role", flat=True)) == [Person.Role.MANAGER]
    assert Person.objects.count() == 400
    assert Person.objects.values("email").distinct().count() == 400


@pytest.mark.django_db
def test_the_demo_tells_a_story_with_scales_that_hold_together():
    """The demo as `make run` seeds it: the items of a dimension correlate as a real scale's do
    (alpha >= 0.7 for each built-in dimension), and in the demo manager's department one team's
    psychological safety falls while another team's trust grows, by more than noise."""
    call_command("seed_demo", people=120, weeks=12, seed=1)
    heatmap = organisation_heatmap_get()
    alphas = {r.dimension.key: r.alpha for r in heatmap.reliability}
    assert set(alphas) == {"belonging", "trust", "psych-safety"}
    assert all(alpha is not None and alpha >= 0.7 for alpha in alphas.values()), alphas

    department = Person.objects.get(email=DEMO_LOGINS["manager"]).managed_teams.get()

    def mean(team, key, numbers):
        rows = DimensionRollup.objects.filter(
            team=team, includes_subteams=False, dimension__key=key, round__number__in=numbers
        )
        return sum(r.total for r in rows) / sum(r.n for r in rows)

    early, late = range(1, 5), range(9, 13)
    moves = {
        (team.name, key): mean(team, key, late) - mean(team, key, early)
        for team in department.children.all()
        for key in ("psych-safety", "trust")
        if DimensionRollup.objects.filter(team=team, dimension__key=key).exists()
    }
    assert min(moves.values()) < -15, moves  # points on the 0-100 scale
    assert max(moves.values()) > 12, moves

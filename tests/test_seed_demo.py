"""seed_demo builds a realistic organisation, deterministically for a seed."""

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from checkins.models import Answer, Response, Round
from culture.models import DimensionRollup
from culture.services.demo import DEMO_LOGINS
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

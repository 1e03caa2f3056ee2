"""org/services/erasure.py: exactly the erased person's traces go, nobody else's, and a refused
erasure changes nothing. (The end-to-end story, figures included, is in tests/system/test_governance.py.)"""

from __future__ import annotations

import re

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.test import Client

from checkins.models import Participation
from org.models import Person
from org.services.erasure import ERASED, ERASURE_EVENT, _redact, person_erase
from tests.factories import ParticipationFactory, PersonFactory, RoundFactory

pytestmark = pytest.mark.django_db


def _attempt(email: str) -> None:
    AccessAttempt.objects.create(
        username=email, ip_address="10.0.0.9", user_agent="test", http_accept="*/*",
        path_info="/login/", failures_since_start=1, get_data="", post_data="",
    )  # fmt: skip


def _signed_in(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_redact_reaches_into_nested_values_whatever_the_case():
    pattern = re.compile("zelda@example.com|Zelda Z", re.IGNORECASE)
    value = {"to": ["ZELDA@example.com", 3], "by zelda z": {"note": "asked by Zelda Z"}}
    assert _redact(value, pattern) == {
        "to": [ERASED, 3],
        f"by {ERASED}": {"note": f"asked by {ERASED}"},
    }
    assert _redact(None, pattern) is None


def test_only_the_erased_persons_sessions_and_sign_in_records_go(org, hr_admin, employee):
    zelda = PersonFactory(email="zelda@example.com", name="Zelda Zimmer", team=org.platform)
    _attempt(zelda.email.upper())
    _attempt(employee.email)
    zelda_client, employee_client = _signed_in(zelda), _signed_in(employee)

    report = person_erase(person=zelda, actor=hr_admin)

    assert (report.sign_in_records, report.sessions) == (1, 1)
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [employee.email]
    assert zelda_client.get("/dashboard/").status_code == 302  # signed out
    assert employee_client.get("/").status_code == 200  # still signed in
    assert Person.objects.filter(pk=employee.pk).exists()


def test_changes_they_made_stay_without_who_made_them(org, hr_admin):
    zelda = PersonFactory(
        email="zelda@example.com", name="Zelda Zimmer", team=org.root, role=Person.Role.HR_ADMIN
    )
    with set_actor(zelda):
        org.sales.name = "Field sales"
        org.sales.save()
    change = LogEntry.objects.get_for_object(org.sales).latest("timestamp")
    assert change.actor == zelda

    person_erase(person=zelda, actor=hr_admin)

    change.refresh_from_db()
    assert change.actor is None and not change.actor_email and change.remote_addr is None
    assert change.changes_dict["name"] == ["Sales", "Field sales"]  # the change itself stays
    assert LogEntry.objects.filter(additional_data__event=ERASURE_EVENT).count() == 1


def test_an_open_rounds_invitation_goes_and_the_others_stay(org, hr_admin, employee, manager):
    zelda = PersonFactory(email="zelda@example.com", name="Zelda Zimmer", team=org.platform)
    rnd = RoundFactory()
    for person in (zelda, employee, manager):
        ParticipationFactory(person=person, round=rnd)

    report = person_erase(person=zelda, actor=hr_admin)

    assert report.participations == 1
    invited = Participation.objects.filter(round=rnd).values_list("person__email", flat=True)
    assert sorted(invited) == sorted([employee.email, manager.email])


def test_short_names_are_not_scrubbed_from_other_entries(org, hr_admin):
    # A two-letter name would turn every "Al" in the log into "[erased]": only texts of 3+ count.
    al = PersonFactory(email="al@example.com", name="Al", team=org.platform)
    with set_actor(hr_admin):
        org.platform.name = "Al's platform"
        org.platform.save()
    entry = LogEntry.objects.get_for_object(org.platform).latest("timestamp")

    person_erase(person=al, actor=hr_admin)

    entry.refresh_from_db()
    assert entry.changes_dict["name"] == ["Platform", "Al's platform"]


@pytest.mark.parametrize("who", ["self", "last_hr_admin"])
def test_a_refused_erasure_changes_nothing(org, hr_admin, employee, who):
    _attempt(hr_admin.email)
    entries = LogEntry.objects.count()
    actor = hr_admin if who == "self" else employee

    with pytest.raises(ValidationError):
        person_erase(person=hr_admin, actor=actor)

    assert Person.objects.filter(pk=hr_admin.pk, role=Person.Role.HR_ADMIN).exists()
    assert AccessAttempt.objects.filter(username=hr_admin.email).count() == 1
    assert LogEntry.objects.count() == entries

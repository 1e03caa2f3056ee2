"""Access follows the organisation (ADR 0023): who leads a team is one rule, and a role change,
a deactivation or a new password ends sessions, API tokens and links for good."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format

from api.models import ApiToken
from api.services.tokens import api_token_create
from org.models import OrgSettings, Person
from org.selectors import person_can_view_team, teams_led_by_everyone, teams_led_get
from org.services.access import org_sign_in_update, person_password_set
from org.services.people import person_create, person_update
from org.services.people_import import people_import


def _update(person: Person, **changes) -> Person:
    fields = dict(
        email=person.email, name=person.name, team=person.team, role=person.role,
        time_zone=person.time_zone, language=person.language, is_active=person.is_active,
    )  # fmt: skip
    fields.update(changes)
    return person_update(person=person, **fields)


def _signed_in(person: Person, password: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": person.email, "password": password})
    assert response.status_code == 302, response.content[:300]
    return client


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- One rule for who leads a team --------------------------------------------------------------


def test_demotion_ends_team_access_everywhere(manager, org):
    assert person_can_view_team(person=manager, team=org.platform)
    _update(manager, role=Person.Role.EMPLOYEE)
    manager.refresh_from_db()
    assert list(manager.managed_teams.all()) == []
    assert not person_can_view_team(person=manager, team=org.platform)
    assert teams_led_get(person=manager) == []
    assert manager.pk not in teams_led_by_everyone()


def test_an_employee_listed_as_a_teams_manager_leads_nothing(employee, org):
    """Even a row written around the services (a raw M2M add) grants nothing without the role."""
    org.engineering.managers.add(employee)
    assert not person_can_view_team(person=employee, team=org.platform)
    assert teams_led_get(person=employee) == []
    assert employee.pk not in teams_led_by_everyone()


def test_a_deactivated_manager_leads_nothing(manager, org):
    _update(manager, is_active=False)
    assert not person_can_view_team(person=manager, team=org.engineering)


def test_giving_an_employee_teams_is_refused_and_writes_nothing(org, employee):
    with pytest.raises(ValidationError, match="Only managers and HR admins lead teams"):
        person_create(email="x@example.com", name="X", team=org.platform,
                      managed_teams=[org.platform])  # fmt: skip
    assert not Person.objects.filter(email="x@example.com").exists()
    with pytest.raises(ValidationError):
        person_update(person=employee, email=employee.email, name=employee.name,
                      team=employee.team, role=Person.Role.EMPLOYEE, time_zone="UTC",
                      language="en", is_active=True, managed_teams=[org.sales])  # fmt: skip
    assert not org.sales.managers.filter(pk=employee.pk).exists()


def test_a_csv_demotion_clears_managed_teams(manager, hr_admin, org):
    csv = "email,name,team,role\nmanager@example.com,Max Manager,Acme/Engineering,employee\n"
    assert people_import(content=csv, actor=hr_admin).applied
    assert not manager.managed_teams.exists()


def test_demoted_manager_is_refused_on_the_next_request_by_page_api_and_export(
    client, manager, hr_admin, password, org
):
    old_session = _signed_in(manager, password)
    secret = api_token_create(person=manager, name="bi").secret
    team_url = reverse("culture:team", args=[org.engineering.pk])
    assert old_session.get(team_url).status_code == 200
    _update(manager, role=Person.Role.EMPLOYEE)
    # The old session ended with the role change; a fresh one (employees may sign in) sees nothing.
    assert old_session.get(team_url).status_code == 302
    fresh = _signed_in(manager, password)
    assert fresh.get(team_url).status_code == 404
    api = Client()
    assert (
        api.get(f"/api/v1/teams/{org.engineering.pk}/scores/", **_bearer(secret)).status_code == 401
    )
    new_secret = api_token_create(person=Person.objects.get(pk=manager.pk), name="new").secret
    export = api.get("/api/v1/exports/scores.csv", {"team": org.engineering.pk},
                     **_bearer(new_secret))  # fmt: skip
    assert export.status_code == 403
    teams = api.get("/api/v1/teams/", **_bearer(new_secret))
    assert teams.status_code == 403


# --- Sessions and tokens end for good -----------------------------------------------------------


def test_reactivation_brings_back_neither_the_session_nor_the_token(manager, password, org):
    old_session = _signed_in(manager, password)
    token = api_token_create(person=manager, name="sync")
    assert Client().get("/api/v1/teams/", **_bearer(token.secret)).status_code == 200
    _update(manager, is_active=False)
    _update(Person.objects.get(pk=manager.pk), is_active=True)
    assert old_session.get(reverse("home")).status_code == 302  # to the sign-in page
    assert Client().get("/api/v1/teams/", **_bearer(token.secret)).status_code == 401
    token.token.refresh_from_db()
    assert token.token.revoked_at is not None and not token.token.is_active
    # A new sign-in works: the person is back, only the old credentials are not.
    assert _signed_in(manager, password).get(reverse("home")).status_code == 200


def test_a_full_sync_leaver_loses_session_and_token_for_good(employee, hr_admin, password, org):
    old_session = _signed_in(employee, password)
    token = api_token_create(person=employee, name="x")
    csv = "email,name,team,role\nhr@example.com,Hanna HR,Acme,hr_admin\n"
    assert people_import(content=csv, actor=hr_admin, full_sync=True, force=True).applied
    _update(Person.objects.get(pk=employee.pk), is_active=True)
    assert old_session.get(reverse("home")).status_code == 302
    assert Client().get("/api/v1/me/checkins/", **_bearer(token.secret)).status_code == 401


def test_a_new_password_ends_other_sessions_and_tokens(employee, password):
    other = _signed_in(employee, password)
    token = api_token_create(person=employee, name="x")
    person_password_set(person=Person.objects.get(pk=employee.pk), password="a-new-long-secret-77")
    assert other.get(reverse("home")).status_code == 302
    assert Client().get("/api/v1/me/checkins/", **_bearer(token.secret)).status_code == 401
    assert _signed_in(employee, "a-new-long-secret-77").get(reverse("home")).status_code == 200


def test_a_name_change_ends_nothing(manager, password):
    session = _signed_in(manager, password)
    token = api_token_create(person=manager, name="x")
    _update(manager, name="Max M. Manager", time_zone="Europe/Paris")
    assert session.get(reverse("home")).status_code == 200
    assert Client().get("/api/v1/teams/", **_bearer(token.secret)).status_code == 200


def test_turning_employee_sign_in_off_signs_employees_out(employee, manager, password):
    employee_session = _signed_in(employee, password)
    manager_session = _signed_in(manager, password)
    org_sign_in_update(employees_may_sign_in=False)
    assert employee_session.get(reverse("home")).status_code == 302
    assert manager_session.get(reverse("home")).status_code == 200
    refused = Client().post(reverse("login"), {"username": employee.email, "password": password})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session
    org_sign_in_update(employees_may_sign_in=True)
    assert OrgSettings.current().employees_may_sign_in
    assert _signed_in(employee, password).get(reverse("home")).status_code == 200


def test_hr_changes_employee_sign_in_on_the_people_screen(client, hr_admin, password, employee):
    client.login(username=hr_admin.email, password=password)
    page = client.get(reverse("org:hr-people"))
    form = page.context["sign_in_form"]
    assert form["employees_may_sign_in"].value() is True and str(form["employees_may_sign_in"]) in (
        page.content.decode()
    )
    response = client.post(reverse("org:hr-sign-in"), {})
    assert response.status_code == 302
    assert not OrgSettings.current().employees_may_sign_in
    client.post(reverse("org:hr-sign-in"), {"employees_may_sign_in": "on"})
    assert OrgSettings.current().employees_may_sign_in


# --- Token expiry and last use ------------------------------------------------------------------


def test_tokens_expire_after_the_chosen_days(employee):
    start = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        short = api_token_create(person=employee, name="short", expires_in_days=2)
        default = api_token_create(person=employee, name="default")
        assert default.token.expires_at == start + dt.timedelta(days=90)
        traveller.shift(dt.timedelta(days=2, seconds=1))
        assert Client().get("/api/v1/me/checkins/", **_bearer(short.secret)).status_code == 401
        assert Client().get("/api/v1/me/checkins/", **_bearer(default.secret)).status_code == 200


@pytest.mark.parametrize("days", [0, -1, 366])
def test_a_token_lifetime_outside_the_limits_is_refused(employee, days):
    with pytest.raises(ValidationError, match="from 1 to 365 days"):
        api_token_create(person=employee, name="x", expires_in_days=days)
    assert not ApiToken.objects.exists()


def test_hr_token_screen_sets_expiry_and_shows_last_use(client, hr_admin, password):
    client.login(username=hr_admin.email, password=password)
    url = reverse("api:hr-api-tokens")
    refused = client.post(url, {"name": "BI", "expires_in_days": 400})
    assert refused.status_code == 400 and not ApiToken.objects.exists()
    created = client.post(url, {"name": "BI", "expires_in_days": 30})
    token = ApiToken.objects.get()
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=30)) < dt.timedelta(
        seconds=5
    )
    assert Client().get("/api/v1/teams/", **_bearer(created.context["secret"])).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    page = client.get(url).content.decode()
    assert date_format(token.expires_at, "DATE_FORMAT") in page
    assert date_format(token.last_used_at, "DATETIME_FORMAT") in page


def test_the_api_refuses_teams_for_an_employee_and_clears_them_on_demotion(hr_admin, manager, org):
    from tests.api.conftest import client_for

    api = client_for(hr_admin)
    url = f"/api/v1/people/{manager.pk}/"
    refused = api.patch(url, {"role": "employee", "managed_teams": [org.sales.pk]}, format="json")
    assert refused.status_code == 400 and "lead teams" in str(refused.json())
    manager.refresh_from_db()
    assert manager.role == Person.Role.MANAGER
    assert list(manager.managed_teams.all()) == [org.engineering]
    demoted = api.patch(url, {"role": "employee"}, format="json")
    assert demoted.status_code == 200 and demoted.json()["managed_teams"] == []

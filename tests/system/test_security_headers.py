"""Personal pages are never stored by a cache, and every response denies devices and sensors."""

from __future__ import annotations

import pytest

from checkins.models import Participation, Response
from checkins.services.tokens import participation_token


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives and "public" not in directives


@pytest.mark.parametrize("path", ["/", "/dashboard/", "/privacy/", "/hr/people/", "/organisation/"])
def test_every_signed_in_page_is_private_and_not_stored(client, hr_admin, path):
    client.force_login(hr_admin)
    response = client.get(path)
    assert response.status_code == 200 and _no_store(response)


def test_a_signed_in_refusal_and_redirect_are_not_stored_either(client, employee):
    client.force_login(employee)
    assert _no_store(client.get("/organisation/"))  # 403 / 404 for an employee
    assert _no_store(client.get("/login/"))  # a redirect home


@pytest.mark.parametrize("path", ["/api/v1/me/checkins/", "/api/v1/teams/", "/api/v1/nowhere/"])
def test_every_api_answer_is_private_and_not_stored(client, employee, path):
    assert _no_store(client.get(path))  # 401 signed out
    client.force_login(employee)
    assert _no_store(client.get(path))


def test_the_check_in_page_is_not_stored(client, open_round, employee):
    token = participation_token(round_id=open_round.pk, person_id=employee.pk)
    assert _no_store(client.get(f"/c/{token}/"))


def test_a_public_page_for_nobody_in_particular_is_left_alone(client, db):
    assert "no-store" not in client.get("/privacy/").get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/privacy/", "/login/", "/healthz", "/api/v1/teams/"])
def test_every_response_denies_camera_microphone_and_location(client, db, path):
    policy = client.get(path)["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


def test_static_files_carry_the_permissions_policy_too(client, settings):
    response = client.get(f"{settings.STATIC_URL}vendor/bootstrap/css/bootstrap.min.css")
    assert response.status_code == 200 and "camera=()" in response["Permissions-Policy"]
    assert "no-store" not in response.get("Cache-Control", "")


class TestADeactivatedPersonsLink:
    @pytest.fixture
    def link(self, open_round, employee):
        employee.is_active = False
        employee.save()
        return f"/c/{participation_token(round_id=open_round.pk, person_id=employee.pk)}/"

    def test_answers_410_with_a_clear_page_and_records_nothing(self, client, link, open_round):
        page = client.get(link)
        assert page.status_code == 410 and "This link is no longer active" in page.content.decode()
        answered = client.post(link, {"comment": "still here"})
        assert answered.status_code == 410
        assert not Response.objects.filter(round=open_round).exists()
        assert not Participation.objects.filter(round=open_round, responded=True).exists()
        assert _no_store(answered)

    def test_speaks_german_to_a_german_speaker(self, client, link, employee):
        employee.language = "de"
        employee.save()
        page = client.get(link).content.decode()
        assert "Dieser Link ist nicht mehr aktiv" in page

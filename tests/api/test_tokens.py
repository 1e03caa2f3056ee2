"""Personal API tokens: hashed, shown once, stamped on use, revocable, rate-limited."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services.tokens import api_token_create
from tests.api.conftest import client_for

TEAMS = "/api/v1/teams/"


def _bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_command_prints_a_token_that_is_stored_only_as_its_hash(hr_admin):
    out = io.StringIO()
    call_command("api_token", hr_admin.email.upper(), "--name", "HRIS sync", stdout=out)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert secret.startswith("rh_") and len(secret) > 40
    assert token.name == "HRIS sync" and token.person == hr_admin
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(v) for v in ApiToken.objects.values_list(flat=True)}
    assert token.last_used_at is None
    response = _bearer(secret).get(TEAMS)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_command_sets_the_lifetime_within_the_limits(hr_admin):
    call_command("api_token", hr_admin.email, "--days", "7", stdout=io.StringIO(),
                 stderr=io.StringIO())  # fmt: skip
    token = ApiToken.objects.get()
    assert 6 < (token.expires_at - token.created_at).total_seconds() / 86400 <= 7
    with pytest.raises(CommandError, match="from 1 to 365 days"):
        call_command("api_token", hr_admin.email, "--days", "400", stdout=io.StringIO())
    assert ApiToken.objects.count() == 1


def test_command_refuses_an_unknown_email(db):
    with pytest.raises(CommandError, match="Nobody"):
        call_command("api_token", "ghost@example.com")
    assert not ApiToken.objects.exists()


def test_revoked_unknown_and_leavers_tokens_get_401(hr_admin, employee):
    new = api_token_create(person=hr_admin, name="bi")
    assert _bearer(new.secret).get(TEAMS).status_code == 200
    new.token.revoked_at = new.token.created_at
    new.token.save()
    response = _bearer(new.secret).get(TEAMS)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _bearer("rh_" + "x" * 43).get(TEAMS).status_code == 401
    leaver = api_token_create(person=employee, name="x")
    employee.is_active = False
    employee.save()
    assert _bearer(leaver.secret).get("/api/v1/me/checkins/").status_code == 401
    assert APIClient().get(TEAMS).status_code == 401


def test_a_token_acts_with_its_owners_role_only(employee, hr_admin):
    assert client_for(employee).get(TEAMS).status_code == 403
    assert client_for(hr_admin).get(TEAMS).status_code == 200


@override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/min", "export": "1/min"},
    }
)
def test_token_use_is_rate_limited_with_a_clear_429(hr_admin):
    client = client_for(hr_admin)
    assert [client.get(TEAMS).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(TEAMS)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled" and "rate limit" in body["detail"]
    assert int(response["Retry-After"]) > 0
    # Another token has its own budget.
    assert client_for(hr_admin).get(TEAMS).status_code == 200


def test_hr_screen_creates_shows_once_lists_and_revokes(client, hr_admin, password, manager):
    client.login(username=hr_admin.email, password=password)
    url = reverse("api:hr-api-tokens")
    page = client.get(url)
    assert page.status_code == 200 and b"No tokens yet" in page.content
    created = client.post(url, {"name": "BI export"})
    secret = created.context["secret"]
    assert secret.startswith("rh_") and secret.encode() in created.content
    # Shown once: the list never shows it again, only its prefix.
    listing = client.get(url).content.decode()
    assert secret not in listing and "BI export" in listing and secret[:9] in listing
    assert _bearer(secret).get(TEAMS).status_code == 200
    token = ApiToken.objects.get(name="BI export")
    assert client.post(url, {"revoke": token.pk}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _bearer(secret).get(TEAMS).status_code == 401
    assert client.post(url, {"name": ""}).status_code == 400
    assert ApiToken.objects.count() == 1
    # Only HR admins get in.
    client.logout()
    client.login(username=manager.email, password=password)
    assert client.get(url).status_code == 403
    assert client.post(url, {"revoke": token.pk}).status_code == 403


def test_hr_navigation_links_the_token_screen(client, hr_admin, password):
    client.login(username=hr_admin.email, password=password)
    html = client.get(reverse("org:hr-people")).content.decode()
    assert reverse("api:hr-api-tokens") in html


def test_changes_made_with_a_token_name_its_owner_in_the_audit_log(hr_admin, org):
    from auditlog.models import LogEntry

    from org.models import Team

    client = client_for(hr_admin)
    response = client.post("/api/v1/teams/", {"name": "Data", "parent": org.root.pk}, format="json")
    assert response.status_code == 201, response.content
    team = Team.objects.get(name="Data")
    entry = LogEntry.objects.get_for_object(team).get(action=LogEntry.Action.CREATE)
    assert entry.actor == hr_admin

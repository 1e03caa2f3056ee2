"""Bulk upsert of people by email: all or nothing, idempotent, the CSV import's guard."""

from __future__ import annotations

from auditlog.models import LogEntry

from org.models import Person, Team
from tests.api.conftest import client_for

BULK = "/api/v1/people/bulk/"


def _records(count: int, *, start: int = 0) -> list[dict]:
    return [
        {
            "email": f"sync{i}@example.com",
            "name": f"Synced Person {i}",
            "team": f"Acme/Engineering/Squad {i % 20}",
            "role": "employee",
            "time_zone": "Europe/Berlin",
            "language": "de" if i % 3 == 0 else "en",
            "active": True,
        }
        for i in range(start, start + count)
    ]


def _state() -> list[tuple]:
    return list(
        Person.objects.order_by("email").values_list(
            "email", "name", "team_id", "role", "time_zone", "language", "is_active"
        )
    )


def test_a_thousand_people_twice_is_idempotent(hr_admin):
    client = client_for(hr_admin)
    records = _records(1000)
    first = client.post(BULK, {"people": records}, format="json")
    assert first.status_code == 200, first.content[:500]
    body = first.json()
    assert body["applied"] and len(body["created"]) == 1000 and body["updated"] == []
    assert Person.objects.filter(email__startswith="sync").count() == 1000
    assert Team.objects.filter(name__startswith="Squad ").count() == 20
    state, teams = _state(), Team.objects.count()
    second = client.post(BULK, {"people": records}, format="json")
    assert second.status_code == 200
    again = second.json()
    assert again["created"] == again["updated"] == again["teams_created"] == []
    assert again["unchanged"] == 1000
    assert _state() == state and Team.objects.count() == teams
    # The import's audit entry names the source.
    entry = LogEntry.objects.filter(additional_data__event="people import").order_by("-pk")[0]
    assert "API bulk upsert" in entry.changes_text or "API bulk upsert" in str(entry.changes)


def test_a_malformed_batch_writes_nothing_and_names_the_record(hr_admin):
    client = client_for(hr_admin)
    records = _records(50)
    records[37]["time_zone"] = "Mars/Olympus"
    before, teams, logs = _state(), Team.objects.count(), LogEntry.objects.count()
    response = client.post(BULK, {"people": records}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["people[37].record"]
    assert "Mars/Olympus" in body["fields"]["people[37].record"][0]
    assert _state() == before and Team.objects.count() == teams
    assert LogEntry.objects.count() == logs
    # A shape error is refused before anything runs, naming the field.
    records = _records(3)
    records[1]["email"] = "not-an-email"
    response = client.post(BULK, {"people": records}, format="json")
    assert response.status_code == 400
    assert "people[1].email" in response.json()["fields"]
    assert _state() == before


def test_duplicate_emails_are_refused(hr_admin):
    records = _records(3)
    records[2]["email"] = records[0]["email"].upper()
    response = client_for(hr_admin).post(BULK, {"people": records}, format="json")
    assert response.status_code == 400
    assert "already appears" in response.json()["fields"]["people[2].record"][0]
    assert not Person.objects.filter(email__startswith="sync").exists()


def test_full_sync_guard_refuses_mass_deactivation_unless_forced(hr_admin):
    client = client_for(hr_admin)
    assert client.post(BULK, {"people": _records(10)}, format="json").status_code == 200
    keep = _records(4)
    before = _state()
    response = client.post(BULK, {"people": keep, "full_sync": True}, format="json")
    assert response.status_code == 400
    assert "full_sync" in response.json()["fields"]
    assert _state() == before
    dry = client.post(
        BULK, {"people": keep, "full_sync": True, "force": True, "dry_run": True}, format="json"
    )
    assert (
        dry.status_code == 200 and not dry.json()["applied"] and len(dry.json()["deactivated"]) == 6
    )
    assert _state() == before
    forced = client.post(BULK, {"people": keep, "full_sync": True, "force": True}, format="json")
    assert forced.status_code == 200 and len(forced.json()["deactivated"]) == 6
    assert Person.objects.filter(email__startswith="sync", is_active=True).count() == 4
    assert Person.objects.get(pk=hr_admin.pk).is_active  # never the person running the sync


def test_people_create_update_deactivate(hr_admin, org, manager):
    client = client_for(hr_admin)
    created = client.post(
        "/api/v1/people/",
        {"email": "New@Example.com", "name": "New Person", "team": org.platform.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    person = Person.objects.get(email="new@example.com")
    assert not person.has_usable_password()
    dup = client.post(
        "/api/v1/people/", {"email": "new@example.com", "name": "Again"}, format="json"
    )
    assert dup.status_code == 409 and "email" in dup.json()["fields"]
    patched = client.patch(
        f"/api/v1/people/{person.pk}/", {"role": "manager", "managed_teams": [org.platform.pk]},
        format="json",
    )  # fmt: skip
    assert patched.status_code == 200 and patched.json()["managed_teams"] == [org.platform.pk]
    bad = client.patch(f"/api/v1/people/{person.pk}/", {"time_zone": "Nowhere"}, format="json")
    assert bad.status_code == 400 and "time_zone" in bad.json()["fields"]
    gone = client.post(f"/api/v1/people/{person.pk}/deactivate/")
    assert gone.status_code == 200 and gone.json()["is_active"] is False
    # The last HR admin cannot be deactivated (the service's rule, reported as an error).
    last = client.post(f"/api/v1/people/{hr_admin.pk}/deactivate/")
    assert last.status_code == 400 and "last active HR admin" in last.json()["detail"]
    listed = client.get("/api/v1/people/", {"subtree": org.engineering.pk, "is_active": "true"})
    assert {p["email"] for p in listed.json()["results"]} == {manager.email}

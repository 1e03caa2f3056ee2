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


def test_nul_bytes_and_values_too_long_to_store_are_refused_and_change_nothing(hr_admin):
    client = client_for(hr_admin)
    before, teams, logs = _state(), Team.objects.count(), LogEntry.objects.count()
    records = _records(6)
    records[1]["name"] = "Nu\u0000ll"
    records[2]["manages"] = ["Acme/\u0000"]
    response = client.post(BULK, {"people": records}, format="json")
    assert response.status_code == 400
    assert {"people[1].name", "people[2].manages[0]"} <= set(response.json()["fields"])
    # A path within the field's 1,000 characters, but too deep for the stored team path.
    records = _records(6)
    records[3]["team"] = "/".join(["D"] * 300)
    records[4]["manages"] = ["/".join(["M"] * 300)]
    records[5]["team"] = "Acme/" + "x" * 121
    response = client.post(BULK, {"people": records}, format="json")
    assert response.status_code == 400, response.content
    fields = response.json()["fields"]
    assert set(fields) == {"people[3].record", "people[4].record", "people[5].record"}
    assert "nested too deeply" in fields["people[3].record"][0]
    assert "nested too deeply" in fields["people[4].record"][0]
    assert "longer than 120 characters" in fields["people[5].record"][0]
    assert _state() == before and Team.objects.count() == teams
    assert LogEntry.objects.count() == logs


def test_bulk_upsert_updates_and_audits_managed_teams(hr_admin):
    client = client_for(hr_admin)
    records = _records(3)
    assert client.post(BULK, {"people": records}, format="json").status_code == 200
    records[0]["name"] = "Renamed"
    records[1]["manages"] = ["Acme/Engineering/Squad 1"]
    records[1]["role"] = "manager"  # only managers and HR admins lead teams (ADR 0023)
    response = client.post(BULK, {"people": records}, format="json")
    assert response.status_code == 200
    assert sorted(response.json()["updated"]) == ["sync0@example.com", "sync1@example.com"]
    lead = Person.objects.get(email="sync1@example.com")
    squad = Team.objects.get(name="Squad 1")
    assert list(squad.managers.all()) == [lead]
    renamed = LogEntry.objects.filter(
        action=LogEntry.Action.UPDATE,
        object_pk=str(Person.objects.get(email="sync0@example.com").pk),
    ).get()
    assert renamed.changes == {"name": ["Synced Person 0", "Renamed"]} and renamed.actor == hr_admin
    managers = LogEntry.objects.filter(object_pk=str(squad.pk), content_type__model="team").latest(
        "pk"
    )
    assert managers.changes["managers"] == {
        "type": "m2m", "operation": "add", "objects": [str(lead)]
    }  # fmt: skip
    # Leaving `manages` out of every record keeps them; an empty list takes the team away.
    records[1]["manages"] = []
    assert client.post(BULK, {"people": records}, format="json").status_code == 200
    assert not squad.managers.exists()

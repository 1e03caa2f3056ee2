"""The people CSV import: upsert by email, teams by path, bad rows by line, the sync guard."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from org.models import Person, Team
from org.services.people_import import ImportFileError, people_import
from tests.factories import PersonFactory

HEADER = "email,name,team,role,time_zone,language,manages\n"
GOOD = (
    HEADER
    + "ada@example.com,Ada Lovelace,Acme/Engineering/Platform/SRE,employee,Europe/London,en,\n"
    + "bob@example.com,Bob Builder,Acme/Engineering/Platform/SRE,manager,Europe/Berlin,de,"
    "Acme/Engineering/Platform/SRE\n"
    + "employee@example.com,Emma E.,Acme/Engineering/Platform,employee,Europe/Berlin,en,\n"
)


def test_good_file_creates_people_and_missing_teams(employee, hr_admin):
    result = people_import(content=GOOD, actor=hr_admin)
    assert result.ok and result.applied
    assert sorted(result.created) == ["ada@example.com", "bob@example.com"]
    assert result.updated == ["employee@example.com"]  # the name changed
    sre = Team.objects.get(name="SRE")
    assert sre.parent.name == "Platform" and sre.path.startswith(sre.parent.path)
    assert result.teams_created == ["SRE"]
    bob = Person.objects.get(email="bob@example.com")
    assert (bob.team, bob.role, bob.time_zone, bob.language) == (
        sre,
        "manager",
        "Europe/Berlin",
        "de",
    )
    assert list(bob.managed_teams.all()) == [sre]
    assert not bob.has_usable_password()
    employee.refresh_from_db()
    assert employee.name == "Emma E."


def test_reimport_is_idempotent(employee, hr_admin):
    people_import(content=GOOD, actor=hr_admin)
    people, teams = Person.objects.count(), Team.objects.count()
    again = people_import(content=GOOD, actor=hr_admin)
    assert again.ok and again.created == [] and again.updated == [] and again.unchanged == 3
    assert (Person.objects.count(), Team.objects.count()) == (people, teams)


def test_every_bad_row_is_reported_by_line_and_nothing_is_written(org):
    content = (
        HEADER
        + "ok@example.com,Okay,Acme/New team,employee,UTC,en,\n"
        + "not-an-email,Nobody,Acme,employee,UTC,en,\n"
        + "tz@example.com,Tee Zed,Acme,employee,Mars/Olympus,en,\n"
        + "role@example.com,Rolf,Acme,boss,UTC,xx,\n"
        + "ok@example.com,Twice,Acme//Gap,employee,UTC,en,\n"
    )
    before = (Person.objects.count(), Team.objects.count())
    result = people_import(content=content)
    assert not result.ok and not result.applied
    lines = dict(result.errors)
    assert sorted(lines) == [3, 4, 5, 6]
    assert "not an email" in lines[3]
    assert "Mars/Olympus" in lines[4]
    assert "boss" in lines[5] and "xx" in lines[5]
    assert "line 2" in lines[6] and "team path" in lines[6]
    assert (Person.objects.count(), Team.objects.count()) == before
    assert not Team.objects.filter(name="New team").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00garbage", "UTF-8"),
        ("name,team\nA,B\n", "missing: email"),
        ("email,name,team,shoe_size\n", "Unknown columns: shoe_size"),
        ('email,name,team\n"unterminated,Ann,Acme\n', "not valid CSV"),
        ("email,name,team\n", "no people"),
    ],
)
def test_malformed_csv_is_a_clear_error(org, content, message):
    with pytest.raises(ImportFileError, match=message):
        people_import(content=content)


def _roster(n: int, team: str = "Acme/Sales") -> str:
    return "email,name,team\n" + "".join(f"p{i}@example.com,Person {i},{team}\n" for i in range(n))


def test_full_sync_deactivates_leavers_but_never_deletes(hr_admin):
    people_import(content=_roster(10), actor=hr_admin)
    result = people_import(content=_roster(8), full_sync=True, actor=hr_admin)
    assert result.ok and sorted(result.deactivated) == ["p8@example.com", "p9@example.com"]
    assert Person.objects.filter(email="p9@example.com", is_active=False).exists()
    hr_admin.refresh_from_db()
    assert hr_admin.is_active  # the person running the sync is never locked out


def test_sync_deactivating_over_40_percent_is_refused_unless_forced(hr_admin):
    people_import(content=_roster(10), actor=hr_admin)
    refused = people_import(content=_roster(5), full_sync=True, actor=hr_admin)
    assert not refused.ok and "more than the 40%" in refused.refused
    assert Person.objects.filter(is_active=True).count() == 11
    forced = people_import(content=_roster(5), full_sync=True, force=True, actor=hr_admin)
    assert forced.ok and len(forced.deactivated) == 5
    assert Person.objects.filter(is_active=True).count() == 6


def test_dry_run_reports_and_writes_nothing(org):
    result = people_import(content=_roster(3, "Acme/Dry"), dry_run=True)
    assert result.ok and not result.applied and len(result.created) == 3
    assert result.teams_created == ["Dry"]
    assert not Person.objects.filter(email__startswith="p").exists()
    assert not Team.objects.filter(name="Dry").exists()


def test_import_is_audited_with_who_and_what(hr_admin):
    people_import(content=_roster(2), actor=hr_admin, source="people.csv")
    entry = LogEntry.objects.filter(additional_data__event="people import").get()
    assert entry.actor == hr_admin
    assert "people.csv: 2 created" in entry.changes_str
    created = LogEntry.objects.filter(
        action=LogEntry.Action.CREATE, content_type__model="person", actor=hr_admin
    )
    assert created.count() == 2


def test_management_command(tmp_path, org):
    path = tmp_path / "people.csv"
    path.write_text(_roster(2))
    call_command("import_people", str(path))
    assert Person.objects.filter(email__in=["p0@example.com", "p1@example.com"]).count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,team\nnope,X,Acme\n")
    with pytest.raises(CommandError, match="1 bad rows"):
        call_command("import_people", str(bad))


def test_existing_person_only_changes_what_the_file_says(org):
    person = PersonFactory(email="keep@example.com", team=org.sales, time_zone="Asia/Tokyo")
    people_import(
        content="email,name,team,time_zone\nkeep@example.com,Kept,Acme/Sales,Asia/Tokyo\n"
    )
    person.refresh_from_db()
    assert (person.name, person.time_zone, person.team) == ("Kept", "Asia/Tokyo", org.sales)


def test_absent_columns_keep_what_a_known_person_has(org, hr_admin):
    people_import(content=f"email,name,team\n{hr_admin.email},Hanna H.,Acme\n")
    hr_admin.refresh_from_db()
    assert hr_admin.role == Person.Role.HR_ADMIN and hr_admin.time_zone == "Europe/Berlin"
    assert hr_admin.name == "Hanna H."


def test_full_sync_brings_back_a_listed_leaver(hr_admin):
    people_import(content=_roster(10), actor=hr_admin)
    people_import(content=_roster(9), full_sync=True, actor=hr_admin)
    assert not Person.objects.get(email="p9@example.com").is_active
    back = people_import(content=_roster(10), full_sync=True, actor=hr_admin)
    assert back.updated == ["p9@example.com"]
    assert Person.objects.get(email="p9@example.com").is_active


def test_import_cannot_remove_the_last_hr_admin(hr_admin):
    content = f"email,name,team,role\n{hr_admin.email},Hanna,Acme,employee\n"
    result = people_import(content=content, actor=hr_admin)
    assert result.errors == [(2, "Hanna HR is the last active HR admin.")]
    hr_admin.refresh_from_db()
    assert hr_admin.role == Person.Role.HR_ADMIN


def test_management_command_refuses_a_mass_deactivation_unless_forced(tmp_path, hr_admin):
    people_import(content=_roster(10), actor=hr_admin)
    path = tmp_path / "half.csv"
    path.write_text(_roster(4) + f"{hr_admin.email},Hanna HR,Acme\n")
    with pytest.raises(CommandError, match="would deactivate 6 of 11 active people"):
        call_command("import_people", str(path), "--full-sync")
    assert Person.objects.filter(is_active=True).count() == 11
    call_command("import_people", str(path), "--full-sync", "--force")
    assert Person.objects.filter(is_active=True).count() == 5


def test_a_sync_never_deactivates_every_hr_admin(tmp_path, hr_admin):
    people_import(content=_roster(10), actor=hr_admin)
    path = tmp_path / "all-but-hr.csv"
    path.write_text(_roster(10))
    with pytest.raises(CommandError, match="every HR admin"):
        call_command("import_people", str(path), "--full-sync", "--force")
    hr_admin.refresh_from_db()
    assert hr_admin.is_active


def test_command_dry_run_writes_nothing(tmp_path, org, capsys):
    path = tmp_path / "people.csv"
    path.write_text(_roster(2))
    call_command("import_people", str(path), "--dry-run")
    assert "Would import: 2 created" in capsys.readouterr().out
    assert not Person.objects.filter(email="p0@example.com").exists()


def test_first_full_sync_on_an_empty_install(db):
    result = people_import(content=_roster(3), full_sync=True)
    assert result.ok and len(result.created) == 3 and result.deactivated == []


def test_nul_bytes_and_values_too_long_for_their_column_are_bad_rows(org):
    content = (
        "email,name,team,time_zone,manages\n"
        "nul@example.com,Nu\0l,Acme,UTC,\n"
        "team@example.com,Team,Ac\0me,UTC,\n"
        f"{'e' * 250}@example.com,Long Email,Acme,UTC,\n"
        f"name@example.com,{'n' * 201},Acme,UTC,\n"
        f"tname@example.com,Team Name,Acme/{'t' * 121},UTC,\n"
        f"tz@example.com,Zone,Acme,{'Z' * 65},\n"
        f"deep@example.com,Deep,{'/'.join(['D'] * 300)},UTC,\n"
        f"leads@example.com,Leads,Acme,UTC,{'/'.join(['L'] * 300)}\n"
        "fine@example.com,Fine,Acme,UTC,\n"
    )
    before = (Person.objects.count(), Team.objects.count(), LogEntry.objects.count())
    result = people_import(content=content)
    lines = dict(result.errors)
    assert sorted(lines) == [2, 3, 4, 5, 6, 7, 8, 9] and not result.applied
    assert "name contains a NUL character" in lines[2]
    assert "team contains a NUL character" in lines[3]
    assert "email address is longer than 254" in lines[4]
    assert "name is longer than 200" in lines[5]
    assert "longer than 120 characters" in lines[6]
    assert "not a known time zone" in lines[7]
    assert "nested too deeply" in lines[8] and "nested too deeply" in lines[9]
    assert (Person.objects.count(), Team.objects.count(), LogEntry.objects.count()) == before


def test_a_path_of_more_levels_than_could_ever_be_stored_is_refused_without_the_database(org):
    result = people_import(content=f"email,name,team\na@example.com,A,{'/'.join(['x'] * 600)}\n")
    assert result.errors == [
        (
            2,
            "the team path “x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x…” has 600 levels; at most 499 fit",
        )
    ]

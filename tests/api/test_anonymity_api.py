"""The API's scores and CSV export make exactly the page's anonymity decisions.

A seeded organisation with a small block under a parent (complementary suppression of a
sibling), a filter-sized team below a big one, and a small team pooled over a four-round window.
For every team and period the API and the CSV show a figure exactly where the page selectors
(`team_scores_get`, `team_page_get`) show one, with the same n and mean; a hidden cell carries no
number; and no visible parent minus its visible children isolates 1..k-1 respondents.
"""

from __future__ import annotations

import csv
import io

import pytest
from auditlog.models import LogEntry

from checkins.models import Dimension, Participation, Round
from checkins.services.rounds import round_open
from culture.selectors import team_page_get, team_scores_get
from culture.visibility import HiddenReason
from org.models import Person, Team
from tests.api.conftest import client_for
from tests.factories import PersonFactory, TeamFactory
from tests.helpers import answer_all, close_and_roll_up, survey_every_dimension

K = 5
FIGURE_KEYS = {"suppressed", "n", "mean", "ci_low", "ci_high", "favourable_pct", "pooled_rounds"}


@pytest.fixture
def seeded(survey):
    survey_every_dimension(survey)
    root = TeamFactory(name="Org")
    eng = TeamFactory(name="Engineering", parent=root)
    teams = {
        "root": root,
        "eng": eng,
        "platform": TeamFactory(name="Platform", parent=eng),
        "payments": TeamFactory(name="Payments", parent=eng),
        "data": TeamFactory(name="Data", parent=eng),
        "sales": TeamFactory(name="Sales", parent=root),
        "tiny": TeamFactory(name="Tiny", parent=root),
    }
    teams["emea"] = TeamFactory(name="EMEA", parent=teams["sales"])
    sizes = {"platform": 12, "payments": 11, "data": 11, "sales": 20, "emea": 11, "tiny": 6}
    for key, size in sizes.items():
        PersonFactory.create_batch(size, team=teams[key])
    # HR works in Sales: a lone invitee at the root would be grouped with the smallest
    # sub-team's people every week (A6), and Tiny would lose its own pooled figure.
    hr = PersonFactory(team=teams["sales"], role=Person.Role.HR_ADMIN, email="hr-anon@example.com")
    lead = PersonFactory(team=eng, role=Person.Role.MANAGER, email="lead-anon@example.com")
    eng.managers.add(lead)
    answering = {"platform": 12, "payments": 10, "data": 3, "sales": 20, "emea": 4, "tiny": 5}
    for week in range(4):
        rnd = round_open(survey=survey)
        for key, count in answering.items():
            for p in Participation.objects.filter(round=rnd, team=teams[key])[:count]:
                answer_all(p, value=2 + (p.pk + week) % 4)
        close_and_roll_up(rnd)
    return teams, hr, lead


def _page_cells(team: Team) -> dict[tuple[int, str], tuple[bool, int | None, float | None]]:
    scores = team_scores_get(team=team, n_rounds=12)
    keys = {d.pk: d.key for d in scores.dimensions}
    found = {}
    for row in scores.rows:
        for dimension_id, cell in row.cells.items():
            if cell.suppressed or cell.score is not None:
                found[(row.round.pk, keys[dimension_id])] = (
                    cell.suppressed, cell.n, cell.score, None if cell.suppressed else cell.pooled_rounds,
                )  # fmt: skip
    return found


def _api_cells(client, team: Team) -> dict[tuple[int, str], tuple[bool, int | None, float | None]]:
    response = client.get(f"/api/v1/teams/{team.pk}/scores/", {"rounds": 12})
    assert response.status_code == 200, response.content
    found = {}
    for period in response.json()["periods"]:
        for entry in period["dimensions"]:
            figure = entry["figure"]
            if figure["suppressed"]:
                # A hidden cell says why, as a code of the one enum (A3b), and carries no
                # figure at all.
                assert set(figure) == {"suppressed", "reason"}, figure
                assert figure["reason"] in HiddenReason.values, figure
                assert figure["reason"] != HiddenReason.NOT_ASKED, figure
            else:
                assert set(figure) == FIGURE_KEYS
            found[(period["round"]["id"], entry["key"])] = (
                figure["suppressed"], figure.get("n"), figure.get("mean"), figure.get("pooled_rounds"),
            )  # fmt: skip
    return found


def test_api_scores_make_exactly_the_page_decisions(seeded):
    teams, hr, lead = seeded
    client = client_for(hr)
    for key, team in teams.items():
        assert _api_cells(client, team) == _page_cells(team), key
    # The cases themselves: Data (3 of 11) is hidden, and so is Payments, or Engineering minus
    # Platform minus Payments would be Data's 3.
    platform = {c for c in _api_cells(client, teams["platform"]).values() if not c[0]}
    data = {c for c in _api_cells(client, teams["data"]).values() if not c[0]}
    payments = {c for c in _api_cells(client, teams["payments"]).values() if not c[0]}
    assert platform and not data and not payments
    assert not {c for c in _api_cells(client, teams["emea"]).values() if not c[0]}
    # Tiny (6 invitees, below 2k) appears once, pooled over the completed window.
    tiny = client.get(f"/api/v1/teams/{teams['tiny'].pk}/scores/").json()["periods"]
    pooled = [e["figure"] for p in tiny for e in p["dimensions"] if not e["figure"]["suppressed"]]
    assert pooled and all(f["pooled_rounds"] == 4 and f["n"] == 20 for f in pooled)
    # A manager gets the same cells for their own subtree.
    manager = client_for(lead)
    for key in ("eng", "platform", "payments", "data"):
        assert _api_cells(manager, teams[key]) == _page_cells(teams[key]), key


def test_no_visible_parent_minus_visible_children_isolates_a_small_group(seeded):
    teams, hr, _lead = seeded
    client = client_for(hr)
    cells = {key: _api_cells(client, team) for key, team in teams.items()}
    children = {t.pk: [k for k, c in teams.items() if c.parent_id == t.pk] for t in teams.values()}
    for key, team in teams.items():
        for cell_key, (hidden, n, _mean, pooled) in cells[key].items():
            if hidden or pooled != 1:
                continue
            below = [cells[c].get(cell_key) for c in children[team.pk]]
            shown = [b[1] for b in below if b is not None and not b[0] and b[3] == 1]
            if shown:
                assert n is not None
                rest = n - sum(shown)
                assert rest == 0 or rest >= K, (key, cell_key, n, shown)


def test_api_question_figures_match_the_team_page(seeded):
    teams, hr, _lead = seeded
    client = client_for(hr)
    for key in ("root", "eng", "platform", "data", "tiny"):
        team = teams[key]
        page = team_page_get(team=team)
        periods = client.get(f"/api/v1/teams/{team.pk}/scores/").json()["periods"]
        for figure in page.questions:
            api = [
                q["figure"]
                for p in periods
                for q in p["questions"]
                if q["code"] == figure.version.question.code
                and q["version"] == figure.version.number
            ]
            shown = [f for f in api if not f["suppressed"]]
            if figure.suppressed:
                assert shown == [], (key, figure.version)
            else:
                # The newest figure the API shows is the one the page shows.
                assert shown and shown[0]["n"] == figure.n, (key, figure.version)
                assert shown[0]["favourable_pct"] == figure.favourable_pct
            for f in api:
                if f["suppressed"]:
                    assert set(f) == {"suppressed", "reason"}
                    assert f["reason"] in HiddenReason.values


def test_csv_export_matches_the_page_and_is_audited(seeded):
    teams, hr, lead = seeded
    root = teams["root"]
    client = client_for(hr)
    before = LogEntry.objects.count()
    response = client.get("/api/v1/exports/scores.csv", {"team": root.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    exported = {}
    for row in rows:
        if row["suppressed"] == "true":
            assert row["n"] == row["mean"] == row["ci_low"] == row["favourable_pct"] == ""
            exported[(int(row["team_id"]), int(row["round_id"]), row["dimension"])] = (
                True, None, None, None,
            )  # fmt: skip
        else:
            exported[(int(row["team_id"]), int(row["round_id"]), row["dimension"])] = (
                False, int(row["n"]), float(row["mean"]), int(row["pooled_rounds"]),
            )  # fmt: skip
    expected = {
        (team.pk, *cell_key): value
        for team in teams.values()
        for cell_key, value in _page_cells(team).items()
    }
    assert exported == expected
    entry = LogEntry.objects.order_by("-pk").first()
    assert LogEntry.objects.count() == before + 1
    assert entry.actor == hr and entry.additional_data["event"] == "scores export"
    # A manager exports only their own subtree; the rest of the tree is not even confirmed.
    manager = client_for(lead)
    assert manager.get("/api/v1/exports/scores.csv", {"team": root.pk}).status_code == 404
    mine = manager.get("/api/v1/exports/scores.csv", {"team": teams["eng"].pk})
    assert mine.status_code == 200
    ids = {int(r["team_id"]) for r in csv.DictReader(io.StringIO(mine.content.decode()))}
    assert ids <= {teams[k].pk for k in ("eng", "platform", "payments", "data")}


def test_period_range_filters_rows_without_changing_decisions(seeded):
    teams, hr, _lead = seeded
    rounds = list(Round.objects.order_by("number"))
    client = client_for(hr)
    team = teams["eng"]
    only = client.get(
        f"/api/v1/teams/{team.pk}/scores/",
        {"period_from": rounds[1].period_start, "period_to": rounds[1].period_start},
    ).json()["periods"]
    page = _page_cells(team)
    assert {p["round"]["period_start"] for p in only} == {str(rounds[1].period_start)}
    for period in only:
        for entry in period["dimensions"]:
            key = (period["round"]["id"], entry["key"])
            assert entry["figure"]["suppressed"] == page[key][0]


def test_summaries_show_only_what_the_engine_shows(seeded):
    from culture.services.summaries import round_summaries_compute

    teams, hr, _lead = seeded
    for rnd in Round.objects.all():
        round_summaries_compute(round=rnd)
    client = client_for(hr)
    for key, team in teams.items():
        page = _page_cells(team)
        for summary in client.get(f"/api/v1/teams/{team.pk}/summaries/").json()["results"]:
            for d in summary["dimensions"]:
                dimension = Dimension.objects.get(pk=d["dimension"])
                hidden, _n, mean, _pooled = page[(summary["round"]["id"], dimension.key)]
                assert not hidden and d["score"] == mean, key
    data = client.get(f"/api/v1/teams/{teams['data'].pk}/summaries/").json()["results"]
    assert all(s["dimensions"] == [] for s in data)


def test_bad_queries_name_the_field(seeded):
    teams, hr, _lead = seeded
    client = client_for(hr)
    response = client.get(f"/api/v1/teams/{teams['eng'].pk}/scores/", {"rounds": "0"})
    assert response.status_code == 400 and "rounds" in response.json()["fields"]
    response = client.get(
        "/api/v1/exports/scores.csv",
        {"team": teams["eng"].pk, "period_from": "2030-01-02", "period_to": "2030-01-01"},
    )
    assert response.status_code == 400 and "period_to" in response.json()["fields"]
    assert client.get("/api/v1/exports/scores.csv").json()["fields"].keys() == {"team"}

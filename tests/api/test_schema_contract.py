"""The schema says exactly what the API does (ADR 0030).

Documented parameters work (summaries by period, export format), HR opens an extra round through
the API as on the HR page, and the schema's shape is one a generated client can rely on: always
present response fields required, named figure and tree components, snake_case operationIds,
and one pagination rule for every list.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from auditlog.models import LogEntry
from rest_framework.test import APIClient

from checkins.models import Participation, Round
from checkins.services.rounds import round_open
from culture.services.summaries import round_summaries_compute
from tests.api.conftest import client_for
from tests.factories import PersonFactory
from tests.helpers import answer_all, close_and_roll_up


@pytest.fixture
def schema(db) -> dict:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_operation_ids_are_python_identifiers(schema):
    ids = [
        op["operationId"]
        for item in schema["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert ids and len(ids) == len(set(ids))
    assert [i for i in ids if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", i)] == []


def test_every_list_is_a_page(schema):
    """One rule: a 200 whose body is a list is the page envelope, with `page` and `page_size`."""
    components = schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method != "get":
                continue
            body = op["responses"]["200"]["content"]
            json_schema = body.get("application/json", {}).get("schema", {})
            assert json_schema.get("type") != "array", path
            ref = json_schema.get("$ref", "")
            if ref.startswith("#/components/schemas/Paginated"):
                page = components[ref.rsplit("/", 1)[1]]
                assert page["required"] == ["count", "next", "previous", "results"]
                names = {p["name"] for p in op["parameters"]}
                assert {"page", "page_size"} <= names, path


def test_response_fields_are_required_and_figures_named(schema):
    components = schema["components"]["schemas"]
    for name in ("Person", "Question", "Survey", "Round", "Team", "Dimension", "TeamTreeNode"):
        component = components[name]
        assert sorted(component["required"]) == sorted(component["properties"]), name
    assert components["Team"]["properties"]["parent"]["nullable"] is True
    assert "required" not in components["PatchedTeamRequest"]
    assert components["TeamRequest"]["required"] == ["name"]
    # The tree is recursive; figures are shown or hidden, by name.
    children = components["TeamTreeNode"]["properties"]["children"]
    assert children["items"] == {"$ref": "#/components/schemas/TeamTreeNode"}
    refs = {
        name: [one["$ref"].rsplit("/", 1)[1] for one in components[name]["oneOf"]]
        for name in ("Figure", "QuestionFigureValue", "ParticipationFigure")
    }
    assert refs == {
        "Figure": ["ShownFigure", "HiddenFigure"],
        "QuestionFigureValue": ["ShownQuestionFigure", "HiddenFigure"],
        "ParticipationFigure": ["ShownParticipation", "HiddenFigure"],
    }
    assert set(components["HiddenFigure"]["properties"]) == {"suppressed", "reason"}
    assert not re.search(r"Type\d", " ".join(components))


def test_parameters_are_typed_as_they_are_read(schema):
    people = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/people/"]["get"]["parameters"]
    }
    assert people["subtree"]["type"] == "integer" and people["team"]["type"] == "integer"
    summaries = schema["paths"]["/api/v1/teams/{id}/summaries/"]["get"]["parameters"]
    assert {p["name"] for p in summaries} == {
        "id", "page", "page_size", "rounds", "period_from", "period_to"
    }  # fmt: skip
    export = schema["paths"]["/api/v1/exports/scores.csv"]["get"]
    assert list(export["responses"]["200"]["content"]) == ["text/csv"]
    fmt = next(p for p in export["parameters"] if p["name"] == "format")
    assert fmt["schema"]["enum"] == ["csv"]


def test_people_subtree_takes_a_team_id(org, employee, hr_admin):
    client = client_for(hr_admin)
    found = client.get("/api/v1/people/", {"subtree": org.engineering.pk}).json()["results"]
    assert employee.email in {p["email"] for p in found}
    bad = client.get("/api/v1/people/", {"subtree": "Acme/Engineering"})
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["subtree"]


@pytest.fixture
def weeks(survey, org, hr_admin, manager):
    """Three closed weekly rounds with shown figures for Platform, and their summaries."""
    PersonFactory.create_batch(7, team=org.platform)
    rounds = []
    for week in range(3):
        with time_machine.travel(dt.datetime(2026, 3, 3 + 7 * week, 9, tzinfo=dt.UTC)):
            rnd = round_open(survey=survey)
            for participation in Participation.objects.filter(round=rnd):
                answer_all(participation, value=2 + week)
            close_and_roll_up(rnd)
            round_summaries_compute(round=rnd)
        rounds.append(rnd)
    return rounds


def test_summaries_honour_the_period(weeks, org, manager):
    client = client_for(manager)
    url = f"/api/v1/teams/{org.platform.pk}/summaries/"
    every = client.get(url).json()
    assert [s["round"]["id"] for s in every["results"]] == [r.pk for r in reversed(weeks)]
    middle = weeks[1].period_start.isoformat()
    picked = client.get(url, {"period_from": middle, "period_to": middle}).json()
    assert [s["round"]["id"] for s in picked["results"]] == [weeks[1].pk]
    # The picked round still compares with its previous round, as unfiltered.
    assert picked["results"][0] == next(
        s for s in every["results"] if s["round"]["id"] == weeks[1].pk
    )
    later = client.get(url, {"period_from": weeks[1].period_start.isoformat()}).json()
    assert [s["round"]["id"] for s in later["results"]] == [weeks[2].pk, weeks[1].pk]
    one = client.get(url, {"page_size": 1, "page": 2}).json()
    assert one["count"] == 3 and [s["round"]["id"] for s in one["results"]] == [weeks[1].pk]
    for query in (
        {"period_from": "2026-13-01"},
        {"period_from": middle, "period_to": "2026-01-01"},
    ):
        bad = client.get(url, query)
        assert bad.status_code == 400 and bad.json()["code"] == "invalid", query


def test_export_is_csv_only(weeks, org, manager):
    client = client_for(manager)
    url = "/api/v1/exports/scores.csv"
    before = LogEntry.objects.count()
    for fmt in ("json", "api", "CSV"):
        refused = client.get(url, {"team": org.platform.pk, "format": fmt})
        assert refused.status_code == 400, fmt
        assert refused["Content-Type"] == "application/json"
        assert list(refused.json()["fields"]) == ["format"]
    assert LogEntry.objects.count() == before  # refused exports are not exports
    ok = client.get(url, {"team": org.platform.pk, "format": "csv"})
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/csv")
    assert ok.content.decode().startswith("team_id,")


def test_hr_opens_an_extra_round_as_on_the_page(survey, open_round, hr_admin, employee, manager):
    client = client_for(hr_admin)
    rounds = Round.objects.count()
    entries = LogEntry.objects.count()
    bad_bodies = [{}, {"survey": None}, {"survey": str(survey.pk)}, {"survey": 10**9},
                  {"survey": [survey.pk]}, {"survey": True}]  # fmt: skip
    for body in bad_bodies:
        refused = client.post("/api/v1/rounds/", body, format="json")
        assert refused.status_code == 400, body
        assert list(refused.json()["fields"]) == ["survey"], body
    assert (Round.objects.count(), LogEntry.objects.count()) == (rounds, entries)
    for person in (employee, manager):
        assert (
            client_for(person)
            .post("/api/v1/rounds/", {"survey": survey.pk}, format="json")
            .status_code
            == 403
        )
    # (A refusal is itself written to the audit log, as every 403 is; no round opened.)
    assert Round.objects.count() == rounds
    assert not LogEntry.objects.filter(additional_data__event="round opened").exists()

    made = client.post("/api/v1/rounds/", {"survey": survey.pk}, format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    rnd = Round.objects.get(pk=body["id"])
    assert (body["survey"], body["number"], body["status"]) == (survey.pk, open_round.number + 1,
                                                              "open")  # fmt: skip
    assert sorted(body["question_versions"]) == sorted(
        rnd.question_versions.values_list("pk", flat=True)
    )
    assert (
        Participation.objects.filter(round=rnd).count()
        == Participation.objects.filter(round=open_round).count()
    )
    entry = LogEntry.objects.get(additional_data__event="round opened")
    assert entry.actor == hr_admin and entry.additional_data["round"] == rnd.pk


def test_the_hr_page_audits_its_extra_round_the_same_way(client, survey, hr_admin):
    client.force_login(hr_admin)
    assert client.post(f"/hr/surveys/{survey.pk}/round/").status_code == 302
    rnd = Round.objects.get(survey=survey)
    entry = LogEntry.objects.get(additional_data__event="round opened")
    assert entry.actor == hr_admin and entry.additional_data == {
        "event": "round opened", "survey": survey.pk, "round": rnd.pk
    }  # fmt: skip

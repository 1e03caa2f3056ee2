"""Employees: their open check-ins, and submitting one with the page's exactly-once rules."""

from __future__ import annotations

import pytest

from checkins.models import Answer, Participation, Question, Response
from checkins.services.rounds import round_close
from tests.api.conftest import client_for


def _answers(rnd, value=4) -> list[dict]:
    out = []
    for version in rnd.question_versions.select_related("question"):
        if version.question.scale == Question.Scale.TEXT:
            out.append({"question_version": version.pk, "text": "fine"})
        else:
            scored = 8 if version.question.scale == Question.Scale.ZERO_TEN else value
            out.append({"question_version": version.pk, "value": scored})
    return out


def _url(rnd) -> str:
    return f"/api/v1/me/checkins/{rnd.pk}/submit/"


def test_lists_only_my_open_unanswered_checkins(open_round, employee, manager):
    client = client_for(employee)
    listed = client.get("/api/v1/me/checkins/").json()["results"]
    assert [c["round"] for c in listed] == [open_round.pk]
    versions = {q["question_version"] for q in listed[0]["questions"]}
    assert versions == set(open_round.question_versions.values_list("pk", flat=True))
    # No link token leaves through the API.
    assert "/c/" not in str(listed)
    client.post(_url(open_round), {"answers": _answers(open_round)}, format="json")
    assert client.get("/api/v1/me/checkins/").json()["results"] == []
    assert [
        c["round"] for c in client_for(manager).get("/api/v1/me/checkins/").json()["results"]
    ] == [open_round.pk]


def test_submit_exactly_once(open_round, employee):
    client = client_for(employee)
    first = client.post(
        _url(open_round), {"answers": _answers(open_round), "comment": "ok"}, format="json"
    )
    assert first.status_code == 201 and first.json() == {"round": open_round.pk, "recorded": True}
    again = client.post(_url(open_round), {"answers": _answers(open_round, 1)}, format="json")
    assert again.status_code == 409 and "already recorded" in again.json()["detail"]
    assert Response.objects.filter(round=open_round).count() == 1
    assert set(Answer.objects.values_list("value", flat=True)) - {None, 8} == {4}
    assert Participation.objects.get(round=open_round, person=employee).responded


@pytest.mark.parametrize(
    ("change", "field"),
    [("out_of_range", "answers[0]"), ("missing", "answers"), ("unknown", "answers"),
     ("twice", "answers"), ("long_comment", "comment")],
)  # fmt: skip
def test_bad_input_names_the_field_and_stores_nothing(open_round, employee, change, field):
    answers = _answers(open_round)
    comment = ""
    if change == "out_of_range":
        answers[0] = {"question_version": answers[0]["question_version"], "value": 99}
    elif change == "missing":
        answers = answers[1:]
    elif change == "unknown":
        answers.append({"question_version": 999999, "value": 3})
    elif change == "twice":
        answers.append(answers[0])
    else:
        comment = "x" * 2001
    response = client_for(employee).post(
        _url(open_round), {"answers": answers, "comment": comment}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert not Response.objects.exists()
    assert not Participation.objects.filter(responded=True).exists()


def test_closed_round_answers_410_and_other_rounds_404(open_round, employee, db):
    client = client_for(employee)
    round_close(round=open_round)
    response = client.post(_url(open_round), {"answers": _answers(open_round)}, format="json")
    assert response.status_code == 410
    assert client.post(
        "/api/v1/me/checkins/999999/submit/", {"answers": []}, format="json"
    ).status_code in (400, 404)
    assert not Response.objects.exists()


def test_someone_not_invited_gets_404(open_round, employee):
    from tests.factories import PersonFactory

    stranger = PersonFactory(team=employee.team)  # joined after the round opened
    response = client_for(stranger).post(
        _url(open_round), {"answers": _answers(open_round)}, format="json"
    )
    assert response.status_code == 404
    assert not Response.objects.exists()

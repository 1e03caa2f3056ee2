"""The reason is not an oracle (issue 14, leak class 4; promise A3b).

Every hidden cell below k gives the same reason whatever the count behind it, 0 included where
the round asked the question; "not asked" is said only where the round's question set did not
ask it (or the round invited no one of the team): facts about the round, the same for every
team. Built through the real services (round_open, response_submit, close and roll-up).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from checkins.models import Participation, Question, Round, RoundQuestion, Survey
from checkins.services.responses import response_submit
from checkins.services.rounds import round_open
from culture.selectors import team_page_get, team_scores_get
from culture.visibility import HiddenReason
from org.models import Person, Team
from tests.api.conftest import client_for
from tests.factories import PersonFactory, TeamFactory
from tests.helpers import close_and_roll_up

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def _answer(participation: Participation, *, value: int = 4, skip: int | None = None) -> None:
    """Answer every item with `value`; the items of dimension `skip` get "prefer not to say"."""
    answers: dict[int, int | str | None] = {}
    for version in participation.round.question_versions.select_related("question"):
        question = version.question
        if skip is not None and question.dimension_id == skip:
            answers[version.pk] = None
        else:
            answers[version.pk] = 8 if question.scale == Question.Scale.ZERO_TEN else value
    response_submit(participation=participation, answers=answers)


def _asked(rnd: Round) -> set[int]:
    """The dimensions the round's question set asked (the same for every team)."""
    return set(
        RoundQuestion.objects.filter(round=rnd, question_version__question__dimension__isnull=False)
        .values_list("question_version__question__dimension_id", flat=True)
        .distinct()
    )


def _reasons(team: Team) -> dict[tuple[int, int], HiddenReason | None]:
    """(round, dimension) -> the reason of the team's cell (None when shown)."""
    return {
        (row.round.pk, dimension_id): None if cell.shown else cell.reason
        for row in team_scores_get(team=team, n_rounds=12).rows
        for dimension_id, cell in row.cells.items()
    }


@pytest.fixture
def weekly_teams(survey):
    """Teams with at least 2k invitees (weekly mode), each answering differently:
    Payments 2 of 10 answer everything, Sales 2 of 10 answer but skip one dimension, Data 0 of
    10 answer; Platform 12 of 12. Two rounds of the weekly pulse, then one of a survey that asks
    a single dimension."""
    root = TeamFactory(name="Acme")
    engineering = TeamFactory(name="Engineering", parent=root)
    teams = {
        "root": root,
        "engineering": engineering,
        "platform": TeamFactory(name="Platform", parent=engineering),
        "payments": TeamFactory(name="Payments", parent=engineering),
        "sales": TeamFactory(name="Sales", parent=root),
        "data": TeamFactory(name="Data", parent=root),
    }
    sizes = {"platform": 12, "payments": 10, "sales": 10, "data": 10}
    for key, size in sizes.items():
        for _ in range(size):
            PersonFactory(team=teams[key])
    hr = PersonFactory(team=root, role=Person.Role.HR_ADMIN)
    # A second survey asks one dimension only: the other dimensions are "not asked" there.
    focus = Survey.objects.create(name="Focus", questions_per_round=3)
    first = Question.objects.filter(is_active=True, dimension__isnull=False).first()
    assert first is not None
    focus.questions.set(Question.objects.filter(is_active=True, dimension=first.dimension))
    rounds = []
    for week, which in enumerate([survey, survey, focus]):
        with time_machine.travel(START + dt.timedelta(weeks=week), tick=False):
            rnd = round_open(survey=which)
            skipped = sorted(_asked(rnd))[0]
            mine = Participation.objects.filter(round=rnd)
            for p in mine.filter(team=teams["platform"]):
                _answer(p)
            for p in mine.filter(team=teams["payments"])[:2]:
                _answer(p)
            for p in mine.filter(team=teams["sales"])[:2]:
                _answer(p, skip=skipped)
            close_and_roll_up(rnd)
            rounds.append((rnd, skipped))
    return teams, rounds, hr


def test_zero_answers_to_an_asked_dimension_give_the_same_reason_as_two(weekly_teams):
    """A3b: Data (0 answers), Sales' skipped dimension (0 answers) and Payments (2 answers)
    are hidden for one reason, FEWER_THAN_K; none says "not asked" for an asked dimension."""
    teams, rounds, _hr = weekly_teams
    for rnd, skipped in rounds:
        asked = _asked(rnd)
        assert skipped in asked
        for key in ("payments", "sales", "data"):
            reasons = _reasons(teams[key])
            for dimension_id in asked:
                assert reasons[(rnd.pk, dimension_id)] == HiddenReason.FEWER_THAN_K, (
                    key,
                    dimension_id,
                )
        # The skipped dimension of Sales (n = 0) reads exactly like its answered ones (n = 2).
        sales = _reasons(teams["sales"])
        assert len({sales[(rnd.pk, d)] for d in asked}) == 1


def test_not_asked_only_where_the_round_did_not_ask(weekly_teams):
    """A3b: for every team, round and dimension, "not asked" if and only if the round's
    question set had no question of that dimension."""
    teams, rounds, _hr = weekly_teams
    by_round = {rnd.pk: _asked(rnd) for rnd, _skipped in rounds}
    checked = 0
    for team in teams.values():
        for (round_id, dimension_id), reason in _reasons(team).items():
            not_asked = reason == HiddenReason.NOT_ASKED
            assert not_asked == (dimension_id not in by_round[round_id]), (team.name, reason)
            checked += 1
    assert checked
    dimensions = {d for _r, d in _reasons(teams["data"])}
    assert any(d not in asked for asked in by_round.values() for d in dimensions)


def test_api_reasons_are_codes_and_do_not_tell_zero_from_two(weekly_teams):
    """A3b: the API says {"suppressed": true, "reason": <HiddenReason code>} alike for Data's
    0, Sales' skipped 0 and Payments' 2, for dimensions and for questions."""
    teams, _rounds, hr = weekly_teams
    client = client_for(hr)
    seen: dict[str, set[str]] = {}
    for key in ("payments", "sales", "data"):
        periods = client.get(f"/api/v1/teams/{teams[key].pk}/scores/").json()["periods"]
        assert periods
        for period in periods:
            figures = [e["figure"] for e in period["dimensions"]]
            figures += [q["figure"] for q in period["questions"]]
            for figure in figures:
                assert figure == {"suppressed": True, "reason": figure["reason"]}, figure
                assert figure["reason"] in HiddenReason.values
                seen.setdefault(key, set()).add(figure["reason"])
    assert seen == {key: {HiddenReason.FEWER_THAN_K.value} for key in ("payments", "sales", "data")}


def test_question_figures_hide_zero_answers_like_a_few(weekly_teams):
    """A3b: question-level figures and eNPS of an asked question look the same for 0 answers
    (Data; Sales' skipped items) as for 2 (Payments): listed, hidden, FEWER_THAN_K."""
    teams, _rounds, _hr = weekly_teams
    listed = {}
    for key in ("payments", "sales", "data"):
        figures = team_page_get(team=teams[key]).questions
        assert figures and all(f.suppressed for f in figures)
        assert {f.reason for f in figures} == {HiddenReason.FEWER_THAN_K}
        listed[key] = sorted(f.version.pk for f in figures)
    assert listed["payments"] == listed["sales"] == listed["data"]


@pytest.fixture
def solo(survey):
    """The issue's case: a one-person team under a manager, checking in some weeks only."""
    root = TeamFactory(name="Acme")
    lead_team = TeamFactory(name="Engineering", parent=root)
    solo_team = TeamFactory(name="Solo", parent=lead_team)
    big = TeamFactory(name="Big", parent=lead_team)
    person = PersonFactory(team=solo_team)
    for _ in range(12):
        PersonFactory(team=big)
    manager = PersonFactory(team=root, role=Person.Role.MANAGER)
    lead_team.managers.add(manager)
    rounds = []
    for week, mode in enumerate(["answers", "silent", "skips", "answers"]):
        with time_machine.travel(START + dt.timedelta(weeks=week), tick=False):
            rnd = round_open(survey=survey)
            for p in Participation.objects.filter(round=rnd, team=big):
                _answer(p)
            mine = Participation.objects.get(round=rnd, person=person)
            if mode == "answers":
                _answer(mine)
            elif mode == "skips":
                _answer(mine, skip=sorted(_asked(rnd))[0])
            if week < 3:
                close_and_roll_up(rnd)
            rounds.append(rnd)
    # The fourth week stays open: its window is incomplete, so nothing is pooled yet.
    return solo_team, rounds[:3], manager


def test_a_one_person_team_gives_its_manager_one_reason_every_week(solo, client, password):
    """A3b: whether the one person checked in, stayed silent, or skipped a dimension, every
    asked cell of every week says the same; the page's words are the same too."""
    solo_team, _rounds, manager = solo
    reasons = _reasons(solo_team)
    asked_cells = {
        key: reason
        for key, reason in reasons.items()
        if key[1] in _asked(Round.objects.get(pk=key[0]))
    }
    assert len(asked_cells) >= 3 * 2
    assert set(asked_cells.values()) == {HiddenReason.SMALL_GROUP_WINDOW}
    client.login(username=manager.email, password=password)
    html = client.get(reverse("culture:team", args=[solo_team.pk])).content.decode()
    assert html.count("small team: 4-week figures only") >= len(asked_cells)
    assert html.count("not asked") == sum(
        1 for r in reasons.values() if r == HiddenReason.NOT_ASKED
    )

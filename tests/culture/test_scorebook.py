"""culture/scorebook.py: which rounds a book loads, and the cells it hands out from the stored
verdicts and subtree sums, in a fixed number of queries."""

from __future__ import annotations

import pytest

from checkins.models import Round
from culture.anonymity import ORG
from culture.scorebook import scorebook_build
from culture.statistics import to_0_100
from culture.visibility import HiddenReason
from tests.factories import PersonFactory
from tests.helpers import round_answered

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(survey, org):
    """Platform's twelve people: all mean 4 in the first round; six mean 2 in the second, six do
    not answer; a third round is still open."""
    people = [PersonFactory(team=org.platform) for _ in range(12)]
    first = round_answered(survey, dict.fromkeys(people, 4))
    second = round_answered(survey, {p: (2 if i < 6 else None) for i, p in enumerate(people)})
    third = round_answered(survey, dict.fromkeys(people, 5), close=False)
    return first, second, third


def _asked_dimension(rnd: Round) -> int:
    return next(
        v.question.dimension_id for v in rnd.question_versions.select_related("question")
        if v.question.dimension_id
    )  # fmt: skip


def test_a_book_loads_closed_rolled_up_rounds_and_their_whole_window(history, org):
    first, second, third = history
    book = scorebook_build(teams=[org.platform.pk])
    assert [r.pk for r in book.rounds] == [first.pk, second.pk]  # oldest first, open one left out
    assert [r.pk for r in book.latest] == [second.pk, first.pk]  # newest first
    latest_only = scorebook_build(teams=[org.platform.pk], n_rounds=1)
    assert [r.pk for r in latest_only.latest] == [second.pk]
    # The window's earlier round comes along: a pooled figure needs all of its window.
    assert [r.pk for r in latest_only.rounds] == [first.pk, second.pk]
    assert third.status == Round.Status.OPEN


def test_the_rounds_of_a_team_that_was_never_asked_are_none(history, org):
    assert scorebook_build(teams=[org.sales.pk], latest_of=org.sales).latest == []
    assert len(scorebook_build(teams=[org.platform.pk], latest_of=org.platform).latest) == 2


def test_cells_are_the_weekly_figures_of_the_subtree(history, org):
    first, second, _third = history
    dimension = _asked_dimension(second)
    book = scorebook_build(teams=[org.platform.pk, org.engineering.pk, ORG])
    now = book.cell(team_id=org.platform.pk, dimension_id=dimension, round=second)
    assert now.shown and now.n == 6 and now.pooled_rounds == 1
    assert now.score == pytest.approx(to_0_100(value=2, scale="agree5"))
    assert now.favourable_pct == 0
    assert book.participation(team_id=org.platform.pk, round=second) == (12, 6)
    # Engineering's subtree is Platform, and so is the organisation's: the same figure.
    for node in (org.engineering.pk, ORG):
        assert book.cell(team_id=node, dimension_id=dimension, round=second) == now
    if dimension == _asked_dimension(first):
        before = book.cell(team_id=org.platform.pk, dimension_id=dimension, round=first)
        assert before.n == 12 and before.score == pytest.approx(75.0)


def test_a_team_no_one_was_invited_from_was_not_asked(history, org):
    _first, second, _third = history
    dimension = _asked_dimension(second)
    book = scorebook_build(teams=[org.sales.pk])
    cell = book.cell(team_id=org.sales.pk, dimension_id=dimension, round=second)
    assert not cell.shown and cell.reason == HiddenReason.NOT_ASKED
    assert book.participation(team_id=org.sales.pk, round=second) in (None, (0, 0))


def test_a_dimension_the_round_did_not_ask_is_not_asked(history, org):
    _first, second, _third = history
    asked = {v.question.dimension_id for v in second.question_versions.select_related("question")}
    book = scorebook_build(teams=[org.platform.pk])
    unasked = [d for d in book.dimensions if d.pk not in asked]
    for dimension in unasked:
        cell = book.cell(team_id=org.platform.pk, dimension_id=dimension.pk, round=second)
        assert cell.reason == HiddenReason.NOT_ASKED and cell.score is None


def test_building_a_book_takes_the_same_queries_however_many_teams(
    history, org, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8) as few:
        scorebook_build(teams=[org.platform.pk])
    with django_assert_max_num_queries(len(few.captured_queries)):
        scorebook_build(
            teams=[ORG, *(t.pk for t in (org.root, org.engineering, org.platform, org.sales))]
        )

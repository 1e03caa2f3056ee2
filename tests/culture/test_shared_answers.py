"""A2b: measures that share answers are decided together.

A dimension's figures (its mean of each respondent's answered items, its favourable share over
all its answers) are built from the same answers as its items' figures. Decided apart, a visible
dimension and a visible item pin down a hidden item's few answers (issue 14, leak class 2), and a
respondent who skipped an item weighs differently in the dimension than in the items.
"""

from __future__ import annotations

from collections import Counter

from checkins.models import Question
from checkins.services.responses import response_submit
from checkins.services.rounds import round_open
from culture.scorebook import scorebook_build
from tests.helpers import close_and_roll_up, people_in


def _round_with_two_items(survey):
    survey.questions_per_round = 12
    survey.save()
    rnd = round_open(survey=survey)
    versions = list(rnd.question_versions.select_related("question"))
    per_dimension = Counter(
        v.question.dimension_id for v in versions if v.question.scale == Question.Scale.AGREE5
    )
    dimension = next(d for d, count in per_dimension.items() if count >= 2)
    first, second = [v for v in versions if v.question.dimension_id == dimension][:2]
    return rnd, versions, dimension, first, second


def _answer(participation, versions, skip=(), overrides=None):
    answers = {}
    for v in versions:
        if v in skip:
            answers[v.pk] = None
        elif v.question.scale == Question.Scale.ZERO_TEN:
            answers[v.pk] = 8
        elif v.question.scale == Question.Scale.TEXT:
            answers[v.pk] = ""
        else:
            answers[v.pk] = 4
    answers.update(overrides or {})
    response_submit(participation=participation, answers=answers)


def _verdicts(team, rnd, dimension, items):
    book = scorebook_build(teams=[team.pk], latest_of=None, n_rounds=12)
    cell = book.cell(team_id=team.pk, dimension_id=dimension, round=rnd)
    shown = {v.pk: book.decision(node=team.pk, measure=f"q{v.pk}", round=rnd) for v in items}
    return cell, shown


def test_items_are_not_shown_beside_their_dimension_when_one_has_a_lone_answer(survey, org):
    """Ten answer item 1, one of them item 2: the dimension's favourable count minus item 1's
    would be that one answer, so the items are hidden; the dimension alone keeps its figure."""
    rnd, versions, dimension, first, second = _round_with_two_items(survey)
    people = people_in(org.platform, 10, rnd)
    _answer(people[0], versions, overrides={second.pk: 1})
    for p in people[1:]:
        _answer(p, versions, skip={second})
    close_and_roll_up(rnd)

    cell, shown = _verdicts(org.platform, rnd, dimension, [first, second])

    assert shown[second.pk] != "weekly" and shown[first.pk] != "weekly"
    assert not cell.suppressed and cell.n == 10


def test_a_lone_partial_respondent_hides_the_items_beside_their_dimension(survey, org):
    """Nine answer both items, one answers only item 1. Each item has 9 or 10 answers, yet the
    dimension's total (a mean per respondent) minus half the items' totals is half that one
    person's answer: the items are hidden beside it, the dimension alone stays."""
    rnd, versions, dimension, first, second = _round_with_two_items(survey)
    people = people_in(org.platform, 10, rnd)
    _answer(people[0], versions, skip={second}, overrides={first.pk: 1})
    for p in people[1:]:
        _answer(p, versions)
    close_and_roll_up(rnd)

    cell, shown = _verdicts(org.platform, rnd, dimension, [first, second])

    assert "weekly" not in shown.values()
    assert not cell.suppressed and cell.n == 10


def test_when_everyone_answers_everything_the_family_is_shown(survey, org):
    rnd, versions, dimension, first, second = _round_with_two_items(survey)
    for p in people_in(org.platform, 10, rnd):
        _answer(p, versions)
    close_and_roll_up(rnd)

    cell, shown = _verdicts(org.platform, rnd, dimension, [first, second])

    assert not cell.suppressed and cell.n == 10
    assert set(shown.values()) == {"weekly"}

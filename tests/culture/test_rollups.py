"""Roll-ups match a direct computation from the answers, add up over subtrees, and run once."""

import numpy as np
import pytest

from checkins.models import Answer, Response
from checkins.services.rounds import round_open
from culture.models import DimensionRollup, ParticipationRollup, QuestionRollup
from culture.services.rollups import round_rollup_compute, rounds_rollup_pending
from tests.helpers import answer_all, close_and_roll_up, people_in


@pytest.fixture
def rnd(survey, org):
    rnd = round_open(survey=survey)
    for i, p in enumerate(people_in(org.platform, 6, rnd)):
        answer_all(p, value=1 + i % 5)
    for p in people_in(org.payments, 4, rnd):
        answer_all(p, value=5)
    people_in(org.payments, 2, rnd)  # invited, did not answer
    return rnd


def test_open_round_has_no_rollups(rnd):
    assert round_rollup_compute(round=rnd) is False
    assert not DimensionRollup.objects.exists()
    assert rnd.pk not in rounds_rollup_pending()


def test_dimension_rollup_matches_numpy_on_the_raw_answers(rnd, org):
    close_and_roll_up(rnd)
    for rollup in DimensionRollup.objects.filter(round=rnd, includes_subteams=False):
        scores = []
        for response in Response.objects.filter(round=rnd, team=rollup.team):
            values = []
            for answer in Answer.objects.filter(
                response=response, question_version__question__dimension=rollup.dimension
            ).select_related("question_version__question"):
                value = (
                    6 - answer.value
                    if answer.question_version.question.reverse_scored
                    else answer.value
                )
                values.append((value - 1) / 4 * 100)
            if values:
                scores.append(np.mean(values))
        assert rollup.n == len(scores)
        assert rollup.total == pytest.approx(np.sum(scores))
        assert rollup.total_sq == pytest.approx(np.sum(np.square(scores)))


def test_subtree_rollups_add_up(rnd, org):
    close_and_roll_up(rnd)
    eng = ParticipationRollup.objects.get(round=rnd, team=org.engineering, includes_subteams=True)
    assert (eng.invited, eng.responded) == (12, 10)
    root = ParticipationRollup.objects.get(round=rnd, team=org.root, includes_subteams=True)
    assert root.responded == 10
    for rollup in DimensionRollup.objects.filter(
        round=rnd, team=org.engineering, includes_subteams=True
    ):
        parts = DimensionRollup.objects.filter(
            round=rnd,
            team__in=[org.platform, org.payments],
            includes_subteams=False,
            dimension=rollup.dimension,
        )
        assert rollup.n == sum(p.n for p in parts)
        assert rollup.total == pytest.approx(sum(p.total for p in parts))


def test_question_rollup_counts_each_value(rnd, org):
    close_and_roll_up(rnd)
    rollup = QuestionRollup.objects.filter(
        round=rnd, team=org.payments, includes_subteams=False
    ).first()
    assert rollup.counts in ({"5": 4}, {"8": 4})


def test_rollup_runs_once(rnd):
    close_and_roll_up(rnd)
    rows = DimensionRollup.objects.count()
    assert round_rollup_compute(round=rnd) is False
    assert DimensionRollup.objects.count() == rows
    assert rnd.pk not in rounds_rollup_pending()

"""culture/statistics.py against direct computations: scoring, summaries, Welch's test, alpha."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from checkins.models import Question
from culture.statistics import (
    REAL_CHANGE_POINTS,
    Sums,
    alpha_from_sums,
    change_between,
    is_favourable,
    scored_value,
    summarise,
    to_0_100,
    welch_p_value,
)

AGREE5, AGREE7 = Question.Scale.AGREE5, Question.Scale.AGREE7


def _alpha_direct(answers: np.ndarray) -> float:
    """Cronbach's alpha from the respondents x items matrix, as the textbook writes it."""
    items = answers.shape[1]
    item_var = answers.var(axis=0, ddof=1).sum()
    total_var = answers.sum(axis=1).var(ddof=1)
    return items / (items - 1) * (1 - item_var / total_var)


def test_scoring_turns_reverse_items_around_and_maps_both_scales_to_0_100():
    assert [scored_value(value=v, scale=AGREE5, reverse=True) for v in (1, 3, 5)] == [5, 3, 1]
    assert scored_value(value=2, scale=AGREE7, reverse=True) == 6
    assert scored_value(value=2, scale=AGREE7, reverse=False) == 2
    assert [to_0_100(value=v, scale=AGREE5) for v in (1, 3, 5)] == [0.0, 50.0, 100.0]
    assert to_0_100(value=7, scale=AGREE7) == 100.0 and to_0_100(value=4, scale=AGREE7) == 50.0
    assert [is_favourable(value=v, scale=AGREE5) for v in (3, 4, 5)] == [False, True, True]
    assert [is_favourable(value=v, scale=AGREE7) for v in (5, 6)] == [False, True]


def test_summarise_matches_numpy_and_scipy_on_the_same_scores():
    scores = np.array([0.0, 25.0, 50.0, 75.0, 75.0, 100.0, 100.0])
    got = summarise(n=len(scores), total=float(scores.sum()), total_sq=float((scores**2).sum()))
    assert got is not None
    assert got.mean == pytest.approx(scores.mean())
    assert got.sd == pytest.approx(scores.std(ddof=1))
    low, high = stats.t.interval(0.95, len(scores) - 1, scores.mean(), stats.sem(scores))
    assert (got.ci_low, got.ci_high) == (pytest.approx(low), pytest.approx(high))


@pytest.mark.parametrize(
    ("n", "total", "total_sq"),
    [(0, 0.0, 0.0), (3, math.nan, 1.0), (3, 300.0, math.inf), (2, 100.0, 10.0)],
)
def test_summarise_refuses_sums_no_real_scores_could_give(n, total, total_sq):
    assert summarise(n=n, total=total, total_sq=total_sq) is None


def test_summarise_of_equal_scores_has_no_spread_despite_rounding():
    for score in (100 / 3, 200 / 3, 100 / 6):
        for n in (3, 9, 101):
            got = summarise(n=n, total=score * n, total_sq=score * score * n)
            assert got is not None, (score, n)  # shown, not refused as impossible sums
            assert got.sd == pytest.approx(0.0, abs=1e-5)
            assert got.mean == pytest.approx(score)


def test_welch_p_value_is_scipys():
    expected = stats.ttest_ind_from_stats(60, 12, 15, 68, 20, 9, equal_var=False).pvalue
    assert welch_p_value(m1=60, s1=12, n1=15, m2=68, s2=20, n2=9) == pytest.approx(expected)


def test_change_between_is_real_only_when_significant_and_large_enough():
    big = change_between(before=(50.0, 10.0, 40), after=(60.0, 10.0, 40))
    assert big is not None and big.delta == 10.0 and big.p_value < 0.05 and big.is_real
    # Significant but smaller than the five points a reader would notice.
    small = change_between(before=(50.0, 1.0, 400), after=(53.0, 1.0, 400))
    assert small is not None and small.p_value < 0.05 and not small.is_real
    assert abs(small.delta) < REAL_CHANGE_POINTS
    # Large but noisy.
    noisy = change_between(before=(50.0, 30.0, 4), after=(60.0, 30.0, 4))
    assert noisy is not None and noisy.p_value >= 0.05 and not noisy.is_real
    drop = change_between(before=(70.0, 10.0, 40), after=(58.0, 10.0, 40))
    assert drop is not None and drop.delta == -12.0 and drop.is_real


def test_change_between_needs_two_answers_a_side_and_handles_no_spread():
    assert change_between(before=(50.0, 5.0, 1), after=(60.0, 5.0, 30)) is None
    assert change_between(before=(50.0, 5.0, 30), after=(60.0, 5.0, 1)) is None
    same = change_between(before=(75.0, 0.0, 5), after=(75.0, 0.0, 5))
    moved = change_between(before=(75.0, 0.0, 5), after=(100.0, 0.0, 5))
    assert same is not None and same.p_value == 1.0 and not same.is_real
    assert moved is not None and moved.p_value == 0.0 and moved.is_real


def test_sums_add_up_like_one_group():
    a = Sums(n=2, total=150.0, total_sq=12500.0, favourable=1, answered=2, counts={4: 1, 5: 1})
    b = Sums(n=1, total=25.0, total_sq=625.0, favourable=0, answered=1, counts={2: 1}, complete=1)
    a.add(b)
    assert (a.n, a.total, a.total_sq, a.favourable, a.answered, a.complete) == (
        3,
        175.0,
        13125.0,
        1,
        3,
        1,
    )
    assert a.counts == {4: 1, 5: 1, 2: 1}


def test_alpha_from_sums_equals_the_direct_computation():
    rng = np.random.default_rng(19)
    mood = rng.normal(0, 1, size=(60, 1))
    answers = np.clip(np.round(3 + mood + rng.normal(0, 0.7, size=(60, 4))), 1, 5)
    got = alpha_from_sums(n=60, sums=answers.sum(axis=0), products=answers.T @ answers)
    assert got == pytest.approx(_alpha_direct(answers), abs=5e-4)
    assert 0.5 < got < 1.0  # correlated items: a meaningful alpha, not a degenerate one


def test_alpha_from_sums_is_undefined_without_items_people_or_variance():
    one_item = np.array([[1.0], [3.0], [5.0]])
    assert alpha_from_sums(n=3, sums=one_item.sum(axis=0), products=one_item.T @ one_item) is None
    same = np.full((5, 3), 4.0)
    assert alpha_from_sums(n=5, sums=same.sum(axis=0), products=same.T @ same) is None
    one_person = np.array([[1.0, 5.0]])
    assert alpha_from_sums(n=1, sums=one_person[0], products=one_person.T @ one_person) is None

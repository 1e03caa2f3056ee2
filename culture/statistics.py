"""Scoring and the statistics the pages show, on numpy/scipy (brief: Statistics)."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

from checkins.models import Question

SCALE_TOP = {Question.Scale.AGREE5: 5, Question.Scale.AGREE7: 7}
# A favourable answer is the top two points of an agreement scale (4-5 of 5, 6-7 of 7).
FAVOURABLE_FROM = {Question.Scale.AGREE5: 4, Question.Scale.AGREE7: 6}


def scored_value(*, value: int, scale: str, reverse: bool) -> int:
    """The answer with reverse-scored items turned around, on the item's own scale."""
    top = SCALE_TOP[Question.Scale(scale)]
    return top + 1 - value if reverse else value


def to_0_100(*, value: int, scale: str) -> float:
    top = SCALE_TOP[Question.Scale(scale)]
    return (value - 1) / (top - 1) * 100.0


def is_favourable(*, value: int, scale: str) -> bool:
    return value >= FAVOURABLE_FROM[Question.Scale(scale)]


@functools.lru_cache(maxsize=4096)
def _t_975(df: int) -> float:
    """The t distribution's 97.5 % point (pages ask for the same few df thousands of times)."""
    return float(stats.t.ppf(0.975, df))


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float


def summarise(*, n: int, total: float, total_sq: float) -> Summary | None:
    """Mean, standard deviation and 95 % t-interval from n, the sum and the sum of squares.

    None when the three cannot come from n real scores (n < 1, a non-finite sum, a sum of
    squares below what the mean forces): such a figure is never shown as a number (A1), and a
    page never fails on it (a moved team's roll-ups once divided by n = 0 here).
    """
    if n < 1 or not (math.isfinite(total) and math.isfinite(total_sq)):
        return None
    mean = total / n
    spread = total_sq - n * mean * mean
    # Rounding in the sums leaves a tiny negative spread when every score is the same.
    if spread < -1e-6 * max(1.0, abs(total_sq)):
        return None
    var = max(spread, 0.0) / (n - 1) if n > 1 else 0.0
    sd = math.sqrt(var)
    half = _t_975(n - 1) * sd / math.sqrt(n) if n > 1 else float("nan")
    return Summary(n=n, mean=mean, sd=sd, ci_low=mean - half, ci_high=mean + half)


@dataclass(frozen=True)
class Change:
    delta: float
    p_value: float
    is_real: bool


REAL_CHANGE_POINTS = 5.0
REAL_CHANGE_P = 0.05


def welch_p_value(*, m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> float:
    """Two-sided Welch's t-test p from summary figures: the same number as scipy's
    `ttest_ind_from_stats(..., equal_var=False)`, through the t distribution's ufunc (`stdtr`),
    which is ~50x cheaper per call (the HR heatmap runs it for every team and dimension)."""
    v1, v2 = s1 * s1 / n1, s2 * s2 / n2
    t = (m2 - m1) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    return float(2.0 * special.stdtr(df, -abs(t)))


def change_between(
    *, before: tuple[float, float, int], after: tuple[float, float, int]
) -> Change | None:
    """Welch's test between two periods from (mean, sd, n); real only if p < 0.05 and |Δ| >= 5."""
    (m1, s1, n1), (m2, s2, n2) = before, after
    if n1 < 2 or n2 < 2:
        return None
    delta = m2 - m1
    if s1 == 0 and s2 == 0:
        p_value = 1.0 if delta == 0 else 0.0
    else:
        p_value = welch_p_value(m1=m1, s1=s1, n1=n1, m2=m2, s2=s2, n2=n2)
    return Change(
        delta=round(delta, 1),
        p_value=p_value,
        is_real=p_value < REAL_CHANGE_P and abs(delta) >= REAL_CHANGE_POINTS,
    )


@dataclass
class Sums:
    """Additive figures of a group: n, sum and sum of squares of scores, favourable and scored
    answers, and answers per value. Groups add up, which is what roll-ups and pooling rely on."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    favourable: int = 0
    answered: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    complete: int = 0  # respondents who answered every item asked (a dimension's roll-up)

    def add(self, other: Sums) -> None:
        self.n += other.n
        self.total += other.total
        self.total_sq += other.total_sq
        self.favourable += other.favourable
        self.complete += other.complete
        self.answered += other.answered
        for value, count in other.counts.items():
            self.counts[value] = self.counts.get(value, 0) + count


@dataclass
class PairSums:
    """The additive figures of one driver and one outcome: n and the sums of products."""

    n: int = 0
    sum_x: float = 0.0
    sum_y: float = 0.0
    sum_xx: float = 0.0
    sum_yy: float = 0.0
    sum_xy: float = 0.0

    def add_pair(self, x: float, y: float) -> None:
        self.n += 1
        self.sum_x += x
        self.sum_y += y
        self.sum_xx += x * x
        self.sum_yy += y * y
        self.sum_xy += x * y

    def add(self, other: PairSums) -> None:
        self.n += other.n
        self.sum_x += other.sum_x
        self.sum_y += other.sum_y
        self.sum_xx += other.sum_xx
        self.sum_yy += other.sum_yy
        self.sum_xy += other.sum_xy


def alpha_from_sums(
    *, n: int, sums: Sequence[float], products: Sequence[Sequence[float]]
) -> float | None:
    """Cronbach's alpha from n, item sums and sums of products; None when undefined."""
    items = len(sums)
    if items < 2 or n < 2:
        return None
    s = np.asarray(sums, dtype=float)
    cov = (np.asarray(products, dtype=float) - np.outer(s, s) / n) / (n - 1)
    total = float(cov.sum())
    if total <= 0:
        return None  # everyone gave the same answers: no variance to explain
    return round(items / (items - 1) * (1.0 - float(np.trace(cov)) / total), 3)


@dataclass(frozen=True)
class Correlation:
    """Pearson's r with its 95 % interval (Fisher's z), from n pairs."""

    n: int
    r: float
    ci_low: float
    ci_high: float

    def overlaps(self, other: Correlation) -> bool:
        return self.ci_low <= other.ci_high and other.ci_low <= self.ci_high


def correlation_from_sums(
    *, n: int, sum_x: float, sum_y: float, sum_xx: float, sum_yy: float, sum_xy: float
) -> Correlation | None:
    """Pearson's r and its 95 % Fisher-z interval from the sums of products of n pairs.

    None when undefined: fewer than 4 pairs (the interval needs n - 3 > 0) or no spread in
    either variable. The products are centred in one step: n*Sxy - Sx*Sy (and alike), which is
    exact enough for scores of 0-100 over millions of pairs in float64.
    """
    if n < 4:
        return None
    sxx = n * sum_xx - sum_x * sum_x
    syy = n * sum_yy - sum_y * sum_y
    sxy = n * sum_xy - sum_x * sum_y
    scale_x = max(abs(n * sum_xx), 1.0)
    scale_y = max(abs(n * sum_yy), 1.0)
    if sxx <= 1e-12 * scale_x or syy <= 1e-12 * scale_y:
        return None
    r = float(np.clip(sxy / math.sqrt(sxx * syy), -1.0, 1.0))
    if not math.isfinite(r):
        return None
    z = float(np.arctanh(np.clip(r, -0.999999, 0.999999)))
    half = float(stats.norm.ppf(0.975)) / math.sqrt(n - 3)
    return Correlation(n=n, r=r, ci_low=float(np.tanh(z - half)), ci_high=float(np.tanh(z + half)))

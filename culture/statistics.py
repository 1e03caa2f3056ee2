"""Scoring and the statistics the pages show, on numpy/scipy (brief: Statistics)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

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


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float


def summarise(*, n: int, total: float, total_sq: float) -> Summary:
    """Mean, standard deviation and 95 % t-interval from n, the sum and the sum of squares."""
    mean = total / n
    var = max(total_sq - n * mean * mean, 0.0) / (n - 1) if n > 1 else 0.0
    sd = math.sqrt(var)
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n) if n > 1 else float("nan")
    return Summary(n=n, mean=mean, sd=sd, ci_low=mean - half, ci_high=mean + half)

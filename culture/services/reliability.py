"""Cronbach's alpha per dimension: the sums it needs, kept at roll-up time for the whole organisation.

Alpha needs each respondent's answers to all of a dimension's items together (their covariance),
which the roll-ups (per team, per item) do not keep. So when a round is rolled up,
`round_reliability_compute` reads the round's answers once more and stores, per dimension and for
the whole organisation only, n (respondents who answered every item of the dimension that round),
each item's sum and the matrix of sums of products, on the 0-100 scored scale (reverse-scored items
turned around). `culture.statistics.alpha_from_sums` turns them into alpha; pages never read raw
answers.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from django.db import transaction

from checkins.models import Answer, Question, Round, RoundQuestion
from culture.models import DimensionReliability, RoundRollupState
from culture.statistics import scored_value, to_0_100

SCORED = (Question.Scale.AGREE5, Question.Scale.AGREE7)


def round_reliability_compute(*, round: Round) -> int:
    """Store the alpha sums of every dimension asked in a closed round. Returns rows written."""
    if round.status != Round.Status.CLOSED:
        return 0  # figures appear only after the round closes (A5)
    items: dict[int, list[int]] = defaultdict(list)  # dimension -> question version ids
    questions: dict[int, Question] = {}
    for rq in (
        RoundQuestion.objects.filter(round=round)
        .select_related("question_version__question")
        .order_by("position", "pk")
    ):
        question = rq.question_version.question
        if question.scale in SCORED and question.dimension_id is not None:
            items[question.dimension_id].append(rq.question_version_id)
            questions[rq.question_version_id] = question
    if not items:
        return 0
    answers: dict[object, dict[int, float]] = defaultdict(dict)
    for response_id, version_id, value in (
        Answer.objects.filter(
            response__round=round, value__isnull=False, question_version_id__in=list(questions)
        )
        .values_list("response_id", "question_version_id", "value")
        .iterator(chunk_size=5000)
    ):
        if value is None:
            continue
        question = questions[version_id]
        scored = scored_value(
            value=int(value), scale=question.scale, reverse=question.reverse_scored
        )
        answers[response_id][version_id] = to_0_100(value=scored, scale=question.scale)
    rows = []
    for dimension_id, versions in items.items():
        complete = [
            [found[v] for v in versions]
            for found in answers.values()
            if all(v in found for v in versions)
        ]
        matrix = np.array(complete, dtype=float).reshape(len(complete), len(versions))
        rows.append(
            DimensionReliability(
                round=round,
                dimension_id=dimension_id,
                n=len(complete),
                items=versions,
                sums=matrix.sum(axis=0).tolist(),
                products=(matrix.T @ matrix).tolist(),
            )
        )
    with transaction.atomic():
        DimensionReliability.objects.filter(round=round).delete()
        DimensionReliability.objects.bulk_create(rows)
    return len(rows)


def rounds_reliability_pending() -> list[int]:
    """Rolled-up rounds without reliability sums (e.g. rolled up before this existed)."""
    done = DimensionReliability.objects.values("round_id")
    rolled = RoundRollupState.objects.values("round_id")
    return list(
        Round.objects.filter(
            status=Round.Status.CLOSED,
            pk__in=rolled,
            question_versions__question__scale__in=SCORED,
            question_versions__question__dimension__isnull=False,
        )
        .exclude(pk__in=done)
        .distinct()
        .values_list("pk", flat=True)
    )


def rounds_reliability_compute(*, rounds: list[Round]) -> int:
    """`round_reliability_compute` for many rounds (the demo seed's history). Returns rows."""
    return sum(round_reliability_compute(round=rnd) for rnd in rounds)

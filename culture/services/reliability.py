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
from django.db import connection, transaction

from checkins.models import Answer, Question, QuestionVersion, Round, RoundQuestion
from culture.models import DimensionReliability, RoundRollupState
from culture.statistics import scored_value, to_0_100
from dialect import is_postgresql

SCORED = (Question.Scale.AGREE5, Question.Scale.AGREE7)


def round_reliability_compute(*, round: Round) -> int:
    """Store the alpha sums of every dimension asked in a closed round. Returns rows written."""
    return rounds_reliability_compute(rounds=[round])


def _items(round_ids: list[int]) -> dict[int, dict[int, list[int]]]:
    """Per round, per dimension: the scored item versions asked, in matrix order."""
    items: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for round_id, version_id, dimension_id in (
        RoundQuestion.objects.filter(
            round_id__in=round_ids,
            question_version__question__scale__in=SCORED,
            question_version__question__dimension__isnull=False,
        )
        .order_by("round_id", "position", "pk")
        .values_list("round_id", "question_version_id", "question_version__question__dimension_id")
    ):
        items[round_id][dimension_id].append(version_id)
    return items


def _sums_python(round_id: int, items: dict[int, list[int]]) -> dict[int, tuple[int, list, list]]:
    """n, item sums and the matrix of sums of products per dimension, from the answers in Python."""
    questions = {
        v.pk: v.question
        for v in QuestionVersion.objects.filter(
            pk__in=[v for versions in items.values() for v in versions]
        ).select_related("question")
    }
    answers: dict[object, dict[int, float]] = defaultdict(dict)
    for response_id, version_id, value in (
        Answer.objects.filter(
            response__round_id=round_id,
            value__isnull=False,
            question_version_id__in=list(questions),
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
    out = {}
    for dimension_id, versions in items.items():
        complete = [
            [found[v] for v in versions]
            for found in answers.values()
            if all(v in found for v in versions)
        ]
        matrix = np.array(complete, dtype=float).reshape(len(complete), len(versions))
        out[dimension_id] = (
            len(complete),
            matrix.sum(axis=0).tolist(),
            (matrix.T @ matrix).tolist(),
        )
    return out


# The same sums in one pass over the answers of many rounds (PostgreSQL): each answer scored as
# culture.statistics does (reverse-scored items turned around, then (v - 1) / (top - 1) * 100),
# the respondents who answered every item of a dimension kept, their products summed per pair.
_SUMS_SQL = """
WITH items AS (
    SELECT rq.round_id, rq.question_version_id AS version_id, q.dimension_id, q.reverse_scored,
           CASE q.scale WHEN 'agree5' THEN 5 WHEN 'agree7' THEN 7 END AS top,
           (row_number() OVER (PARTITION BY rq.round_id, q.dimension_id
                               ORDER BY rq.position, rq.id) - 1)::int AS item,
           count(*) OVER (PARTITION BY rq.round_id, q.dimension_id) AS items
    FROM checkins_roundquestion rq
    JOIN checkins_questionversion qv ON qv.id = rq.question_version_id
    JOIN checkins_question q ON q.id = qv.question_id
    WHERE rq.round_id = ANY(%(rounds)s) AND q.scale IN ('agree5', 'agree7')
      AND q.dimension_id IS NOT NULL
),
scored AS (
    SELECT i.round_id, i.dimension_id, a.response_id, i.item, i.items,
           ((CASE WHEN i.reverse_scored THEN i.top + 1 - a.value ELSE a.value END) - 1)::float8
           / (i.top - 1) * 100.0::float8 AS score
    FROM checkins_answer a
    JOIN checkins_response r ON r.id = a.response_id
    JOIN items i ON i.round_id = r.round_id AND i.version_id = a.question_version_id
    WHERE r.round_id = ANY(%(rounds)s) AND a.value IS NOT NULL
),
complete AS (
    SELECT round_id, dimension_id, response_id, array_agg(score ORDER BY item) AS scores
    FROM scored GROUP BY round_id, dimension_id, response_id, items HAVING count(*) = items
)
SELECT c.round_id, c.dimension_id, x.i, y.j, count(*), sum(x.s), sum(x.s * y.s)
FROM complete c
CROSS JOIN LATERAL unnest(c.scores) WITH ORDINALITY AS x(s, i)
CROSS JOIN LATERAL unnest(c.scores) WITH ORDINALITY AS y(s, j)
GROUP BY c.round_id, c.dimension_id, x.i, y.j
"""


def _sums_sql(
    items: dict[int, dict[int, list[int]]],
) -> dict[int, dict[int, tuple[int, list, list]]]:
    """What `_sums_python` gives, for every round in `items` at once."""
    out = {
        round_id: {
            dimension_id: (0, [0.0] * len(versions), [[0.0] * len(versions) for _ in versions])
            for dimension_id, versions in by_dimension.items()
        }
        for round_id, by_dimension in items.items()
    }
    with connection.cursor() as cursor:
        cursor.execute(_SUMS_SQL, {"rounds": list(items)})
        for round_id, dimension_id, i, j, n, total, products in cursor.fetchall():
            _n, sums, matrix = out[round_id][dimension_id]
            if i == j:
                sums[i - 1] = total
            matrix[i - 1][j - 1] = products
            out[round_id][dimension_id] = (n, sums, matrix)
    return out


def rounds_reliability_compute(*, rounds: list[Round]) -> int:
    """Store the alpha sums of every dimension asked in these closed rounds. Returns rows written.

    On PostgreSQL one set-based pass over all their answers (the demo seed's two years at once);
    elsewhere per round in Python. The tests compare both.
    """
    closed = [r.pk for r in rounds if r.status == Round.Status.CLOSED]
    if not closed:
        return 0  # figures appear only after the round closes (A5)
    items = _items(closed)
    if not items:
        return 0
    if is_postgresql():
        sums = _sums_sql(items)
    else:
        sums = {round_id: _sums_python(round_id, items[round_id]) for round_id in items}
    rows = [
        DimensionReliability(
            round_id=round_id, dimension_id=dimension_id, n=n, items=versions, sums=total,
            products=products,
        )
        for round_id, by_dimension in items.items()
        for dimension_id, versions in by_dimension.items()
        for n, total, products in [sums[round_id][dimension_id]]
    ]  # fmt: skip
    with transaction.atomic():
        DimensionReliability.objects.filter(round_id__in=list(items)).delete()
        DimensionReliability.objects.bulk_create(rows, batch_size=2000)
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

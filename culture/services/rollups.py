"""Roll-ups: computed once when a round closes, read by every page afterwards."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count

from checkins.models import (
    Answer,
    Dimension,
    Participation,
    Question,
    Response,
    Round,
    RoundQuestion,
    RoundTeam,
)
from checkins.services.tree import round_tree_freeze, rounds_tree_freeze
from culture.models import (
    DimensionRollup,
    DriverRollup,
    ParticipationRollup,
    QuestionRollup,
    RoundRollupState,
)
from culture.services.rollups_sql import rollups_insert_sql as _rollups_insert_sql
from culture.statistics import PairSums, Sums, is_favourable, scored_value, to_0_100
from dialect import is_postgresql, work_mem_raise
from org.models import path_ids

AGREEMENT = (Question.Scale.AGREE5, Question.Scale.AGREE7)


def round_rollup_compute(*, round: Round) -> bool:
    """Compute the round's roll-ups for every team and subtree. False if already computed.

    On PostgreSQL the figures are computed in the database (`_rollups_insert_sql`, a few
    set-based statements); elsewhere (SQLite for `make run`) in Python. Both give the same rows:
    `tests/culture/test_rollups_sql.py` compares them on the same data.
    """
    if round.status != Round.Status.CLOSED:
        return False  # figures appear only after the round closes (A5)
    if RoundRollupState.objects.filter(round=round).exists():
        return False
    round_tree_freeze(round=round)  # closed by a path that did not freeze it (e.g. the seed)
    in_sql = is_postgresql()
    rows = None if in_sql else rollup_rows_python(round=round)
    try:
        with transaction.atomic():
            RoundRollupState.objects.create(
                round=round, respondents=Response.objects.filter(round=round).count()
            )
            if rows is None:
                _rollups_insert_sql(round_ids=[round.pk])
            else:
                _rollups_bulk_create(rows)
    except IntegrityError:
        return False  # a concurrent run computed it first
    return True


def rounds_rollup_bulk(*, rounds: list[Round]) -> int:
    """Roll up many closed rounds at once (the demo seed's history). Returns how many.

    On PostgreSQL one pass over all their answers; elsewhere `round_rollup_compute` per round.
    The caller makes sure none is rolled up yet (a fresh seed).
    """
    closed = [r for r in rounds if r.status == Round.Status.CLOSED]
    rounds_tree_freeze(rounds=closed)
    if not is_postgresql():
        return sum(round_rollup_compute(round=r) for r in closed)
    with transaction.atomic():
        counts = dict(
            Response.objects.filter(round__in=closed)
            .values_list("round_id")
            .annotate(n=Count("id"))
            .values_list("round_id", "n")
        )
        RoundRollupState.objects.bulk_create(
            RoundRollupState(round=r, respondents=counts.get(r.pk, 0)) for r in closed
        )
        # Two years of answers: let the grouping stay in memory rather than spill to disk.
        work_mem_raise("256MB")
        _rollups_insert_sql(round_ids=[r.pk for r in closed])
    return len(closed)


@dataclass
class RollupRows:
    dimensions: list[DimensionRollup]
    questions: list[QuestionRollup]
    participation: list[ParticipationRollup]
    drivers: list[DriverRollup]


def _rollups_bulk_create(rows: RollupRows) -> None:
    DimensionRollup.objects.bulk_create(rows.dimensions, batch_size=2000)
    DriverRollup.objects.bulk_create(rows.drivers, batch_size=2000)
    QuestionRollup.objects.bulk_create(rows.questions, batch_size=2000)
    ParticipationRollup.objects.bulk_create(rows.participation, batch_size=2000)


def rollup_rows_python(*, round: Round) -> RollupRows:
    """The roll-up rows of one round computed in Python from the answers (not saved)."""
    questions = {
        rq.question_version_id: rq.question_version.question
        for rq in RoundQuestion.objects.filter(round=round).select_related(
            "question_version__question"
        )
    }
    found = _answers_add(round=round, questions=questions)
    scores_of = _respondent_scores_add(found, questions=questions)
    drivers = _driver_sums(scores_of=scores_of, enps=found.enps, response_team=found.response_team)
    # The round's frozen tree (A3), never today's.
    paths = dict(RoundTeam.objects.filter(round=round).values_list("team_id", "path"))
    return _rows_build(
        round=round,
        subtrees=functools.partial(_with_subtrees, paths),
        dims=found.dims,
        items=found.items,
        invited=_participation_count(round=round),
        drivers=drivers,
    )


@dataclass
class _Answers:
    """One round's answers summed per team (own members only)."""

    dims: dict[tuple[int, int], Sums] = field(default_factory=lambda: defaultdict(Sums))
    items: dict[tuple[int, int], Sums] = field(default_factory=lambda: defaultdict(Sums))
    # Each respondent's 0-100 item scores per dimension, and their eNPS answers (the outcome).
    per_response: dict[tuple[Any, int], list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    enps: dict[Any, list[int]] = field(default_factory=lambda: defaultdict(list))
    response_team: dict[Any, int] = field(default_factory=dict)


def _answers_add(*, round: Round, questions: dict[int, Question]) -> _Answers:
    """Sum every answer of the round into its team's item and dimension accumulators."""
    found = _Answers()
    answers = Answer.objects.filter(response__round=round, value__isnull=False).values_list(
        "response_id", "response__team_id", "question_version_id", "value"
    )
    for response_id, team_id, version_id, raw in answers.iterator(chunk_size=5000):
        question = questions.get(version_id)
        if question is None or raw is None:
            continue
        value = int(raw)
        item = found.items[(team_id, version_id)]
        item.n += 1
        item.total += value
        item.total_sq += value * value
        item.counts[value] = item.counts.get(value, 0) + 1
        if question.scale in AGREEMENT:
            scored = scored_value(
                value=value, scale=question.scale, reverse=question.reverse_scored
            )
            favourable = is_favourable(value=scored, scale=question.scale)
            item.favourable += favourable
            if question.dimension_id is not None:
                key = (team_id, question.dimension_id)
                found.per_response[(response_id, question.dimension_id)].append(
                    to_0_100(value=scored, scale=question.scale)
                )
                found.response_team[response_id] = team_id
                found.dims[key].favourable += favourable
                found.dims[key].answered += 1
        elif question.scale == Question.Scale.ZERO_TEN:
            item.favourable += value >= 9  # promoters
            found.enps[response_id].append(value)
            found.response_team[response_id] = team_id
    return found


def _respondent_scores_add(
    found: _Answers, *, questions: dict[int, Question]
) -> dict[Any, dict[int, float]]:
    """Each respondent's dimension scores (the mean of their answered items in it), added to
    their team's dimension accumulators; returned per response for the driver sums."""
    asked: dict[int, int] = defaultdict(int)  # scored items per dimension in the round
    for question in questions.values():
        if question.dimension_id is not None and question.scale in AGREEMENT:
            asked[question.dimension_id] += 1
    scores_of: dict[Any, dict[int, float]] = defaultdict(dict)
    for (response_id, dimension_id), scores in found.per_response.items():
        score = sum(scores) / len(scores)
        scores_of[response_id][dimension_id] = score
        acc = found.dims[(found.response_team[response_id], dimension_id)]
        acc.n += 1
        acc.total += score
        acc.total_sq += score * score
        acc.complete += len(scores) == asked[dimension_id]
    return scores_of


def _participation_count(*, round: Round) -> dict[tuple[int], Sums]:
    """Invitations and responses per team. Participation reuses the accumulator: n counts
    invitations, `answered` responses."""
    invited: dict[tuple[int], Sums] = defaultdict(Sums)
    for team_id in Participation.objects.filter(round=round).values_list("team_id", flat=True):
        invited[(team_id,)].n += 1
    for team_id in Response.objects.filter(round=round).values_list("team_id", flat=True):
        invited[(team_id,)].answered += 1
    return invited


def _with_subtrees(
    paths: dict[int, str], direct: dict[Any, Any], factory: type = Sums
) -> dict[Any, Any]:
    """Add each team's figures to every ancestor's subtree figures (sums are additive)."""
    out: dict[Any, Any] = defaultdict(factory)
    for key, acc in direct.items():
        team_id, rest = key[0], key[1:]
        for ancestor in path_ids(paths.get(team_id, f"/{team_id}/")):
            out[(ancestor, *rest)].add(acc)
    return out


def _rows_build(
    *,
    round: Round,
    subtrees: Callable[..., dict[Any, Any]],
    dims: dict[tuple[int, int], Sums],
    items: dict[tuple[int, int], Sums],
    invited: dict[tuple[int], Sums],
    drivers: dict[Any, PairSums],
) -> RollupRows:
    """The rows to store: each team's own figures and its subtree's."""
    rows_d, rows_q, rows_p, rows_x = [], [], [], []
    for subtree, source in ((False, dims), (True, subtrees(dims))):
        rows_d += [
            DimensionRollup(
                round=round, team_id=team_id, includes_subteams=subtree,
                dimension_id=dimension_id, n=acc.n, total=acc.total,
                total_sq=acc.total_sq, favourable=acc.favourable, answered=acc.answered,
                complete=acc.complete,
            )
            for (team_id, dimension_id), acc in source.items()
        ]  # fmt: skip
    for subtree, source in ((False, items), (True, subtrees(items))):
        rows_q += [
            QuestionRollup(
                round=round, team_id=team_id, includes_subteams=subtree,
                question_version_id=version_id, n=acc.n, total=acc.total,
                total_sq=acc.total_sq, favourable=acc.favourable,
                counts={str(k): v for k, v in sorted(acc.counts.items())},
            )
            for (team_id, version_id), acc in source.items()
        ]  # fmt: skip
    for subtree, counts in ((False, invited), (True, subtrees(invited))):
        rows_p += [
            ParticipationRollup(
                round=round, team_id=team_id, includes_subteams=subtree,
                invited=acc.n, responded=acc.answered,
            )
            for (team_id,), acc in counts.items()
        ]  # fmt: skip
    for subtree, pairs in ((False, drivers), (True, subtrees(drivers, PairSums))):
        rows_x += [
            DriverRollup(
                round=round, team_id=team_id, includes_subteams=subtree,
                dimension_id=dimension_id, outcome_id=outcome_id or None, n=acc.n,
                sum_x=acc.sum_x, sum_y=acc.sum_y, sum_xx=acc.sum_xx, sum_yy=acc.sum_yy,
                sum_xy=acc.sum_xy,
            )
            for (team_id, dimension_id, outcome_id), acc in pairs.items()
        ]  # fmt: skip
    return RollupRows(dimensions=rows_d, questions=rows_q, participation=rows_p, drivers=rows_x)


def _driver_sums(
    *,
    scores_of: dict[Any, dict[int, float]],
    enps: dict[Any, list[int]],
    response_team: dict[Any, int],
) -> dict[Any, PairSums]:
    """Per (team, driver dimension, outcome; 0 = eNPS): the sums of products over the
    respondents with both a driver score and an outcome score (the mean of their eNPS answers,
    or their score on a dimension marked as the outcome). A dimension is never its own driver."""
    outcomes = set(Dimension.objects.filter(is_outcome=True).values_list("pk", flat=True))
    out: dict[Any, PairSums] = defaultdict(PairSums)
    for response_id in scores_of.keys() | enps.keys():
        mine = scores_of.get(response_id, {})
        ys = {o: mine[o] for o in outcomes if o in mine}
        if enps.get(response_id):
            values = enps[response_id]
            ys[0] = sum(values) / len(values)
        team_id = response_team[response_id]
        for outcome_id, y in ys.items():
            for dimension_id, x in mine.items():
                if dimension_id != outcome_id:
                    out[(team_id, dimension_id, outcome_id)].add_pair(x, y)
    return out


def rounds_rollup_pending() -> list[int]:
    done = RoundRollupState.objects.values("round_id")
    return list(
        Round.objects.filter(status=Round.Status.CLOSED)
        .exclude(pk__in=done)
        .order_by("closes_at")
        .values_list("pk", flat=True)
    )

"""Trend summaries per team and closed round: which dimensions really changed, participation, the
strongest and weakest dimension.

Figures come from `culture.selectors.team_scores_get`, so a cell it hides (fewer than k
respondents) never reaches a summary. "Real change" follows the brief: Welch's test from n, sum
and sum of squares gives p < 0.05 and the difference is at least 5 points.
"""

from __future__ import annotations

import builtins  # `round` is a parameter name here, as in every service on rounds
import math

from django.conf import settings
from django.db import IntegrityError, transaction

from checkins.models import Round
from culture.models import (
    DimensionRollup,
    ParticipationRollup,
    RoundRollupState,
    RoundSummaryState,
    TeamRoundSummary,
)
from culture.selectors import NOT_ASKED, Cell, team_scores_get
from culture.statistics import REAL_CHANGE_P, REAL_CHANGE_POINTS, change_between, summarise
from org.models import Team

# Enough history to find the round before, even when a dimension skipped a round.
HISTORY_ROUNDS = 8


def welch_p(*, a: DimensionRollup, b: DimensionRollup) -> float | None:
    """Welch's two-sided test between two roll-ups, from their sums (no raw answers)."""
    if a.n < 2 or b.n < 2:
        return None
    sa = summarise(n=a.n, total=a.total, total_sq=a.total_sq)
    sb = summarise(n=b.n, total=b.total, total_sq=b.total_sq)
    change = change_between(before=(sb.mean, sb.sd, b.n), after=(sa.mean, sa.sd, a.n))
    return None if change is None or math.isnan(change.p_value) else change.p_value


def _visible(cell: Cell | None) -> bool:
    return cell is not None and not cell.suppressed and cell.score is not None


def team_summary_compute(*, team: Team, round: Round) -> TeamRoundSummary | None:
    """Write (or rewrite) the summary of one team's subtree for one closed round."""
    scores = team_scores_get(team=team, rounds=HISTORY_ROUNDS + 40)
    rows = scores.rows
    index = next((i for i, row in enumerate(rows) if row.round.pk == round.pk), None)
    if index is None:
        return None  # not closed and rolled up, or nobody in this subtree was asked
    row, earlier = rows[index], rows[index + 1 : index + 1 + HISTORY_ROUNDS]
    wanted_rounds = [round.pk] + [r.round.pk for r in earlier]
    rollups = {
        (r.round_id, r.dimension_id): r
        for r in DimensionRollup.objects.filter(
            team=team, includes_subteams=True, round_id__in=wanted_rounds
        )
    }
    dimensions = []
    for dimension in scores.dimensions:
        cell = row.cells.get(dimension.pk)
        if not _visible(cell):
            continue
        assert cell is not None and cell.score is not None  # for the type checker
        entry: dict = {
            "dimension": dimension.pk,
            "name": dimension.name,
            "score": cell.score,
            "previous": None,
            "delta": None,
            "p_value": None,
            "real": False,
        }
        # The most recent earlier round that asked this dimension; hidden there means no trend.
        before = next(
            (r for r in earlier if r.cells.get(dimension.pk, NOT_ASKED) is not NOT_ASKED), None
        )
        before_cell = before.cells.get(dimension.pk) if before else None
        if before is not None and _visible(before_cell):
            assert before_cell is not None and before_cell.score is not None
            delta = builtins.round(cell.score - before_cell.score, 1)
            p = welch_p(
                a=rollups[(round.pk, dimension.pk)], b=rollups[(before.round.pk, dimension.pk)]
            )
            entry.update(
                previous=before_cell.score,
                delta=delta,
                p_value=None if p is None else builtins.round(p, 4),
                real=p is not None and p < REAL_CHANGE_P and abs(delta) >= REAL_CHANGE_POINTS,
            )
        dimensions.append(entry)
    ranked = sorted(dimensions, key=lambda d: d["score"])
    two_or_more = len(ranked) >= 2
    participation = row.participation
    rate = participation.rate
    summary, _created = TeamRoundSummary.objects.update_or_create(
        round=round,
        team=team,
        defaults={
            "invited": None if participation.suppressed else participation.invited,
            "responded": None if participation.suppressed else participation.responded,
            "low_participation": rate is not None
            and rate < settings.RELHEALTH_LOW_PARTICIPATION_PCT,
            "dimensions": dimensions,
            "real_drop": any(d["real"] and d["delta"] < 0 for d in dimensions),
            "strongest_id": ranked[-1]["dimension"] if two_or_more else None,
            "weakest_id": ranked[0]["dimension"] if two_or_more else None,
        },
    )
    return summary


def round_summaries_compute(*, round: Round) -> bool:
    """Summaries for every team asked in a closed, rolled-up round. False if already done."""
    if round.status != Round.Status.CLOSED:
        return False  # figures appear only after the round closes (A5)
    if not RoundRollupState.objects.filter(round=round).exists():
        return False  # the roll-ups come first
    if RoundSummaryState.objects.filter(round=round).exists():
        return False
    team_ids = ParticipationRollup.objects.filter(round=round, includes_subteams=True).values_list(
        "team_id", flat=True
    )
    try:
        with transaction.atomic():
            RoundSummaryState.objects.create(round=round)
            for team in Team.objects.filter(pk__in=team_ids):
                team_summary_compute(team=team, round=round)
    except IntegrityError:
        return False  # a concurrent run wrote them first
    return True


def rounds_summary_pending() -> list[int]:
    done = RoundSummaryState.objects.values("round_id")
    rolled = RoundRollupState.objects.values("round_id")
    return list(
        Round.objects.filter(status=Round.Status.CLOSED, pk__in=rolled)
        .exclude(pk__in=done)
        .order_by("closes_at")
        .values_list("pk", flat=True)
    )

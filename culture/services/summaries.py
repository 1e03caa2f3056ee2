"""Trend summaries per team and closed round: which dimensions really changed, participation, the
strongest and weakest dimension.

Figures come from the score book's cells (`culture.scorebook`, the engine's stored verdicts), so
a cell it hides (fewer than k respondents, or protecting a smaller group) never reaches a
summary; one score book serves every team of a round. "Real change" follows the brief (Welch's
test gives p < 0.05 and the difference is at least 5 points), computed by
`culture.visibility.comparison_get` from the two shown figures only (A3b): never from the sums
of a week hidden inside a pooled window. Where the previous figure is not shown, the line says
"not enough to compare".
"""

from __future__ import annotations

import builtins  # `round` is a parameter name here, as in every service on rounds
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from checkins.models import Round
from culture.models import (
    ParticipationRollup,
    RoundRollupState,
    RoundSummaryState,
    TeamRoundSummary,
)
from culture.scorebook import ScoreBook, round_teams_asked, scorebook_build
from culture.selectors import score_rows
from culture.visibility import ChangeVerdict, comparison_get, reason_told

# Enough history to find the round before, even when a dimension skipped a round.
HISTORY_ROUNDS = 8


def _history_get(*, round: Round, team_ids: list[int]) -> dict[int, list[int]]:
    """For each team, the round and up to HISTORY_ROUNDS closed, rolled-up rounds before it in
    which the team's subtree was asked (newest first), in one query (a window function ranks
    each team's earlier rounds)."""
    before = Q(round__period_start__lt=round.period_start) | Q(
        round__period_start=round.period_start, round_id__lt=round.pk
    )
    earlier = (
        ParticipationRollup.objects.filter(
            before,
            team_id__in=team_ids,
            includes_subteams=True,
            round__status=Round.Status.CLOSED,
            round_id__in=RoundRollupState.objects.values("round_id"),
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("team_id")],
                order_by=[F("round__period_start").desc(), F("round_id").desc()],
            )
        )
        .filter(rank__lte=HISTORY_ROUNDS)
        .order_by("team_id", "rank")
        .values_list("team_id", "round_id")
    )
    history: dict[int, list[int]] = {team_id: [round.pk] for team_id in team_ids}
    for team_id, round_id in earlier:
        history[team_id].append(round_id)
    return history


def team_summary_build(
    *, book: ScoreBook, team_id: int, round: Round, history: list[Round]
) -> TeamRoundSummary:
    """The summary of one team's subtree for `round` (history[0]), compared with the earlier
    rounds in `history` (newest first), from a score book that holds them all. Not saved."""
    rows = score_rows(book=book, team_id=team_id, rounds=history)
    row, earlier = rows[0], rows[1:]
    dimensions: list[dict[str, Any]] = []
    for dimension in book.dimensions:
        cell = row.cells[dimension.pk]
        if not cell.shown:
            continue
        assert cell.score is not None  # for the type checker
        # A3b: against the previous shown figure of the same kind, from shown figures only.
        comparison = comparison_get(current=cell, earlier=(r.cells[dimension.pk] for r in earlier))
        change = comparison.change
        dimensions.append(
            {
                "dimension": dimension.pk,
                "name": dimension.name,
                "score": cell.score,
                "previous": comparison.previous.score if change and comparison.previous else None,
                "delta": change.delta if change else None,
                "p_value": builtins.round(change.p_value, 4) if change else None,
                "real": comparison.verdict == ChangeVerdict.REAL,
                "change": comparison.verdict.value,
            }
        )
    hidden = (c.reason for c in row.cells.values() if c.suppressed)
    hidden_reason = "" if dimensions else (reason_told(hidden) or "")
    ranked = sorted(dimensions, key=lambda d: d["score"])
    two_or_more = len(ranked) >= 2
    participation = row.participation
    rate = participation.rate
    return TeamRoundSummary(
        round=round,
        team_id=team_id,
        invited=None if participation.suppressed else participation.invited,
        responded=None if participation.suppressed else participation.responded,
        low_participation=rate is not None and rate < settings.RELHEALTH_LOW_PARTICIPATION_PCT,
        dimensions=dimensions,
        real_drop=any(d["real"] and d["delta"] < 0 for d in dimensions),
        hidden_reason=hidden_reason,
        strongest_id=ranked[-1]["dimension"] if two_or_more else None,
        weakest_id=ranked[0]["dimension"] if two_or_more else None,
    )


def team_ids_asked(*, round: Round) -> list[int]:
    """The teams whose frozen subtree was asked in the round: those with roll-ups, and those
    whose invitees were counted in a larger group (A6; they get a summary without figures)."""
    return sorted(round_teams_asked().filter(round=round).values_list("team_id", flat=True))


def round_summaries_build(*, round: Round) -> list[TeamRoundSummary]:
    """The summaries of every team asked in a closed, rolled-up round, from one score book that
    holds the round and each team's earlier rounds (a fixed number of queries, however many
    teams). Not saved."""
    team_ids = team_ids_asked(round=round)
    if not team_ids:
        return []
    history = _history_get(round=round, team_ids=team_ids)
    wanted = sorted({round_id for ids in history.values() for round_id in ids})
    book = scorebook_build(teams=team_ids, latest_ids=wanted)
    loaded = {r.pk: r for r in book.latest}
    current = loaded.get(round.pk)
    if current is None:
        return []  # not closed and rolled up
    return [
        team_summary_build(
            book=book,
            team_id=team_id,
            round=current,
            history=[loaded[pk] for pk in history[team_id] if pk in loaded],
        )
        for team_id in team_ids
    ]


def round_summaries_compute(*, round: Round) -> bool:
    """Summaries for every team asked in a closed, rolled-up round. False if already done."""
    if round.status != Round.Status.CLOSED:
        return False  # figures appear only after the round closes (A5)
    if not RoundRollupState.objects.filter(round=round).exists():
        return False  # the roll-ups come first
    if RoundSummaryState.objects.filter(round=round).exists():
        return False
    try:
        with transaction.atomic():
            RoundSummaryState.objects.create(round=round)
            TeamRoundSummary.objects.bulk_create(
                round_summaries_build(round=round),
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["round", "team"],
                update_fields=[
                    "invited", "responded", "low_participation", "dimensions", "real_drop",
                    "hidden_reason", "strongest", "weakest", "computed_at",
                ],
            )  # fmt: skip
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

"""HR's view of the whole organisation: every team x dimension, teams needing attention first.

Read side only; every cell comes from the same score book and anonymity engine as the team page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from checkins.models import Dimension, Round
from culture.anonymity import ORG
from culture.drivers import DriverSet, driver_sets_get
from culture.models import DimensionReliability
from culture.scorebook import ScoreBook, scorebook_build
from culture.selectors import DimensionCard, card_from, scores_from_cards
from culture.selectors_themes import THEME_ROUNDS, ShownTheme, themes_shown_get
from culture.statistics import alpha_from_sums
from culture.visibility import NOT_ASKED, Cell, hidden, participation_from
from org.models import Team

ALPHA_FLAG = 0.7  # below this a dimension's items do not measure one thing reliably
HEATMAP_ROUNDS = 12  # the latest closed rounds the heatmap covers


@dataclass
class HeatRow:
    team: Team
    cells: dict[int, Cell]
    cards: dict[int, DimensionCard]
    participation: float | None
    real_drops: list[Dimension]
    parent_name: str = ""
    ordered: list[Cell] = field(default_factory=list)  # cells in the heatmap's column order

    @property
    def low_participation(self) -> bool:
        # The same threshold as the summaries and the HR alert (a setting, per cent).
        low = settings.RELHEALTH_LOW_PARTICIPATION_PCT
        return self.participation is not None and self.participation < low

    @property
    def needs_attention(self) -> bool:
        return bool(self.real_drops) or self.low_participation


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of one dimension for the whole organisation (never per team)."""

    dimension: Dimension
    alpha: float | None  # None: not enough people or items to say
    n: int | None = None
    items: int | None = None
    round: Round | None = None
    pooled_rounds: int = 0

    @property
    def flagged(self) -> bool:
        return self.alpha is not None and self.alpha < ALPHA_FLAG


@dataclass
class Heatmap:
    dimensions: list[Dimension]
    rows: list[HeatRow]
    k: int
    reliability: list[Reliability] = field(default_factory=list)
    drivers: list[DriverSet] = field(default_factory=list)  # the organisation's (ADR 0032)
    themes: list[ShownTheme] = field(default_factory=list)  # the organisation's comments'


def reliability_get(*, book: ScoreBook) -> list[Reliability]:
    """Alpha per dimension, organisation-wide, from the latest rounds that asked the same items.

    Through the engine: a round counts only where the organisation's own figure for the
    dimension is shown weekly (so at least k answered), and alpha needs n >= k in total.
    """
    rounds = {r.pk: r for r in book.latest}
    found: dict[int, list[DimensionReliability]] = defaultdict(list)
    for row in DimensionReliability.objects.filter(round_id__in=list(rounds)):
        found[row.dimension_id].append(row)
    out = []
    for dimension in book.dimensions:
        chosen: list[DimensionReliability] = []
        for row in sorted(
            found.get(dimension.pk, []), key=lambda r: rounds[r.round_id].period_start, reverse=True
        ):
            cell = book.cell(team_id=ORG, dimension_id=dimension.pk, round=rounds[row.round_id])
            if not cell.shown or cell.pooled_rounds > 1 or len(row.items) < 2:
                continue
            if chosen and row.items != chosen[0].items:
                continue  # pool only rounds that asked the same items
            chosen.append(row)
        n = sum(r.n for r in chosen)
        k = max((rounds[r.round_id].min_group_size for r in chosen), default=0)
        if not chosen or n < max(k, 2):
            out.append(Reliability(dimension=dimension, alpha=None))
            continue
        size = len(chosen[0].items)
        sums = np.sum([r.sums for r in chosen], axis=0)
        products = np.sum([r.products for r in chosen], axis=0)
        out.append(
            Reliability(
                dimension=dimension,
                alpha=alpha_from_sums(n=n, sums=sums.tolist(), products=products.tolist()),
                n=n,
                items=size,
                round=rounds[chosen[0].round_id],
                pooled_rounds=len(chosen),
            )
        )
    return out


def _cells(
    book: ScoreBook, team_id: int, dimension_id: int, rounds: list[Round]
) -> Iterator[tuple[Round, Cell]]:
    """The team's cells of one dimension, newest first, computed only as far as read."""
    for rnd in rounds:
        yield rnd, book.cell(team_id=team_id, dimension_id=dimension_id, round=rnd)


def organisation_heatmap_get(*, n_rounds: int = HEATMAP_ROUNDS, sort: int | None = None) -> Heatmap:
    """All teams x dimensions over the latest closed rounds (HR only; one score book)."""
    book = scorebook_build(latest_of=None, n_rounds=n_rounds, teams=None, with_themes=True)
    latest = book.latest
    teams = sorted(book.teams.values(), key=lambda t: t.path)
    rows = []
    for team in teams:
        cells: dict[int, Cell] = {}
        cards: dict[int, DimensionCard] = {}
        for dimension in book.dimensions:
            card = card_from(dimension, _cells(book, team.pk, dimension.pk, latest))
            cards[dimension.pk] = card
            if card.latest is not None:
                cells[dimension.pk] = card.latest
            elif card.hidden_reason is not None:
                cells[dimension.pk] = hidden(card.hidden_reason)  # why, never a number
            else:
                cells[dimension.pk] = NOT_ASKED
        rate = None
        for rnd in latest:
            counts = book.participation(team_id=team.pk, round=rnd)
            if counts is not None:
                rate = participation_from(counts).rate
                break
        drops = [
            c.dimension
            for c in cards.values()
            if c.real and c.change is not None and c.change.delta < 0
        ]
        parent = book.teams.get(team.parent_id) if team.parent_id else None
        rows.append(
            HeatRow(
                team=team,
                cells=cells,
                cards=cards,
                participation=rate,
                real_drops=drops,
                parent_name=parent.name if parent else "",
                ordered=[cells[d.pk] for d in book.dimensions],
            )
        )
    if sort is not None:
        # Lowest first; hidden cells last (they are not zero, they are unknown).
        rows.sort(
            key=lambda r: (
                (r.cells[sort].score is None, r.cells[sort].score or 0.0)
                if sort in r.cells
                else (True, 0.0)
            )
        )
    else:
        rows.sort(key=lambda r: (not r.needs_attention, r.team.path))
    return Heatmap(
        dimensions=book.dimensions,
        rows=rows,
        k=latest[0].min_group_size if latest else 5,
        reliability=reliability_get(book=book),
        drivers=organisation_drivers_get(book=book),
        themes=themes_shown_get(book=book, team_id=ORG, rounds=latest[:THEME_ROUNDS]),
    )


def organisation_drivers_get(*, book: ScoreBook) -> list[DriverSet]:
    """The whole organisation's driver analysis over the book's latest rounds."""
    cards = [
        card_from(dimension, _cells(book, ORG, dimension.pk, book.latest))
        for dimension in book.dimensions
    ]
    return driver_sets_get(
        book=book, team_id=ORG, rounds=book.latest, scores=scores_from_cards(cards)
    )


def organisation_drivers_recent_get(
    *, n_rounds: int = HEATMAP_ROUNDS
) -> tuple[list[DriverSet], list[Round]]:
    """The organisation's driver analysis over its latest `n_rounds` closed rounds (the API)."""
    book = scorebook_build(latest_of=None, n_rounds=n_rounds, teams=[ORG])
    return organisation_drivers_get(book=book), book.latest

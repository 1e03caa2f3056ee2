"""HR's view of the whole organisation: every team x dimension, teams needing attention first.

Read side only; every cell comes from the same score book and anonymity engine as the team page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from checkins.models import Dimension, Round
from culture.scorebook import NOT_ASKED, Cell, ScoreBook, hidden_cell, scorebook_build
from culture.selectors import DimensionCard, Participation, card_from
from org.models import Team

LOW_PARTICIPATION = 60.0  # per cent


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
        return self.participation is not None and self.participation < LOW_PARTICIPATION

    @property
    def needs_attention(self) -> bool:
        return bool(self.real_drops) or self.low_participation


@dataclass
class Heatmap:
    dimensions: list[Dimension]
    rows: list[HeatRow]
    k: int


def _visible(
    book: ScoreBook, team_id: int, dimension_id: int, rounds: list[Round], hidden: list[bool]
) -> Iterator[tuple[Round, Cell]]:
    """The team's visible cells of one dimension, newest first, computed only as far as read;
    notes in `hidden` whether a hidden cell was passed."""
    for rnd in rounds:
        cell = book.cell(team_id=team_id, dimension_id=dimension_id, round=rnd)
        if cell.score is not None:
            yield rnd, cell
        elif cell.suppressed:
            hidden.append(True)


def organisation_heatmap_get(*, rounds: int = 12, sort: int | None = None) -> Heatmap:
    """All teams x dimensions over the latest closed rounds (HR only; one score book)."""
    book = scorebook_build(latest_of=None, rounds=rounds, teams=None)
    latest = book.latest
    teams = sorted(book.teams.values(), key=lambda t: t.path)
    rows = []
    for team in teams:
        cells: dict[int, Cell] = {}
        cards: dict[int, DimensionCard] = {}
        for dimension in book.dimensions:
            hidden: list[bool] = []
            card = card_from(dimension, _visible(book, team.pk, dimension.pk, latest, hidden))
            cards[dimension.pk] = card
            if card.latest is not None:
                cells[dimension.pk] = card.latest
            elif hidden:
                cells[dimension.pk] = hidden_cell(latest[0].min_group_size)
            else:
                cells[dimension.pk] = NOT_ASKED
        rate = None
        for rnd in latest:
            counts = book.participation(team_id=team.pk, round=rnd)
            if counts is not None:
                rate = Participation(suppressed=False, invited=counts[0], responded=counts[1]).rate
                break
        drops = [
            c.dimension
            for c in cards.values()
            if c.change is not None and c.change.is_real and c.change.delta < 0
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
        dimensions=book.dimensions, rows=rows, k=latest[0].min_group_size if latest else 5
    )

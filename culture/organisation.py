"""HR's view of the whole organisation: every team x dimension, teams needing attention first.

Read side only; every cell comes from the same score book and anonymity engine as the team page.
"""

from __future__ import annotations

from dataclasses import dataclass

from checkins.models import Dimension
from culture.scorebook import NOT_ASKED, Cell, hidden_cell, scorebook_build
from culture.selectors import DimensionCard, dimension_cards, score_rows
from culture.selectors import TeamScores as _TeamScores
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


def organisation_heatmap_get(*, rounds: int = 12, sort: int | None = None) -> Heatmap:
    """All teams x dimensions over the latest closed rounds (HR only; one score book)."""
    book = scorebook_build(latest_of=None, rounds=rounds, teams=None)
    latest = book.latest
    teams = sorted(book.teams.values(), key=lambda t: t.path)
    rows = []
    for team in teams:
        scores = _TeamScores(
            team=team,
            dimensions=book.dimensions,
            rows=score_rows(book=book, team_id=team.pk, rounds=latest),
        )
        cards = {card.dimension.pk: card for card in dimension_cards(scores)}
        cells: dict[int, Cell] = {}
        for dimension in book.dimensions:
            card = cards[dimension.pk]
            if card.latest is not None:
                cells[dimension.pk] = card.latest
            elif any(row.cells[dimension.pk].suppressed for row in scores.rows):
                cells[dimension.pk] = hidden_cell(latest[0].min_group_size)
            else:
                cells[dimension.pk] = NOT_ASKED
        rate = next(
            (row.participation.rate for row in scores.rows if not row.participation.suppressed),
            None,
        )
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

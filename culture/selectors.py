"""What a viewer may see. Every figure on a page goes through here and the anonymity rules.

Rules applied now (brief, promises A1 and A5): a figure from fewer than the round's frozen k
respondents is replaced by a suppressed cell; participation counts appear only where at least k
were invited; only closed, rolled-up rounds are read. Pages show one subtree figure per team a
viewer leads (never a parent beside its children), so no visible pair can be subtracted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checkins.models import Dimension, Round
from culture.models import DimensionRollup, ParticipationRollup
from culture.statistics import summarise
from org.models import Person, Team
from org.selectors import teams_led_get


@dataclass(frozen=True)
class Cell:
    """One figure, or the reason it is hidden. A suppressed cell carries no number at all."""

    suppressed: bool
    reason: str = ""
    # No figure and nothing hidden: the dimension had no question in this round.
    n: int | None = None
    score: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    favourable_pct: float | None = None


@dataclass(frozen=True)
class Participation:
    suppressed: bool
    invited: int | None = None
    responded: int | None = None

    @property
    def rate(self) -> float | None:
        if self.suppressed or not self.invited:
            return None
        return 100.0 * (self.responded or 0) / self.invited


@dataclass
class RoundRow:
    round: Round
    participation: Participation
    cells: dict[int, Cell] = field(default_factory=dict)


@dataclass
class TeamScores:
    team: Team
    dimensions: list[Dimension]
    rows: list[RoundRow]


# Rotation asks a few items per round, so a dimension may have no question in a round at all.
NOT_ASKED = Cell(suppressed=False, reason="not asked this round")


def _hidden(k: int) -> Cell:
    return Cell(suppressed=True, reason=f"fewer than {k} respondents")


def dimension_cell(*, rollup: DimensionRollup, k: int) -> Cell:
    if rollup.n < k:
        return _hidden(k)
    summary = summarise(n=rollup.n, total=rollup.total, total_sq=rollup.total_sq)
    return Cell(
        suppressed=False,
        n=rollup.n,
        score=round(summary.mean, 1),
        ci_low=round(max(summary.ci_low, 0.0), 1),
        ci_high=round(min(summary.ci_high, 100.0), 1),
        favourable_pct=round(100.0 * rollup.favourable / rollup.answered, 1)
        if rollup.answered
        else None,
    )


def team_scores_get(*, team: Team, rounds: int = 12) -> TeamScores:
    """Scores per dimension for a team's subtree over its latest closed rounds (3 queries)."""
    participation = list(
        ParticipationRollup.objects.filter(
            team=team, includes_subteams=True, round__status=Round.Status.CLOSED
        )
        .select_related("round__survey")
        .order_by("-round__period_start", "-round_id")[:rounds]
    )
    round_ids = [p.round_id for p in participation]
    by_round: dict[int, dict[int, DimensionRollup]] = {}
    for found in DimensionRollup.objects.filter(
        team=team, includes_subteams=True, round_id__in=round_ids
    ):
        by_round.setdefault(found.round_id, {})[found.dimension_id] = found
    dimensions = list(Dimension.objects.filter(questions__isnull=False).distinct())
    rows = []
    for p in participation:
        k = p.round.min_group_size
        visible = p.invited >= k
        row = RoundRow(
            round=p.round,
            participation=Participation(
                suppressed=not visible,
                invited=p.invited if visible else None,
                responded=p.responded if visible else None,
            ),
        )
        for dimension in dimensions:
            rollup = by_round.get(p.round_id, {}).get(dimension.pk)
            row.cells[dimension.pk] = (
                dimension_cell(rollup=rollup, k=k) if rollup is not None else NOT_ASKED
            )
        rows.append(row)
    return TeamScores(team=team, dimensions=dimensions, rows=rows)


def dashboard_teams_get(*, viewer: Person) -> list[Team]:
    """The teams whose figures a viewer's dashboard shows: the top-most teams they lead.

    HR admins see the root teams (the whole organisation, one figure per root).
    """
    if viewer.is_hr_admin:
        return list(Team.objects.filter(parent__isnull=True).order_by("name"))
    return teams_led_get(person=viewer)

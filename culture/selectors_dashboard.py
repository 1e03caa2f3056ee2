"""The manager home (issue 17): for each team the viewer leads, what to do next.

Every piece is the team page's own (`culture.selectors`): the same score book, cards, summary,
comments, starters and focus areas, through `culture.visibility`, so the home can never show
what the team page does not. This module only chooses and orders: the most telling change
first, the newest comments, the starter for the dimension the team page proposes to focus on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from checkins.models import Dimension
from culture.anonymity import ORG
from culture.charts import Chart, trend_chart
from culture.scorebook import scorebook_build
from culture.selectors import (
    COMMENT_ROUNDS,
    DimensionCard,
    Focus,
    ShownComment,
    Starters,
    TeamPage,
    TeamScores,
    _comments_get,
    _focus_get,
    _starters_get,
    dashboard_teams_get,
    dimension_cards,
    score_rows,
    summary_view_get,
)
from culture.visibility import ChangeVerdict
from org.models import Person, Team

# The team page's default period, so the home says what the team page says when it opens.
HOME_ROUNDS = 12
HOME_COMMENTS = 2  # the newest shown comments quoted on the home
# The home chart is drawn narrower than the team page's, so that on a phone it is shown at
# about its own size and its labels stay readable.
HOME_CHART_WIDTH, HOME_CHART_HEIGHT = 360, 230

# The order a manager reads changes in: real ones first, then those within noise, then the
# figures with nothing to compare with.
_VERDICT_ORDER = {ChangeVerdict.REAL: 0, ChangeVerdict.WITHIN_NOISE: 1, ChangeVerdict.NOT_ENOUGH: 2}


@dataclass(frozen=True)
class Headline:
    """What changed in one dimension since the period before, as the card decided it (A3b):
    the newest shown score, the change in whole points with its sign (None when there is no
    shown figure of the same kind before it), and whether the change is real."""

    card: DimensionCard

    @property
    def dimension(self) -> Dimension:
        return self.card.dimension

    @property
    def score(self) -> float:
        assert self.card.latest is not None and self.card.latest.score is not None
        return self.card.latest.score

    @property
    def verdict(self) -> ChangeVerdict:
        return self.card.comparison.verdict

    @property
    def points(self) -> int | None:
        change = self.card.change
        return None if change is None else round(change.delta)

    @property
    def direction(self) -> str:
        """ "up", "down" or "same" (a change that rounds to no whole point)."""
        if not self.points:
            return "same"
        return "up" if self.points > 0 else "down"

    @property
    def size(self) -> int:
        """Whole points moved, without the sign (the words carry the direction)."""
        return abs(self.points or 0)


def headlines_get(cards: list[DimensionCard]) -> list[Headline]:
    """The shown dimensions, most telling first: real changes, then changes within noise, then
    figures with nothing to compare with; the larger move first within each."""
    shown = [Headline(card=card) for card in cards if card.latest is not None]
    return sorted(shown, key=lambda h: (_VERDICT_ORDER[h.verdict], -h.size))


@dataclass(frozen=True)
class Series:
    """One dimension's line on the home chart (no band: three bands over each other would hide
    the lines; the intervals are under "how we know")."""

    dimension: Dimension
    chart: Chart
    index: int  # its place in the legend

    @property
    def style(self) -> int:
        """Its colour and dash pattern (static/css: six, then they repeat)."""
        return self.index % 6

    @property
    def latest(self) -> str | None:
        """The newest shown value, as the chart writes it (the legend repeats it)."""
        return self.chart.dots[-1][2] if self.chart.dots else None


@dataclass(frozen=True)
class SeriesChart:
    series: list[Series]
    axes: Chart  # the shared axes: y ticks, x labels, size

    @property
    def has_data(self) -> bool:
        return any(s.chart.has_data for s in self.series)


def chart_range(scores: list[float]) -> tuple[float, float]:
    """The y axis of the home chart: the shown scores with some room, in tens, at least 40
    points tall, within 0-100 (scores usually move within a band: on a 0-100 axis a phone's
    chart would draw them as one flat line)."""
    if not scores:
        return 0.0, 100.0
    low = max(0.0, math.floor((min(scores) - 5) / 10) * 10)
    high = min(100.0, math.ceil((max(scores) + 5) / 10) * 10)
    while high - low < 40:
        low, high = max(0.0, low - 10), min(100.0, high + 10)
    return low, high


def series_chart(scores: TeamScores) -> SeriesChart:
    """Every dimension of a team on one chart, each line through its shown cells only."""
    shown = [
        cell.score for row in scores.rows for cell in row.cells.values() if cell.score is not None
    ]
    low, high = chart_range(shown)
    series = [
        Series(
            dimension=dimension,
            chart=trend_chart(
                rows=scores.rows,
                cell_of={row.round.pk: row.cells[dimension.pk] for row in scores.rows},
                low=low,
                high=high,
                width=HOME_CHART_WIDTH,
                height=HOME_CHART_HEIGHT,
            ),
            index=index,
        )
        for index, dimension in enumerate(scores.dimensions)
    ]
    axes = (
        series[0].chart
        if series
        else trend_chart(rows=[], cell_of={}, width=HOME_CHART_WIDTH, height=HOME_CHART_HEIGHT)
    )
    return SeriesChart(series=series, axes=axes)


@dataclass
class TeamHome:
    """One team on the manager home. `page` holds the team page's own pieces (no teams below,
    questions or drivers: the home does not show them)."""

    page: TeamPage
    headlines: list[Headline]
    chart: SeriesChart
    comments: list[ShownComment] = field(default_factory=list)  # the newest, at most two
    starter: Starters | None = None

    @property
    def team(self) -> Team:
        return self.page.scores.team

    @property
    def focus(self) -> list[Focus]:
        return list(self.page.focus.values())

    @property
    def n_comments(self) -> int:
        return len(self.page.comments)


def team_home_get(*, team: Team, n_rounds: int = HOME_ROUNDS) -> TeamHome:
    """A team's part of the manager home, from one score book (a fixed number of queries,
    whatever the history or the number of comments)."""
    book = scorebook_build(latest_of=team, n_rounds=n_rounds, teams=[team.pk, ORG])
    latest = book.latest
    scores = TeamScores(
        team=team,
        dimensions=book.dimensions,
        rows=score_rows(book=book, team_id=team.pk, rounds=latest),
    )
    cards = dimension_cards(scores)
    page = TeamPage(
        scores=scores,
        cards=cards,
        organisation=TeamScores(
            team=team,
            dimensions=book.dimensions,
            rows=score_rows(book=book, team_id=ORG, rounds=latest),
        ),
        subteams=[],
        k=latest[0].min_group_size if latest else 5,
        focus=_focus_get(team=team, cards=cards),
        starters=_starters_get(cards),
        comments=_comments_get(book=book, team=team, rounds=latest[:COMMENT_ROUNDS]),
        summary=summary_view_get(book=book, team=team),
    )
    suggested = page.focus_suggested_id
    # The newest week's comments first; within a week they keep the page's random order. Two
    # people may write the same words: the home quotes them once.
    newest = sorted(page.comments, key=lambda c: c.round.period_start, reverse=True)
    quoted: dict[str, ShownComment] = {}
    for comment in newest:
        quoted.setdefault(comment.text, comment)
    return TeamHome(
        page=page,
        headlines=headlines_get(cards),
        chart=series_chart(scores),
        comments=list(quoted.values())[:HOME_COMMENTS],
        starter=next((s for s in page.starters if s.dimension.pk == suggested), None),
    )


def dashboard_get(*, viewer: Person) -> list[TeamHome]:
    """The manager home: each top-most team the viewer leads (HR: each root team)."""
    return [team_home_get(team=team) for team in dashboard_teams_get(viewer=viewer)]

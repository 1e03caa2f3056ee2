"""Driver analysis: which dimension goes together most with the outcome (ADR 0032).

The outcome is the eNPS answer where a round asks it, and any dimension HR marks as the outcome.
Correlations come from the sums of products stored at roll-up (`DriverRollup`), added over the
page's rounds, never from raw answers per request; each is shown only where the group's figures
of both the driver and the outcome are shown (`culture.visibility.driver_figure_get`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from checkins.models import Dimension, Question, Round
from culture.scorebook import ScoreBook
from culture.starters import LOW_SCORE
from culture.visibility import (
    PAIR_ZERO,
    DriverBlock,
    DriverFigure,
    HiddenReason,
    Outcome,
    Verdict,
    driver_figure_get,
    outcome_decide,
)

ENPS = 0  # the outcome key of the eNPS question (a dimension outcome is its id)
# A link from r = 0.3 on counts as strong enough to focus on (a "moderate" correlation).
STRONG_LINK = 0.3


@dataclass(frozen=True)
class DriverLine:
    dimension: Dimension
    figure: DriverFigure
    score: float | None = None  # the dimension's newest shown score for the group
    falling: bool = False  # a real drop since the previous shown figure
    leading: bool = False  # its interval overlaps the strongest shown link's
    focus: bool = False  # strong link and a low or falling score

    def __str__(self) -> str:
        return str(self.dimension.label)

    @property
    def r(self) -> float | None:
        return self.figure.correlation.r if self.figure.correlation else None


@dataclass(frozen=True)
class DriverSet:
    outcome: Dimension | None  # None: eNPS
    lines: list[DriverLine]  # shown links strongest first, then the hidden ones

    @property
    def key(self) -> str:
        return "enps" if self.outcome is None else f"d{self.outcome.pk}"

    @property
    def label(self) -> str:
        return str(_("eNPS")) if self.outcome is None else self.outcome.label

    @property
    def shown(self) -> list[DriverLine]:
        return [line for line in self.lines if line.figure.shown]

    @property
    def leaders(self) -> list[DriverLine]:
        return [line for line in self.lines if line.leading]

    @property
    def about_equal(self) -> bool:
        """The strongest links' intervals overlap: they matter about equally, no ranking."""
        return len(self.leaders) > 1

    @property
    def focus(self) -> list[DriverLine]:
        return [line for line in self.lines if line.focus]


@dataclass(frozen=True)
class Score:
    value: float | None
    falling: bool


def _enps_outcome(
    *, book: ScoreBook, team_id: int, rnd: Round, pairs_week: int, pairs_window: int
) -> Outcome:
    """The one rule on the round's eNPS question figure for the group. Its counts are those of
    the respondents with a pair (never more than the eNPS figure's own n: at most as often shown)."""
    measures = [
        measure
        for measure in sorted(book.asked.measures.get(rnd.pk, ()))
        if measure.startswith("q")
        and (version := book.asked.versions.get(int(measure[1:]))) is not None
        and version.question.scale == Question.Scale.ZERO_TEN
    ]
    if not measures:
        # Asked in another round of a pooled window, whose figure sits on the last round.
        window = book.windows.get(rnd.pk)
        measures = sorted(
            m
            for m in (window.measures if window else {})
            if m.startswith("q")
            and (v := book.asked.versions.get(int(m[1:]))) is not None
            and v.question.scale == Question.Scale.ZERO_TEN
        )
    if not measures:
        return HiddenReason.NOT_ASKED
    measure = measures[0]
    return outcome_decide(
        verdict=book.decision(node=team_id, measure=measure, round=rnd),
        asked=book.asks(node=team_id, measure=measure, round=rnd),
        small=book.small(node=team_id, round=rnd),
        k=book.k(rnd),
        n_week=lambda: pairs_week,
        n_window=lambda: pairs_window,
    )


def _blocks(
    *, book: ScoreBook, team_id: int, driver: int, outcome: int, rounds: Sequence[Round]
) -> list[DriverBlock]:
    blocks = []
    for rnd in rounds:
        keys = book.window_keys(rnd)
        week = book.pair_sums(
            team_id=team_id, dimension_id=driver, outcome_id=outcome, round_ids=[rnd.pk]
        )
        whole = book.pair_sums(
            team_id=team_id, dimension_id=driver, outcome_id=outcome, round_ids=keys
        )
        said_x = book.outcome(team_id=team_id, dimension_id=driver, round=rnd)
        if outcome == ENPS:
            said_y = _enps_outcome(
                book=book, team_id=team_id, rnd=rnd, pairs_week=week[0], pairs_window=whole[0]
            )
        else:
            said_y = book.outcome(team_id=team_id, dimension_id=outcome, round=rnd)
        sums = (
            week if said_x == Verdict.WEEKLY else whole if said_x == Verdict.POOLED else PAIR_ZERO
        )
        blocks.append(DriverBlock(driver=said_x, outcome=said_y, sums=sums))
    return blocks


def driver_sets_get(
    *, book: ScoreBook, team_id: int, rounds: Sequence[Round], scores: dict[int, Score]
) -> list[DriverSet]:
    """The driver analysis of one group (a team's subtree, or ORG) over `rounds`, per outcome.

    `scores` are the group's newest shown score per dimension and whether it fell for real
    (from the page's cards): "where to focus" is a strong link with a low or falling score.
    """
    if not rounds:
        return []
    k = min(book.k(rnd) for rnd in rounds)
    outcomes: list[Dimension | None] = [d for d in book.dimensions if d.is_outcome]
    enps_asked = any(
        book.asked.versions[int(m[1:])].question.scale == Question.Scale.ZERO_TEN
        for rnd in book.rounds
        for m in book.asked.measures.get(rnd.pk, ())
        if m.startswith("q") and int(m[1:]) in book.asked.versions
    )
    if enps_asked:
        outcomes.insert(0, None)
    sets = []
    for outcome in outcomes:
        outcome_id = ENPS if outcome is None else outcome.pk
        lines = []
        for dimension in book.dimensions:
            if dimension.pk == outcome_id:
                continue
            blocks = _blocks(
                book=book, team_id=team_id, driver=dimension.pk, outcome=outcome_id, rounds=rounds
            )
            score = scores.get(dimension.pk, Score(value=None, falling=False))
            lines.append(
                DriverLine(
                    dimension=dimension,
                    figure=driver_figure_get(blocks=blocks, k=k),
                    score=score.value,
                    falling=score.falling,
                )
            )
        sets.append(DriverSet(outcome=outcome, lines=_ranked(lines)))
    return sets


def _ranked(lines: list[DriverLine]) -> list[DriverLine]:
    """Shown links strongest first; the ones whose interval overlaps the strongest's lead
    together (they matter about equally); focus on a strong link with a low or falling score."""
    shown = sorted(
        (line for line in lines if line.figure.correlation is not None),
        key=lambda line: -(line.r or 0.0),
    )
    out = []
    top = shown[0].figure.correlation if shown else None
    for line in shown:
        found = line.figure.correlation
        assert found is not None and top is not None
        leading = found.overlaps(top)
        strong = found.r >= STRONG_LINK
        low = line.score is not None and line.score < LOW_SCORE
        out.append(
            DriverLine(
                dimension=line.dimension,
                figure=line.figure,
                score=line.score,
                falling=line.falling,
                leading=leading,
                focus=strong and (low or line.falling),
            )
        )
    return out + [line for line in lines if line.figure.correlation is None]

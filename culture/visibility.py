"""Who sees what: the one place every output asks whether a figure may be shown, and why not.

The engine (`culture.anonymity`) decides per survey window, from respondent counts, which subtree
figures may be shown; the score book (`culture.scorebook`) loads those verdicts with the roll-ups.
This module turns a verdict into what a viewer gets, for every output alike (team page, dashboard,
heatmap, API, CSV export, summaries, digest, HR alert, focus areas):

- a figure, or a hidden cell whose reason is the same whatever the count behind it (A3b);
- changes ("real change", "within noise", p-values) only between figures that are shown (A3b);
- stored summaries re-checked against today's cells before they are shown again (A1, A3);
- the subtraction guard of an email that lists a team beside its sub-teams (A2).

Reasons and outcomes are names (`TextChoices`), compared by value; templates say them in words.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from checkins.models import QuestionVersion, RoundQuestion
from culture.statistics import Change, Correlation, change_between, correlation_from_sums, summarise


class HiddenReason(models.TextChoices):
    """Why a cell carries no number. Only facts that do not depend on how many answered below k:
    FEWER_THAN_K covers 0..k-1 answers alike (A3b), NOT_ASKED is a fact about the round."""

    FEWER_THAN_K = "fewer_than_k", _("fewer than k people")
    # At least k answered, but showing it would let a smaller group be worked out (A2, ADR 0015).
    PROTECTS_OTHERS = "protects_others", _("hidden: protects a smaller team")
    # Inside a pooled window: the figure appears once, on the window's last week (A3).
    POOLED_LATER = "pooled_later", _("pooled with the next weeks")
    # Too few invited when the window opened: 4-week figures only, never week by week (A3).
    SMALL_GROUP_WINDOW = "small_group_window", _("small team: 4-week figures only")
    # The round's question set had no question of it, or the round invited no one of the team.
    NOT_ASKED = "not_asked", _("not asked")


class Verdict(models.TextChoices):
    """The engine's stored verdict on one node, measure and round (`ScoreBook.decision`)."""

    WEEKLY = "weekly"
    POOLED = "pooled"  # the window's pooled figure, which sits on its last round
    POOLED_LATER = "pooled-later"  # a round inside a window shown only as a pooled figure
    HIDDEN = "hidden"


class ChangeVerdict(models.TextChoices):
    """What a trend says about a shown figure against the previous shown one of its kind."""

    REAL = "real", _("a real change")
    WITHIN_NOISE = "within_noise", _("within noise")
    NOT_ENOUGH = "not_enough", _("not enough to compare")


@dataclass(frozen=True)
class Cell:
    """One figure, or the reason it is hidden. A suppressed cell carries no number at all."""

    suppressed: bool
    reason: HiddenReason | None = None
    n: int | None = None
    score: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    favourable_pct: float | None = None
    # A small group's figure pooled over a fixed window of rounds (A3): how many rounds.
    pooled_rounds: int = 1
    # Kept for the statistics (Welch's test); never rendered on their own. The interval shows
    # it anyway (its half-width is t * sd / sqrt(n)), so a test from it adds nothing (A3b).
    sd: float | None = None

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.score is not None

    @property
    def protects_others(self) -> bool:
        return self.suppressed and self.reason == HiddenReason.PROTECTS_OTHERS

    @property
    def uniform(self) -> bool:
        """Everyone in the figure gave the same answers: no spread, a band of zero width.
        The page says so in words instead of drawing a point as if it were certain (ADR 0019)."""
        return self.shown and self.sd == 0.0


# No figure and nothing hidden: the round did not ask it (a fact about the round, A3b).
NOT_ASKED = Cell(suppressed=False, reason=HiddenReason.NOT_ASKED)
_HIDDEN = {reason: Cell(suppressed=True, reason=reason) for reason in HiddenReason}


def reason_told(reasons: Iterable[HiddenReason | None]) -> HiddenReason | None:
    """The one reason to tell when every figure of a group is hidden (the team page and the
    digest, ADR 0034): protecting a smaller group first, since a manager cannot guess it, else
    the first one given; None when none is."""
    given = [reason for reason in reasons if reason]
    if HiddenReason.PROTECTS_OTHERS in given:
        return HiddenReason.PROTECTS_OTHERS
    return given[0] if given else None


def hidden(reason: HiddenReason) -> Cell:
    """The hidden cell for a reason (one shared instance each: nothing else to carry)."""
    return _HIDDEN[reason]


Outcome = Verdict | HiddenReason


def outcome_decide(
    *,
    verdict: str | None,
    asked: bool,
    small: bool,
    k: int,
    n_week: Callable[[], int],
    n_window: Callable[[], int],
) -> Outcome:
    """The one rule for a figure of one node, measure and round (A1, A2, A3, A3b).

    Returns Verdict.WEEKLY or Verdict.POOLED when the figure is shown (its n is then at least
    k), else why it is hidden. Below k every count gives FEWER_THAN_K, 0 included: a round that
    asked the question cannot say "not asked" for a team where no one answered it (A3b).
    A verdict the roll-ups do not support (a team moved after its round) hides the figure.
    """
    if verdict == Verdict.POOLED:
        # The pooled figure sits on the window's last round, asked there or not.
        return Verdict.POOLED if n_window() >= k else HiddenReason.FEWER_THAN_K
    if not asked:
        return HiddenReason.NOT_ASKED
    if verdict == Verdict.WEEKLY:
        return Verdict.WEEKLY if n_week() >= k else HiddenReason.FEWER_THAN_K
    if verdict == Verdict.POOLED_LATER:
        return HiddenReason.POOLED_LATER
    if small:
        return HiddenReason.SMALL_GROUP_WINDOW
    # ADR 0015: a team hidden only to protect a smaller one says so; at least k answered.
    return HiddenReason.PROTECTS_OTHERS if n_week() >= k else HiddenReason.FEWER_THAN_K


SumsRow = tuple[int, float, float, int, int]  # n, sum, sum of squares, favourable, answered


def cell_from_sums(*, sums: SumsRow, k: int, pooled_rounds: int = 1) -> Cell:
    """A shown cell from roll-up sums, or FEWER_THAN_K when they cannot make one: fewer than k,
    or an impossible combination (a figure is never shown as NaN, infinity or a 500)."""
    n, total, total_sq, favourable, answered = sums
    summary = summarise(n=n, total=total, total_sq=total_sq) if n >= k else None
    if summary is None or not 0.0 <= summary.mean <= 100.0:
        return hidden(HiddenReason.FEWER_THAN_K)
    return Cell(
        suppressed=False,
        n=n,
        score=round(summary.mean, 1),
        ci_low=round(max(summary.ci_low, 0.0), 1),
        ci_high=round(min(summary.ci_high, 100.0), 1),
        favourable_pct=round(100.0 * favourable / answered, 1) if answered > 0 else None,
        pooled_rounds=pooled_rounds,
        sd=summary.sd,
    )


# n, sums of x and y, of their squares and of their products: one driver pair's roll-up (ADR 0032).
PairRow = tuple[int, float, float, float, float, float]
PAIR_ZERO: PairRow = (0, 0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class DriverBlock:
    """One round of a group's driver figure, or one pooled window: what the one rule said of
    the driver dimension's figure and of the outcome's figure there, and the pair sums behind."""

    driver: Outcome
    outcome: Outcome
    sums: PairRow


@dataclass(frozen=True)
class DriverFigure:
    """A driver correlation as shown, or hidden with the reason (no number at all then)."""

    correlation: Correlation | None
    reason: HiddenReason | None = None

    @property
    def shown(self) -> bool:
        return self.correlation is not None


def driver_figure_get(*, blocks: Iterable[DriverBlock], k: int) -> DriverFigure:
    """A1-A3b for a driver correlation: it is built only from the blocks where the group's
    figures of both the driver and the outcome are shown, in the same form (a week beside a week,
    a window's pooled figure beside the pooled one: the same k and the same subtraction
    protection as those figures), and each block with at least k respondents who answered both.
    Hidden (FEWER_THAN_K, whatever the count) when nothing is left, or too few for an interval;
    NOT_ASKED only when no block asked either measure."""
    total = PAIR_ZERO
    asked = False
    for block in blocks:
        if block.driver != HiddenReason.NOT_ASKED and block.outcome != HiddenReason.NOT_ASKED:
            asked = True
        same = block.driver == block.outcome and block.driver in (Verdict.WEEKLY, Verdict.POOLED)
        if not same or block.sums[0] < k:
            continue
        total = tuple(a + b for a, b in zip(total, block.sums, strict=True))  # type: ignore[assignment]
    if total[0] < k:
        return DriverFigure(
            correlation=None,
            reason=HiddenReason.FEWER_THAN_K if asked else HiddenReason.NOT_ASKED,
        )
    n, sum_x, sum_y, sum_xx, sum_yy, sum_xy = total
    found = correlation_from_sums(
        n=int(n), sum_x=sum_x, sum_y=sum_y, sum_xx=sum_xx, sum_yy=sum_yy, sum_xy=sum_xy
    )
    if found is None:
        return DriverFigure(correlation=None, reason=HiddenReason.FEWER_THAN_K)
    return DriverFigure(correlation=found)


def themes_visible(*, themes: Sequence[Any], comments_shown: bool, k: int) -> list[Any]:
    """A4 for comment themes: a slice shows themes only where its comments themselves are shown
    (the block rule on respondents, at least ten per slice), and only themes with at least k
    comments behind them. A theme then says nothing its comments do not: no difference between
    two slices' themes can isolate a hidden comment, as no hidden comment is in either."""
    if not comments_shown:
        return []
    return [theme for theme in themes if len(theme.comments) >= k]


def answered_count_visible(*, n_answered: int, comments_shown: bool) -> int | None:
    """A4 for the invitation's "answered" line (ADR 0037): a number of answered threads is stated
    only for a group whose page shows its comments (then it counts threads among comments of
    slices of at least ten, never a hidden group's), and only when it is not zero. It counts
    threads, one per comment, never who wrote them, and every invitee of the group reads the
    same number, so it tells nobody more than the group's page tells its manager."""
    if not comments_shown or n_answered < 1:
        return None
    return n_answered


@dataclass(frozen=True)
class RoundQuestions:
    """What each round's question set asked: "d<dimension id>" and "q<question version id>" per
    round, and the question versions themselves (with their question and dimension)."""

    measures: dict[int, set[str]]
    versions: dict[int, QuestionVersion]


def round_questions_load(*, round_ids: Iterable[int]) -> RoundQuestions:
    """The rounds' question sets, in one query (the question figures need no other).

    The same for every team of a round (everyone gets the same questions), so "not asked" read
    from here says nothing about who answered (A3b).
    """
    measures: dict[int, set[str]] = {}
    versions: dict[int, QuestionVersion] = {}
    for row in RoundQuestion.objects.filter(round_id__in=list(round_ids)).select_related(
        "question_version__question__dimension"
    ):
        version = row.question_version
        versions[version.pk] = version
        mine = measures.setdefault(row.round_id, set())
        mine.add(f"q{version.pk}")
        if version.question.dimension_id is not None:
            mine.add(f"d{version.question.dimension_id}")
    return RoundQuestions(measures=measures, versions=versions)


@dataclass(frozen=True)
class Participation:
    suppressed: bool
    invited: int | None = None
    responded: int | None = None
    reason: HiddenReason | None = None

    @property
    def rate(self) -> float | None:
        if self.suppressed or not self.invited:
            return None
        return 100.0 * (self.responded or 0) / self.invited


PARTICIPATION_HIDDEN = Participation(suppressed=True, reason=HiddenReason.FEWER_THAN_K)


def participation_from(counts: tuple[int, int] | None) -> Participation:
    """Participation as shown: the engine's counts (A1: at least k invited per block) or hidden."""
    if counts is None:
        return PARTICIPATION_HIDDEN
    return Participation(suppressed=False, invited=counts[0], responded=counts[1])


def participation_checked(*, stored_invited: int | None, now: Participation) -> Participation:
    """A stored summary's participation as it may be shown today: only where the summary had
    it and today's decision shows it, with today's counts (A1, A3)."""
    return PARTICIPATION_HIDDEN if stored_invited is None or now.suppressed else now


@dataclass(frozen=True)
class Comparison:
    """A shown figure against the previous shown figure of its kind (A3b)."""

    verdict: ChangeVerdict
    previous: Cell | None = None
    change: Change | None = None


NOT_ENOUGH = Comparison(verdict=ChangeVerdict.NOT_ENOUGH)


def comparison_get(*, current: Cell, earlier: Iterable[Cell]) -> Comparison:
    """Compare `current` with the previous figure of the same kind, from shown figures only.

    `earlier` are the same group's cells of the earlier rounds, newest first. Rounds that did
    not ask are passed over; a pooled figure passes over the rounds of its own window. The first
    other cell decides: shown and of the same kind (weekly or pooled over as many rounds) gives
    Welch's test on the two shown figures' n, mean and sd; hidden, or of the other kind, gives
    NOT_ENOUGH. Never from sums of hidden weeks (A3b): a p-value from them would let a reader
    solve for the hidden answers and call real a change the shown figures do not support.
    """
    if not current.shown:
        return NOT_ENOUGH
    for cell in earlier:
        if cell.reason == HiddenReason.NOT_ASKED:
            continue
        if current.pooled_rounds > 1 and cell.reason == HiddenReason.POOLED_LATER:
            continue  # a week inside the current pooled figure
        if not cell.shown or cell.pooled_rounds != current.pooled_rounds:
            return NOT_ENOUGH
        change = change_between(before=_stats(cell), after=_stats(current))
        if change is None or math.isnan(change.p_value):
            return Comparison(verdict=ChangeVerdict.NOT_ENOUGH, previous=cell)
        verdict = ChangeVerdict.REAL if change.is_real else ChangeVerdict.WITHIN_NOISE
        return Comparison(verdict=verdict, previous=cell, change=change)
    return NOT_ENOUGH


def _stats(cell: Cell) -> tuple[float, float, int]:
    assert cell.score is not None and cell.n is not None
    return cell.score, cell.sd or 0.0, cell.n


@dataclass(frozen=True)
class CheckedLine:
    """One dimension of a stored summary as it may be shown today."""

    dimension_id: int
    name: str
    score: float
    comparison: Comparison

    @property
    def delta(self) -> float | None:
        return self.comparison.change.delta if self.comparison.change else None

    @property
    def previous(self) -> float | None:
        found = self.comparison.previous
        return found.score if found is not None and self.comparison.change else None

    @property
    def real(self) -> bool:
        return self.comparison.verdict == ChangeVerdict.REAL

    @property
    def p_value(self) -> float | None:
        change = self.comparison.change
        return None if change is None else round(change.p_value, 4)


def summary_lines_checked(
    *, entries: Sequence[Mapping[str, Any]], cells: Sequence[Mapping[int, Cell]]
) -> list[CheckedLine]:
    """A stored summary's dimensions re-checked against today's cells (A1, A3, A3b).

    `cells` are the group's cells per round, the summary's round first, then the earlier rounds
    newest first. A dimension stays only where today's cell is shown with the same score; its
    change is computed again from the shown cells (so a summary stored under an older rule, say
    with a p-value from hidden weeks, never shows it).
    """
    if not cells:
        return []
    now, earlier = cells[0], cells[1:]
    lines = []
    for entry in entries:
        dimension_id = entry.get("dimension")
        if not isinstance(dimension_id, int):
            continue
        cell = now.get(dimension_id)
        score = entry.get("score")
        if cell is None or not cell.shown or score is None:
            continue
        assert cell.score is not None
        if abs(cell.score - float(score)) > 0.05:
            continue  # the roll-ups changed since: the stored line is not today's figure
        comparison = comparison_get(
            current=cell, earlier=(row.get(dimension_id, NOT_ASKED) for row in earlier)
        )
        lines.append(
            CheckedLine(
                dimension_id=dimension_id,
                name=str(entry.get("name", "")),
                score=cell.score,
                comparison=comparison,
            )
        )
    return lines


def listed_trim(
    *, listed: Sequence[tuple[Any, str]], counts: Mapping[Any, Mapping[str, int]], k: int
) -> set[Any]:
    """The subtraction guard of one email (A2): which listed teams may stay.

    `listed` are (key, team path) pairs; `counts` the internal counts per key (never shown).
    Top-down in path order: each listed team is checked against its top-most listed sub-teams,
    and while the rest would isolate 1..k-1 people in some count, the sub-team with the fewest
    respondents is left out (its own listed sub-teams move up). Leaving out a line below a team
    changes no check above it, so one pass suffices (an alert can list every team).
    """
    ordered = sorted(listed, key=lambda item: item[1])
    children: dict[Any, list[tuple[Any, str]]] = {key: [] for key, _path in ordered}
    stack: list[tuple[Any, str]] = []
    for item in ordered:
        while stack and not item[1].startswith(stack[-1][1]):
            stack.pop()
        if stack:
            children[stack[-1][0]].append(item)
        stack.append(item)
    removed: set[Any] = set()
    for key, _path in ordered:
        if key in removed:
            continue
        mine = counts[key]
        tops = children[key]
        while tops and any(
            0 < mine.get(name, 0) - sum(counts[t[0]].get(name, 0) for t in tops) < k
            for name in mine
        ):
            smallest = min(tops, key=lambda t: counts[t[0]].get("responded", 0))
            removed.add(smallest[0])
            tops.remove(smallest)
            tops.extend(children[smallest[0]])
            tops.sort(key=lambda t: t[1])
    return {key for key, _path in listed if key not in removed}

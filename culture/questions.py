"""Question-level detail and eNPS for the team page, each question through the anonymity engine.

A question can have fewer answers than its dimension (people skip items), so each question
version gets its own decision from its own counts, by the same rule as every cell
(`culture.visibility.outcome_decide`): zero answers to a question the round asked look exactly
like 1..k-1 (A3b). eNPS lives here on its -100..100 scale and is never mixed into the 0-100
dimension scores.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from checkins.models import Question, QuestionVersion, Round
from culture.models import QuestionRollup
from culture.scorebook import ScoreBook
from culture.statistics import FAVOURABLE_FROM, SCALE_TOP
from culture.visibility import HiddenReason, Verdict, outcome_decide
from org.models import Team


@dataclass(frozen=True)
class QuestionFigure:
    version: QuestionVersion
    round: Round | None  # the period the figure belongs to (its last round when pooled)
    suppressed: bool
    reason: HiddenReason | None = None  # why it is hidden; the same below k whatever the count
    n: int | None = None
    favourable_pct: float | None = None
    enps: float | None = None
    pooled_rounds: int = 1

    @property
    def is_enps(self) -> bool:
        return self.version.question.scale == Question.Scale.ZERO_TEN


def _figure(version: QuestionVersion, rnd: Round, counts: dict[int, int], pooled: int):
    n = sum(counts.values())
    question = version.question
    if question.scale == Question.Scale.ZERO_TEN:
        promoters = sum(c for v, c in counts.items() if v >= 9)
        detractors = sum(c for v, c in counts.items() if v <= 6)
        return QuestionFigure(
            version=version, round=rnd, suppressed=False, n=n, pooled_rounds=pooled,
            enps=round(100.0 * (promoters - detractors) / n, 0),
        )  # fmt: skip
    scale = Question.Scale(question.scale)
    top, start = SCALE_TOP[scale], FAVOURABLE_FROM[scale]
    favourable = sum(
        c for v, c in counts.items() if (top + 1 - v if question.reverse_scored else v) >= start
    )
    return QuestionFigure(
        version=version, round=rnd, suppressed=False, n=n, pooled_rounds=pooled,
        favourable_pct=round(100.0 * favourable / n, 0),
    )  # fmt: skip


def _n_week(week: Callable[[int, int], dict[int, int]], version_id: int, round_id: int) -> int:
    return sum(week(version_id, round_id).values())


def _n_window(
    window: Callable[[int, list[int]], dict[int, int]], version_id: int, keys: list[int]
) -> int:
    return sum(window(version_id, keys).values())


def question_figures_get(
    *, book: ScoreBook, team: Team, latest: list[Round]
) -> list[QuestionFigure]:
    """The newest figure the rules allow per question asked in `latest` (one query, plus the
    rounds' question sets once per score book).

    A question is listed when a round's question set asked it (the same for every team), never
    because someone answered it; a question with no shown figure says why, by the newest round
    that asked it: the same reason for 0 answers as for 1..k-1 (A3b)."""
    counts = _QuestionCounts.load(team=team, rounds=book.rounds)
    figures = []
    for version in _versions_asked(book=book, latest=latest):
        found = _figure_newest(book=book, team=team, latest=latest, version=version, counts=counts)
        if found is not None:
            figures.append(found)
    figures.sort(
        key=lambda f: (f.is_enps, f.version.question.dimension_id or 0, f.version.question.position)
    )
    return figures


@dataclass(frozen=True)
class _QuestionCounts:
    """A team's answer counts per (question version, round), subteams included."""

    by_key: dict[tuple[int, int], dict[int, int]]

    @classmethod
    def load(cls, *, team: Team, rounds: list[Round]) -> _QuestionCounts:
        rows = QuestionRollup.objects.filter(
            includes_subteams=True, team_id=team.pk, round_id__in=[r.pk for r in rounds]
        ).values_list("round_id", "question_version_id", "counts")
        return cls(
            {
                (version_id, round_id): {int(v): c for v, c in found.items()}
                for round_id, version_id, found in rows
            }
        )

    def week(self, version_id: int, round_id: int) -> dict[int, int]:
        return self.by_key.get((version_id, round_id), {})

    def window(self, version_id: int, keys: list[int]) -> dict[int, int]:
        pooled: dict[int, int] = defaultdict(int)
        for key in keys:
            for value, count in self.week(version_id, key).items():
                pooled[value] += count
        return dict(pooled)


def _versions_asked(*, book: ScoreBook, latest: list[Round]) -> list[QuestionVersion]:
    """The scored question versions some round of `latest` asked (by its question set)."""
    asked = {
        int(measure[1:])
        for rnd in latest
        for measure in book.asked.measures.get(rnd.pk, ())
        if measure.startswith("q")
    }
    return [
        version
        for pk, version in book.asked.versions.items()
        if pk in asked and version.question.scale != Question.Scale.TEXT
    ]


def _figure_newest(
    *,
    book: ScoreBook,
    team: Team,
    latest: list[Round],
    version: QuestionVersion,
    counts: _QuestionCounts,
) -> QuestionFigure | None:
    """The newest weekly or pooled figure of one question the rules allow, or the reason none
    is shown (None: no round of the view asked this team)."""
    version_id = version.pk
    measure = f"q{version_id}"
    reason: HiddenReason | None = None
    for rnd in latest:
        keys = book.window_keys(rnd)
        outcome = outcome_decide(
            verdict=book.decision(node=team.pk, measure=measure, round=rnd),
            asked=book.asks(node=team.pk, measure=measure, round=rnd),
            small=book.small(node=team.pk, round=rnd),
            k=rnd.min_group_size,
            n_week=functools.partial(_n_week, counts.week, version_id, rnd.pk),
            n_window=functools.partial(_n_window, counts.window, version_id, keys),
        )
        if outcome == Verdict.WEEKLY:
            return _figure(version, rnd, counts.week(version_id, rnd.pk), 1)
        if outcome == Verdict.POOLED:
            # The window's round as the score book holds it (with its window's annotations).
            pooled_round = next(r for r in book.rounds if r.pk == rnd.pk)
            return _figure(version, pooled_round, counts.window(version_id, keys), len(keys))
        if reason is None and outcome != HiddenReason.NOT_ASKED:
            reason = HiddenReason(outcome)
    if reason is None:
        return None
    return QuestionFigure(version=version, round=None, suppressed=True, reason=reason)

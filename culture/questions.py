"""Question-level detail and eNPS for the team page, each question through the anonymity engine.

A question can have fewer answers than its dimension (people skip items), so each question
version gets its own decision from its own counts; eNPS lives here on its -100..100 scale and is
never mixed into the 0-100 dimension scores.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from checkins.models import Question, QuestionVersion, Round
from culture.models import QuestionRollup
from culture.scorebook import ScoreBook
from culture.statistics import FAVOURABLE_FROM, SCALE_TOP
from org.models import Team


@dataclass(frozen=True)
class QuestionFigure:
    version: QuestionVersion
    round: Round | None  # the period the figure belongs to (its last round when pooled)
    suppressed: bool
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


def question_figures_get(
    *, book: ScoreBook, team: Team, latest: list[Round]
) -> list[QuestionFigure]:
    """The newest figure the engine allows per question asked in `latest` (two queries)."""
    round_ids = [r.pk for r in book.rounds]
    mine: dict[tuple[int, int], dict[int, int]] = {}
    for round_id, version_id, counts in QuestionRollup.objects.filter(
        includes_subteams=True, team_id=team.pk, round_id__in=round_ids
    ).values_list("round_id", "question_version_id", "counts"):
        mine[(version_id, round_id)] = {int(v): c for v, c in counts.items()}
    asked = {
        int(measure[1:])
        for rnd in latest
        for measure, keys in (
            book.windows[rnd.pk].measures if rnd.pk in book.windows else {}
        ).items()
        if measure.startswith("q") and rnd.pk in keys
    }
    versions = {
        v.pk: v
        for v in QuestionVersion.objects.filter(pk__in=asked)
        .exclude(question__scale=Question.Scale.TEXT)
        .select_related("question__dimension")
    }
    by_pk = {r.pk: r for r in book.rounds}
    figures = []
    for version_id, version in versions.items():
        found = QuestionFigure(version=version, round=None, suppressed=True)
        for rnd in latest:
            verdict = book.decision(node=team.pk, measure=f"q{version_id}", round=rnd)
            if verdict is None or (version_id, rnd.pk) not in mine:
                continue
            if verdict == "weekly":
                found = _figure(version, rnd, mine[(version_id, rnd.pk)], 1)
                break
            if verdict == "pooled":
                keys = book.window_keys(rnd)
                pooled: dict[int, int] = defaultdict(int)
                for key in keys:
                    for value, count in mine.get((version_id, key), {}).items():
                        pooled[value] += count
                found = _figure(version, by_pk[rnd.pk], dict(pooled), len(keys))
                break
        figures.append(found)
    figures.sort(
        key=lambda f: (f.is_enps, f.version.question.dimension_id or 0, f.version.question.position)
    )
    return figures

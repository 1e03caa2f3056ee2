"""Question-level detail and eNPS for the team page, each question through the anonymity engine.

A question can have fewer answers than its dimension (people skip items), so each question
version gets its own decision from its own counts; eNPS lives here on its -100..100 scale and is
never mixed into the 0-100 dimension scores.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from checkins.models import Question, QuestionVersion, Round
from culture.models import QuestionRollup
from culture.scorebook import ScoreBook, plans_for_survey_rounds
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
    own: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    mine: dict[tuple[int, int], dict[int, int]] = {}
    for round_id, team_id, version_id, subtree, n, counts in QuestionRollup.objects.filter(
        Q(includes_subteams=False) | Q(includes_subteams=True, team_id=team.pk),
        round_id__in=round_ids,
    ).values_list("round_id", "team_id", "question_version_id", "includes_subteams", "n", "counts"):
        if subtree:
            mine[(version_id, round_id)] = {int(v): c for v, c in counts.items()}
        else:
            own[version_id][round_id][team_id] = n
    latest_ids = {r.pk for r in latest}
    asked = {v for v, rounds in own.items() if latest_ids & set(rounds)}
    versions = {
        v.pk: v
        for v in QuestionVersion.objects.filter(pk__in=asked)
        .exclude(question__scale=Question.Scale.TEXT)
        .select_related("question__dimension")
    }
    by_pk = {r.pk: r for r in book.rounds}
    figures = []
    for version_id, version in versions.items():
        plans = plans_for_survey_rounds(
            parents=book.parents, rounds=book.rounds,
            own_by_round=own[version_id], invited_own=book.invited_own,
        )  # fmt: skip
        found = QuestionFigure(version=version, round=None, suppressed=True)
        for rnd in latest:
            plan = plans.get(rnd.pk)
            if plan is None or (version_id, rnd.pk) not in mine:
                continue
            if team.pk in plan.weekly.get(rnd.pk, set()):
                found = _figure(version, rnd, mine[(version_id, rnd.pk)], 1)
                break
            if team.pk in plan.pooled and rnd.pk == plan.round_keys[-1]:
                pooled: dict[int, int] = defaultdict(int)
                for key in plan.round_keys:
                    for value, count in mine.get((version_id, key), {}).items():
                        pooled[value] += count
                found = _figure(version, by_pk[rnd.pk], dict(pooled), len(plan.round_keys))
                break
        figures.append(found)
    figures.sort(
        key=lambda f: (f.is_enps, f.version.question.dimension_id or 0, f.version.question.position)
    )
    return figures

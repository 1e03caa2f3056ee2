"""What the API may return about scores: every figure comes from the anonymity engine.

Nothing here computes or hides a figure itself. Dimension cells come from
`culture.selectors.team_scores_get` (one team) or `scorebook_build` + `score_rows` (a subtree, as
the organisation heatmap does); question figures from `culture.questions.question_figures_get`;
trend summaries are stored engine output, re-checked by `culture.visibility` against today's
cells (changes computed again from shown figures only, A3b). A hidden cell becomes
{"suppressed": true, "reason": <a `HiddenReason` code>} with no number at all.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from checkins import models as checkin_models
from checkins.models import Question, Round
from checkins.services.responses import round_questions
from culture.models import TeamRoundSummary
from culture.questions import QuestionFigure, question_figures_get
from culture.scorebook import scorebook_build
from culture.selectors import RoundRow, score_rows, team_page_get, team_scores_get
from culture.visibility import (
    NOT_ASKED,
    Cell,
    HiddenReason,
    Participation,
    participation_checked,
    summary_lines_checked,
)
from org.csv_cells import SafeCsvWriter
from org.models import Team

MAX_ROUNDS = 104


def teams_nested_data(*, teams: list[Team]) -> list[dict]:
    """The teams nested under their parents: the top ones of the list (a parent outside it counts
    as none), each with its sub-teams to any depth. Parents come before their children."""
    nodes: dict[int, dict] = {t.pk: {"id": t.pk, "name": t.name, "children": []} for t in teams}
    roots: list[dict] = []
    for team in teams:
        parent = nodes.get(team.parent_id) if team.parent_id else None
        (parent["children"] if parent else roots).append(nodes[team.pk])
    return roots


def checkin_open_data(*, participation: checkin_models.Participation) -> dict:
    """An open check-in as the API lists it: its round and its questions in the person's
    language, each with its scale."""
    rnd = participation.round
    questions = []
    for rq in round_questions(round=rnd):
        version = rq.question_version
        low, high = version.question.scale_points
        scored = version.question.scale != Question.Scale.TEXT
        questions.append(
            {
                "question_version": version.pk, "code": version.question.code,
                "text": version.text_in(participation.person.language),
                "scale": version.question.scale,
                "low": low if scored else None, "high": high if scored else None,
            }
        )  # fmt: skip
    return {
        "round": rnd.pk,
        "survey": rnd.survey.name,
        "period_start": rnd.period_start,
        "closes_at": rnd.closes_at,
        "questions": questions,
    }


def cell_data(cell: Cell) -> dict[str, Any] | None:
    """A cell as the API shows it; None when the dimension was not asked that period."""
    if cell is NOT_ASKED or (not cell.suppressed and cell.score is None):
        return None
    if cell.suppressed or cell.score is None:
        # A3b: a stable code, the same for every count below k; words are the client's.
        return {"suppressed": True, "reason": (cell.reason or HiddenReason.FEWER_THAN_K).value}
    return {
        "suppressed": False,
        "n": cell.n,
        "mean": cell.score,
        "ci_low": cell.ci_low,
        "ci_high": cell.ci_high,
        "favourable_pct": cell.favourable_pct,
        "pooled_rounds": cell.pooled_rounds,
    }


def participation_data(participation: Participation) -> dict[str, Any]:
    if participation.suppressed:
        reason = participation.reason or HiddenReason.FEWER_THAN_K
        return {"suppressed": True, "reason": reason.value}
    rate = participation.rate
    return {
        "suppressed": False,
        "invited": participation.invited,
        "responded": participation.responded,
        "rate": None if rate is None else round(rate, 1),
    }


def question_data(figure: QuestionFigure) -> dict[str, Any]:
    question = figure.version.question
    data: dict[str, Any] = {
        "question": question.pk,
        "code": question.code,
        "version": figure.version.number,
        "dimension": question.dimension_id,
    }
    if figure.suppressed:
        reason = figure.reason or HiddenReason.FEWER_THAN_K
        data["figure"] = {"suppressed": True, "reason": reason.value}
    else:
        data["figure"] = {
            "suppressed": False,
            "n": figure.n,
            "favourable_pct": figure.favourable_pct,
            "enps": figure.enps,
            "pooled_rounds": figure.pooled_rounds,
        }
    return data


def round_data(rnd: Round) -> dict[str, Any]:
    return {
        "id": rnd.pk,
        "survey": rnd.survey_id,
        "number": rnd.number,
        "period_start": rnd.period_start,
        "min_group_size": rnd.min_group_size,
    }


def _in_range(rnd: Round, period_from: dt.date | None, period_to: dt.date | None) -> bool:
    return (period_from is None or rnd.period_start >= period_from) and (
        period_to is None or rnd.period_start <= period_to
    )


@dataclass(frozen=True)
class ScoreQuery:
    n_rounds: int = 12
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    questions: bool = True


def team_scores_data(*, team: Team, query: ScoreQuery) -> dict[str, Any]:
    """Per period (closed, rolled-up round, newest first): participation, dimensions, questions."""
    scores = team_scores_get(team=team, n_rounds=min(query.n_rounds, MAX_ROUNDS))
    rows = [r for r in scores.rows if _in_range(r.round, query.period_from, query.period_to)]
    questions: dict[int, list[QuestionFigure]] = {}
    if query.questions and rows:
        book = scorebook_build(latest_ids=[r.round.pk for r in scores.rows], teams=[team.pk])
        for row in rows:
            # One period at a time: the figure the engine allows for that round, if any.
            questions[row.round.pk] = question_figures_get(book=book, team=team, latest=[row.round])
    names = {d.pk: d for d in scores.dimensions}
    periods = []
    for row in rows:
        dimensions = []
        for dimension_id, cell in row.cells.items():
            data = cell_data(cell)
            if data is not None:
                dimension = names[dimension_id]
                dimensions.append({"dimension": dimension.pk, "key": dimension.key, "figure": data})
        periods.append(
            {
                "round": round_data(row.round),
                "participation": participation_data(row.participation),
                "dimensions": dimensions,
                "questions": [question_data(f) for f in questions.get(row.round.pk, [])],
            }
        )
    return {"team": team.pk, "periods": periods}


def subtree_score_rows(
    *, team: Team, n_rounds: int, period_from: dt.date | None, period_to: dt.date | None
) -> list[tuple[Team, list[RoundRow], list]]:
    """Rows for every team of a subtree from one score book, like the organisation heatmap."""
    latest = [r.round for r in team_scores_get(team=team, n_rounds=min(n_rounds, MAX_ROUNDS)).rows]
    teams = list(Team.objects.subtree_of(team).order_by("path"))
    book = scorebook_build(latest_ids=[r.pk for r in latest], teams=[t.pk for t in teams])
    wanted = [r for r in latest if _in_range(r, period_from, period_to)]
    return [(t, score_rows(book=book, team_id=t.pk, rounds=wanted), book.dimensions) for t in teams]


EXPORT_COLUMNS = [
    "team_id", "team", "team_path", "survey_id", "round_id", "round_number", "period_start",
    "dimension", "suppressed", "reason", "n", "mean", "ci_low", "ci_high", "favourable_pct",
    "pooled_rounds",
]  # fmt: skip


def scores_export_csv(
    *, team: Team, n_rounds: int, period_from: dt.date | None, period_to: dt.date | None
) -> tuple[str, int]:
    """The aggregated scores of a subtree as CSV text, and its number of data rows."""
    names = {t.pk: t.name for t in Team.objects.only("id", "name")}
    out = io.StringIO()
    # Team names are typed by HR: every text cell is neutralised against formula injection.
    writer = SafeCsvWriter(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for sub, rows, dimensions in subtree_score_rows(
        team=team, n_rounds=n_rounds, period_from=period_from, period_to=period_to
    ):
        path = " / ".join(names[int(pk)] for pk in sub.path.strip("/").split("/"))
        for row in rows:
            for dimension in dimensions:
                data = cell_data(row.cells[dimension.pk])
                if data is None:
                    continue
                writer.writerow(
                    [
                        sub.pk, sub.name, path, row.round.survey_id, row.round.pk,
                        row.round.number, row.round.period_start.isoformat(), dimension.key,
                        "true" if data["suppressed"] else "false", data.get("reason", ""),
                        *(data.get(c, "") for c in
                          ("n", "mean", "ci_low", "ci_high", "favourable_pct", "pooled_rounds")),
                    ]
                )  # fmt: skip
                count += 1
    return out.getvalue(), count


def team_summaries_data(
    *,
    team: Team,
    n_rounds: int = 12,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Stored trend summaries, re-checked against today's cells by `culture.visibility`: a
    dimension or a participation count appears only where the team's scores show it now, and
    every change, p-value and "real change" is computed again from shown figures (A3b).

    `period_from`/`period_to` pick rounds among the latest `n_rounds` by period start, as the
    scores do; a picked round is still compared with its previous round, picked or not."""
    scores = team_scores_get(team=team, n_rounds=min(n_rounds, MAX_ROUNDS))
    index = {
        row.round.pk: i
        for i, row in enumerate(scores.rows)
        if _in_range(row.round, period_from, period_to)
    }
    found = []
    for summary in TeamRoundSummary.objects.filter(team=team, round_id__in=list(index)).order_by(
        "-round__period_start", "-round_id"
    ):
        at = index[summary.round_id]
        row = scores.rows[at]
        lines = summary_lines_checked(
            entries=summary.dimensions, cells=[r.cells for r in scores.rows[at:]]
        )
        dimensions = [
            {
                "dimension": line.dimension_id,
                "name": line.name,
                "score": line.score,
                "previous": line.previous,
                "delta": line.delta,
                "p_value": line.p_value,
                "real_change": line.real,
                "change": line.comparison.verdict.value,
            }
            for line in lines
        ]
        participation = participation_checked(stored_invited=summary.invited, now=row.participation)
        rate = participation.rate
        ranked = {line.dimension_id for line in lines}
        found.append(
            {
                "round": round_data(row.round),
                "invited": participation.invited,
                "responded": participation.responded,
                "participation_rate": None if rate is None else round(rate, 1),
                "low_participation": summary.low_participation and not participation.suppressed,
                "real_drop": any(line.real and (line.delta or 0) < 0 for line in lines),
                "strongest": summary.strongest_id if summary.strongest_id in ranked else None,
                "weakest": summary.weakest_id if summary.weakest_id in ranked else None,
                "dimensions": dimensions,
            }
        )
    return found


def focus_areas_data(*, team: Team) -> list[dict[str, Any]]:
    """Active focus areas as the team page shows them (how far the visible figure moved)."""
    page = team_page_get(team=team)
    return [
        {
            "id": focus.area.pk,
            "dimension": focus.area.dimension_id,
            "created_at": focus.area.created_at,
            "baseline_score": focus.area.baseline_score,
            "moved": focus.moved,
            "actions": [
                {"id": a.pk, "text": a.text, "follow_up_on": a.follow_up_on, "done": a.done}
                for a in focus.area.actions.all()
            ],
        }
        for focus in page.focus.values()
    ]

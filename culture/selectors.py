"""What a viewer may see. Every figure on a page goes through the anonymity engine here.

The engine (culture/anonymity.py) decides from respondent counts which subtree figures may be
shown, for the whole organisation at once (A1, A2, A3); this module loads roll-ups of closed,
rolled-up rounds only (A5) through `scorebook_build` and asks `culture.visibility` for each cell,
change and re-checked summary line (A3b). No selector returns who answered (A7): participation
is a count, shown only where the engine allows it.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from checkins.models import Dimension, Message, Response, Round, RoundTeam, Thread
from checkins.services.conversations import messages_for_staff_many, thread_is_live
from culture.anonymity import ORG
from culture.drivers import DriverSet, Score, driver_sets_get
from culture.models import FocusArea
from culture.questions import QuestionFigure, question_figures_get
from culture.scorebook import ScoreBook, scorebook_build
from culture.selectors_themes import ShownTheme, themes_shown_get
from culture.starters import needs_starters, starters_for
from culture.statistics import Change
from culture.visibility import (
    NOT_ASKED,
    NOT_ENOUGH,
    Cell,
    ChangeVerdict,
    CheckedLine,
    Comparison,
    HiddenReason,
    Participation,
    comparison_get,
    participation_checked,
    participation_from,
    reason_told,
    summary_lines_checked,
)
from org.models import Person, Team, path_ids
from org.selectors import teams_led_get

__all__ = ["NOT_ASKED", "Cell", "Participation", "RoundRow", "TeamScores", "team_scores_get"]


@dataclass
class RoundRow:
    round: Round
    participation: Participation
    cells: dict[int, Cell] = field(default_factory=dict)


@dataclass
class TeamScores:
    team: Team
    dimensions: list[Dimension]
    rows: list[RoundRow]  # newest first


def score_rows(*, book: ScoreBook, team_id: int, rounds: list[Round]) -> list[RoundRow]:
    rows = []
    for rnd in rounds:
        row = RoundRow(
            round=rnd,
            participation=participation_from(book.participation(team_id=team_id, round=rnd)),
        )
        for dimension in book.dimensions:
            row.cells[dimension.pk] = book.cell(
                team_id=team_id, dimension_id=dimension.pk, round=rnd
            )
        rows.append(row)
    return rows


def team_scores_get(*, team: Team, n_rounds: int = 12) -> TeamScores:
    """Scores per dimension for a team's subtree over its latest closed rounds, newest first."""
    book = scorebook_build(latest_of=team, n_rounds=n_rounds, teams=[team.pk])
    latest = book.latest
    return TeamScores(
        team=team,
        dimensions=book.dimensions,
        rows=score_rows(book=book, team_id=team.pk, rounds=latest),
    )


@dataclass(frozen=True)
class DimensionCard:
    dimension: Dimension
    latest: Cell | None
    latest_round: Round | None
    comparison: Comparison = NOT_ENOUGH
    # Why nothing is shown, when no period of the view has a figure (the newest hidden one's).
    hidden_reason: HiddenReason | None = None

    @property
    def change(self) -> Change | None:
        """The change from the previous shown figure of the same kind, if there is one (A3b)."""
        return self.comparison.change

    @property
    def real(self) -> bool:
        return self.comparison.verdict == ChangeVerdict.REAL


def card_from(dimension: Dimension, cells: Iterable[tuple[Round, Cell]]) -> DimensionCard:
    """A card from one dimension's cells, newest first: the newest shown figure and how it
    compares with the previous shown figure of its kind. Reads the cells only as far as needed
    (the heatmap computes them lazily)."""
    found = iter(cells)
    reason: HiddenReason | None = None
    for rnd, cell in found:
        if cell.shown:
            comparison = comparison_get(current=cell, earlier=(c for _r, c in found))
            return DimensionCard(
                dimension=dimension, latest=cell, latest_round=rnd, comparison=comparison
            )
        if cell.suppressed and reason is None:
            reason = cell.reason
    return DimensionCard(dimension=dimension, latest=None, latest_round=None, hidden_reason=reason)


def dimension_cards(scores: TeamScores) -> list[DimensionCard]:
    """Latest visible figure per dimension and its change from the period before (Welch)."""
    return [
        card_from(dimension, ((row.round, row.cells[dimension.pk]) for row in scores.rows))
        for dimension in scores.dimensions
    ]


@dataclass(frozen=True)
class Focus:
    area: FocusArea
    moved: float | None  # points since the focus was set, from visible figures only


@dataclass(frozen=True)
class Starters:
    dimension: Dimension
    prompts: list[str]
    why: str  # "low" or "falling"


@dataclass(frozen=True)
class SummaryLine:
    dimension: Dimension
    line: CheckedLine

    @property
    def score(self) -> float:
        return self.line.score

    @property
    def delta(self) -> float | None:
        return self.line.delta

    @property
    def real(self) -> bool:
        return self.line.real

    @property
    def compared(self) -> bool:
        return self.line.comparison.verdict != ChangeVerdict.NOT_ENOUGH


@dataclass(frozen=True)
class SummaryView:
    """The team's latest stored trend summary (issue 6), each figure re-checked by the engine."""

    round: Round
    participation: Participation
    lines: list[SummaryLine]
    strongest: Dimension | None = None
    weakest: Dimension | None = None

    @property
    def real_changes(self) -> list[SummaryLine]:
        return [line for line in self.lines if line.real]

    @property
    def within_noise(self) -> list[SummaryLine]:
        return [line for line in self.lines if line.compared and not line.real]

    @property
    def not_compared(self) -> list[SummaryLine]:
        return [line for line in self.lines if not line.compared]


def summary_view_get(*, book: ScoreBook, team: Team) -> SummaryView | None:
    """The newest stored summary of the team's subtree among the page's rounds.

    The summary was written through the engine when its round closed; `culture.visibility`
    checks it again here, figure by figure, against today's cells (a figure the engine would not
    show now, or that no longer matches the roll-ups, is left out, and every change is computed
    again from shown figures only, A3b), so it can never show more than the rest of the page.
    """
    dimensions = {d.pk: d for d in book.dimensions}
    for index, rnd in enumerate(book.latest):
        data: Any = getattr(rnd, "team_summary", None)
        if data is None:
            continue
        if isinstance(data, str):  # SQLite nests JSON as text
            data = json.loads(data)
        entries = data.get("dimensions") or []
        if isinstance(entries, str):
            entries = json.loads(entries)
        participation = participation_checked(
            stored_invited=data.get("invited"),
            now=participation_from(book.participation(team_id=team.pk, round=rnd)),
        )
        cells = [
            {d.pk: book.cell(team_id=team.pk, dimension_id=d.pk, round=r) for d in book.dimensions}
            for r in book.latest[index:]
        ]
        lines = [
            SummaryLine(dimension=dimensions[line.dimension_id], line=line)
            for line in summary_lines_checked(entries=entries, cells=cells)
            if line.dimension_id in dimensions
        ]
        shown = {line.dimension.pk for line in lines}
        two = len(lines) >= 2
        return SummaryView(
            round=rnd,
            participation=participation,
            lines=lines,
            strongest=dimensions.get(data.get("strongest"))
            if two and data.get("strongest") in shown
            else None,
            weakest=dimensions.get(data.get("weakest"))
            if two and data.get("weakest") in shown
            else None,
        )
    return None


# The team page shows the comments of the latest four rounds (A4).
COMMENT_ROUNDS = 4


@dataclass
class ShownComment:
    """A comment as the team page shows it (A4) and, if its author opted in, its conversation
    with the messages staff may see (ADR 0031): a thread is shown exactly where its comment is."""

    round: Round
    text: str
    thread: Thread | None = None
    messages: list[Message] = field(default_factory=list)
    live: bool = False  # the round was reshuffled: staff may act on the thread
    themes: list[int] = field(default_factory=list)  # positions of the shown themes it is in


@dataclass
class TeamPage:
    scores: TeamScores
    cards: list[DimensionCard]
    organisation: TeamScores
    subteams: list[tuple[Team, dict[int, Cell]]]
    k: int
    focus: dict[int, Focus] = field(default_factory=dict)  # by dimension id
    starters: list[Starters] = field(default_factory=list)
    comments: list[ShownComment] = field(default_factory=list)
    questions: list[QuestionFigure] = field(default_factory=list)
    summary: SummaryView | None = None
    drivers: list[DriverSet] = field(default_factory=list)  # ADR 0032
    themes: list[ShownTheme] = field(default_factory=list)  # of one comment round (A4)

    def theme_comments(self, position: int | None) -> tuple[ShownTheme | None, list[ShownComment]]:
        """The theme at `position` and the shown comments it groups (all of them, and no theme,
        when there is no such theme): a theme links to comments the page lists anyway."""
        theme = next((t for t in self.themes if t.position == position), None)
        if theme is None:
            return None, self.comments
        return theme, [c for c in self.comments if position in c.themes]

    @property
    def hidden_reason(self) -> HiddenReason | None:
        """Why the team's own figures are all hidden in the period (None when any is shown):
        protecting a smaller group first, since that is the reason a manager cannot guess."""
        if not self.cards or any(card.latest is not None for card in self.cards):
            return None
        told = reason_told(card.hidden_reason for card in self.cards)
        return told or HiddenReason.FEWER_THAN_K

    @property
    def subteams_shown(self) -> list[Team]:
        """The teams below with at least one figure of their own in the period."""
        return [team for team, cells in self.subteams if any(c.shown for c in cells.values())]

    @property
    def focus_suggested_id(self) -> int | None:
        """The dimension "set focus" proposes: the first that fell for real, else the first low
        one, else none (the manager chooses)."""
        for why in ("falling", "low"):
            for item in self.starters:
                if item.why == why:
                    return item.dimension.pk
        return None


def _comment_rows(*, book: ScoreBook, team: Team, rounds: list[Round]):
    """A4: the responses whose comments the team's page shows: slices with at least ten
    respondents, in the team's subtree of each round's frozen tree (A3), so a later move, merge or
    split neither adds a comment to it nor takes one away. None when no round allows comments."""
    allowed = [r.pk for r in rounds if book.comments_allowed(team_id=team.pk, round=r)]
    if not allowed:
        return None
    frozen_path = RoundTeam.objects.filter(round_id=OuterRef("round_id"), team_id=team.pk)
    in_subtree = RoundTeam.objects.filter(
        round_id=OuterRef("round_id"),
        team_id=OuterRef("team_id"),
        path__startswith=Subquery(frozen_path.values("path")[:1]),
    )
    return (
        Response.objects.filter(round_id__in=allowed).filter(Exists(in_subtree)).exclude(comment="")
    )


def _comments_get(
    *, book: ScoreBook, team: Team, rounds: list[Round], themes: list[ShownTheme] | None = None
) -> list[ShownComment]:
    """A4: comments of slices with at least ten respondents, dated by round, in random order,
    each with its conversation if there is one (only the author's delivered messages) and the
    positions of the shown `themes` it belongs to."""
    rows = _comment_rows(book=book, team=team, rounds=rounds)
    if rows is None:
        return []
    by_id = {r.pk: r for r in rounds}
    now = timezone.now()
    # One query for the comments and their threads (a reverse one-to-one joins in).
    responses = list(rows.select_related("thread"))
    for response in responses:
        response.round = by_id[response.round_id]  # the page's rounds: no query per thread
    threads = [r.thread for r in responses if hasattr(r, "thread")]
    messages = messages_for_staff_many(threads=threads, now=now)  # one query for all
    found = []
    for response in responses:
        thread = getattr(response, "thread", None)
        found.append(
            ShownComment(
                round=by_id[response.round_id],
                text=response.comment,
                thread=thread,
                messages=messages.get(thread.pk, []) if thread else [],
                live=thread_is_live(thread) if thread else False,
                themes=[
                    t.position
                    for t in themes or []
                    if t.round.pk == response.round_id and t.groups(response.comment)
                ],
            )
        )
    # Random order, so the position of a comment says nothing about when or by whom it came.
    secrets.SystemRandom().shuffle(found)
    return found


def team_threads_get(*, team: Team) -> list[ShownComment]:
    """The conversations on the comments the team page shows right now, in random order (the
    API's list; the page shows the same ones beside their comments)."""
    book = scorebook_build(latest_of=team, n_rounds=COMMENT_ROUNDS, teams=[team.pk, ORG])
    return [c for c in _comments_get(book=book, team=team, rounds=book.latest[:COMMENT_ROUNDS])
            if c.thread is not None]  # fmt: skip


def team_comment_rows_get(*, team: Team):
    """The responses whose comments this team's page shows right now (the same score book and
    rows as `team_page_get`), or None when it shows none (A4)."""
    book = scorebook_build(latest_of=team, n_rounds=COMMENT_ROUNDS, teams=[team.pk, ORG])
    return _comment_rows(book=book, team=team, rounds=book.latest[:COMMENT_ROUNDS])


def comment_thread_get(*, team: Team, thread_id: uuid.UUID) -> Thread | None:
    """The thread, if its comment is shown on this team's page right now: a thread is reachable
    by staff exactly where its comment is."""
    rows = team_comment_rows_get(team=team)
    if rows is None:
        return None
    return (
        Thread.objects.filter(pk=thread_id, response__in=rows)
        .select_related("response__round")
        .first()
    )


def _focus_from(area: FocusArea, cell: Cell | None) -> Focus:
    """A focus area and how far its dimension moved since it was set, from a shown cell only."""
    moved = None
    if cell is not None and cell.score is not None and area.baseline_score is not None:
        moved = round(cell.score - area.baseline_score, 1)
    return Focus(area=area, moved=moved)


def _focus_get(*, team: Team, cards: list[DimensionCard]) -> dict[int, Focus]:
    latest = {card.dimension.pk: card.latest for card in cards}
    return {
        area.dimension_id: _focus_from(area, latest.get(area.dimension_id))
        for area in FocusArea.objects.filter(team=team, is_active=True).prefetch_related("actions")
    }


def _starters_get(cards: list[DimensionCard]) -> list[Starters]:
    out = []
    for card in cards:
        falling = bool(card.real and card.change and card.change.delta < 0)
        score = card.latest.score if card.latest else None
        if needs_starters(score=score, falling=falling):
            out.append(
                Starters(
                    dimension=card.dimension,
                    prompts=starters_for(dimension_key=card.dimension.key),
                    why="falling" if falling else "low",
                )
            )
    return out


def team_page_get(*, team: Team, n_rounds: int = 12) -> TeamPage:
    """Everything the team page shows, from one score book (a bounded number of queries)."""
    # The score book loads the tree anyway, so it finds the children without another query.
    book = scorebook_build(
        latest_of=team,
        n_rounds=n_rounds,
        teams=[team.pk, ORG],
        with_children_of=team.pk,
        with_themes=True,
    )
    latest = book.latest
    children = book.children_of(team)
    scores = TeamScores(
        team=team,
        dimensions=book.dimensions,
        rows=score_rows(book=book, team_id=team.pk, rounds=latest),
    )
    organisation = TeamScores(
        team=team,
        dimensions=book.dimensions,
        rows=score_rows(book=book, team_id=ORG, rounds=latest),
    )
    subteams = []
    for child in children:
        cells: dict[int, Cell] = {}
        for dimension in book.dimensions:
            # The newest figure the engine allows for the child, else why it is hidden.
            found: Cell = NOT_ASKED
            for rnd in latest:
                cell = book.cell(team_id=child.pk, dimension_id=dimension.pk, round=rnd)
                if cell.shown:
                    found = cell
                    break
                if cell.suppressed and found is NOT_ASKED:
                    found = cell  # hidden: carries only why, never a number
            cells[dimension.pk] = found
        subteams.append((child, cells))
    k = latest[0].min_group_size if latest else 5
    cards = dimension_cards(scores)
    themes = themes_shown_get(book=book, team_id=team.pk, rounds=latest[:COMMENT_ROUNDS])
    return TeamPage(
        scores=scores,
        cards=cards,
        organisation=organisation,
        subteams=subteams,
        k=k,
        focus=_focus_get(team=team, cards=cards),
        starters=_starters_get(cards),
        comments=_comments_get(book=book, team=team, rounds=latest[:COMMENT_ROUNDS], themes=themes),
        questions=question_figures_get(book=book, team=team, latest=latest),
        summary=summary_view_get(book=book, team=team),
        drivers=driver_sets_get(
            book=book, team_id=team.pk, rounds=latest, scores=scores_from_cards(cards)
        ),
        themes=themes,
    )


def scores_from_cards(cards: Iterable[DimensionCard]) -> dict[int, Score]:
    """What "where to focus" needs of each dimension: its newest shown score, and whether it
    fell for real (a shown change, A3b)."""
    return {
        card.dimension.pk: Score(
            value=card.latest.score if card.latest else None,
            falling=bool(card.real and card.change and card.change.delta < 0),
        )
        for card in cards
    }


@dataclass
class EmployeeView:
    """What an employee sees of their team's results: "you said, we did"."""

    team: Team  # the smallest group around them whose figures are shown (their own team first)
    own_team: bool
    cards: list[DimensionCard]
    focus: list[Focus]  # what the manager set, with its actions


# How far up the tree the employee home looks for a group with figures (own team, then above).
EMPLOYEE_VIEW_LEVELS = 3


def employee_view_get(*, person: Person) -> EmployeeView | None:
    """The latest released figures of the person's team, exactly as its manager sees them (the
    same score book and visibility rules), and the focus areas with actions set for it. A team
    too small to show anything gives way to the nearest team above it that shows a figure."""
    team = person.team
    if team is None:
        return None
    levels = [team, *Team.objects.filter(pk__in=path_ids(team.path)[:-1]).order_by("-depth")]
    for level, candidate in enumerate(levels[:EMPLOYEE_VIEW_LEVELS]):
        cards = dimension_cards(team_scores_get(team=candidate))
        if any(card.latest is not None for card in cards) or level == len(levels) - 1:
            break
    else:
        candidate, cards = team, dimension_cards(team_scores_get(team=team))
    latest = {card.dimension.pk: card.latest for card in cards}
    focus = []
    areas = FocusArea.objects.filter(team__in=levels, is_active=True).select_related(
        "team", "dimension"
    )
    for area in areas.prefetch_related("actions").order_by("-team__depth", "created_at"):
        cell = latest.get(area.dimension_id) if area.team_id == candidate.pk else None
        focus.append(_focus_from(area, cell))
    return EmployeeView(team=candidate, own_team=candidate.pk == team.pk, cards=cards, focus=focus)


def dashboard_teams_get(*, viewer: Person) -> list[Team]:
    """The teams whose figures a viewer's dashboard shows: the top-most teams they lead.

    HR admins see the root teams (the whole organisation, one figure per root).
    """
    if viewer.is_hr_admin:
        return list(Team.objects.filter(parent__isnull=True).order_by("name"))
    return teams_led_get(person=viewer)


def team_drivers_get(*, team: Team, n_rounds: int = 12) -> tuple[list[DriverSet], list[Round], int]:
    """A team subtree's driver analysis over its latest closed rounds (the API), with the rounds
    it covers and their k."""
    book = scorebook_build(latest_of=team, n_rounds=n_rounds, teams=[team.pk])
    latest = book.latest
    scores = TeamScores(
        team=team,
        dimensions=book.dimensions,
        rows=score_rows(book=book, team_id=team.pk, rounds=latest),
    )
    sets = driver_sets_get(
        book=book,
        team_id=team.pk,
        rounds=latest,
        scores=scores_from_cards(dimension_cards(scores)),
    )
    return sets, latest, latest[0].min_group_size if latest else 5

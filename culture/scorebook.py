"""Loads the roll-ups a page needs with the anonymity engine's decision on them, in a few queries.

A `ScoreBook` holds, for whole windows of closed rounds, the engine's stored verdicts for the
teams the page asks about (decided once per window on every team's own-member counts, so every
viewer and every view length sees the same decision; `culture.services.decisions`) and those
teams' subtree sums. It hands out `Cell`s only, built by the one rule of `culture.visibility`.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import JSONObject

from checkins.models import Dimension, Round, RoundTeam
from culture.anonymity import ORG, WINDOW_ROUNDS, window_of
from culture.models import (
    CommentTheme,
    DimensionRollup,
    DriverRollup,
    NodeDecision,
    ParticipationRollup,
    RoundRollupState,
    TeamRoundSummary,
    WindowDecision,
)
from culture.services.decisions import format_prefix, window_decision_compute
from culture.themes import MAX_THEMES
from culture.visibility import (
    NOT_ASKED,
    PAIR_ZERO,
    Cell,
    HiddenReason,
    Outcome,
    PairRow,
    RoundQuestions,
    Verdict,
    cell_from_sums,
    hidden,
    outcome_decide,
    round_questions_load,
)
from org.models import Team

# A group's additive figures as the score book keeps them (plain tuples: a page reads tens of
# thousands): n, sum and sum of squares of scores, favourable answers, scored answers.
Row = tuple[int, float, float, int, int]
ZERO: Row = (0, 0.0, 0.0, 0, 0)


@dataclass(frozen=True)
class Window:
    """One stored window decision: its rounds (by key, the pooled figure sits on the last) and
    the rounds that asked each measure ("d<dimension id>", "q<question version id>")."""

    round_keys: list[int]
    measures: dict[str, set[int]]


@dataclass
class Shown:
    """What the engine lets one node (a team's subtree, or ORG) show in the loaded windows."""

    weekly: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    pooled: set[tuple[str, int]] = field(default_factory=set)  # (measure, window's last round)
    participation: set[int] = field(default_factory=set)
    comments: set[int] = field(default_factory=set)
    small_in: set[int] = field(default_factory=set)  # rounds whose window pools this node
    grouped: set[int] = field(default_factory=set)  # rounds its people counted in a larger group


NOTHING = Shown()


@dataclass
class ScoreBook:
    rounds: list[Round]  # every closed, rolled-up round of the windows, oldest first
    latest: list[Round]  # the rounds the page shows, newest first
    dimensions: list[Dimension]
    parents: dict[int, int | None]
    windows: dict[int, Window] = field(default_factory=dict)  # by round id
    shown: dict[int, Shown] = field(default_factory=dict)  # by node (team id or ORG)
    windows_by_decision: dict[int, list[int]] = field(default_factory=dict)
    invited: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    subtree: dict[tuple[int, int, int], Row] = field(default_factory=dict)  # (team, dim, round)
    teams: dict[int, Team] = field(default_factory=dict)  # the teams the book was built for
    # Driver sums of products (ADR 0032), read per team on first use.
    pairs: dict[tuple[int, int, int, int], PairRow] = field(default_factory=dict)
    pairs_loaded: set[int] = field(default_factory=set)

    @functools.cached_property
    def roots_by_round(self) -> dict[int, list[int]]:
        """Each loaded round's root teams in its frozen tree (the organisation's figure is their
        sum, A3: today's roots may differ after a re-organisation)."""
        return {rnd.pk: list(rnd.tree_roots) for rnd in self.rounds}

    def children_of(self, team: Team) -> list[Team]:
        """The team's children (loaded when the book was built `with_children_of` it)."""
        return sorted(
            (self.teams[pk] for pk, parent in self.parents.items() if parent == team.pk),
            key=lambda t: t.name,
        )

    def k(self, round: Round) -> int:
        return round.min_group_size

    def decision(self, *, node: int, measure: str, round: Round) -> Verdict | None:
        """The engine's stored verdict: WEEKLY, POOLED (the figure sits on the window's last
        round), POOLED_LATER (this round is inside a pooled window), HIDDEN, or None when no
        one answered the measure anywhere in the round's window."""
        window = self.windows.get(round.id)
        if window is None or measure not in window.measures:
            return None
        shown = self.shown.get(node, NOTHING)
        if round.id in shown.weekly.get(measure, ()):
            return Verdict.WEEKLY
        if (measure, window.round_keys[-1]) in shown.pooled:
            return Verdict.POOLED if round.id == window.round_keys[-1] else Verdict.POOLED_LATER
        return Verdict.HIDDEN

    def window_keys(self, round: Round) -> list[int]:
        window = self.windows.get(round.id)
        return window.round_keys if window else [round.id]

    @functools.cached_property
    def asked(self) -> RoundQuestions:
        """What each loaded round's question set asked (one query, on first use)."""
        return round_questions_load(round_ids=[r.pk for r in self.rounds])

    def asks(self, *, node: int, measure: str, round: Round) -> bool:
        """A3b: whether the round asked the node this measure, from facts about the round
        only: its question set, and whether it invited anyone of the node's subtree."""
        if measure not in self.asked.measures.get(round.id, ()):
            return False
        if node == ORG:
            roots = self.roots_by_round.get(round.id, ())
            return any(self.invited.get((root, round.id), (0, 0))[0] for root in roots)
        if round.id in self.shown.get(node, NOTHING).grouped:
            return True  # invited, its people counted in a larger group (A6)
        return self.invited.get((node, round.id), (0, 0))[0] > 0

    def small(self, *, node: int, round: Round) -> bool:
        """The node is shown only as whole-window figures in this round's window (A3)."""
        return round.id in self.shown.get(node, NOTHING).small_in

    def outcome(self, *, team_id: int, dimension_id: int, round: Round) -> Outcome:
        """A1-A3b: what the one rule of culture.visibility says of a dimension figure."""
        measure = f"d{dimension_id}"
        keys = self.window_keys(round)
        return outcome_decide(
            verdict=self.decision(node=team_id, measure=measure, round=round),
            asked=self.asks(node=team_id, measure=measure, round=round),
            small=self.small(node=team_id, round=round),
            k=self.k(round),
            n_week=lambda: self._sums(team_id, dimension_id, [round.id])[0],
            n_window=lambda: self._sums(team_id, dimension_id, keys)[0],
        )

    def cell(self, *, team_id: int, dimension_id: int, round: Round) -> Cell:
        """A1-A3b: the one rule of culture.visibility on this book's verdicts and sums."""
        keys = self.window_keys(round)
        found = self.outcome(team_id=team_id, dimension_id=dimension_id, round=round)
        if found == Verdict.WEEKLY:
            return cell_from_sums(
                sums=self._sums(team_id, dimension_id, [round.id]), k=self.k(round)
            )
        if found == Verdict.POOLED:
            return cell_from_sums(
                sums=self._sums(team_id, dimension_id, keys),
                k=self.k(round),
                pooled_rounds=len(keys),
            )
        assert isinstance(found, HiddenReason)
        return NOT_ASKED if found == HiddenReason.NOT_ASKED else hidden(found)

    def participation(self, *, team_id: int, round: Round) -> tuple[int, int] | None:
        if round.id not in self.shown.get(team_id, NOTHING).participation:
            return None
        if team_id == ORG:
            roots = self.roots_by_round.get(round.id, ())
            pairs = [self.invited.get((root, round.id), (0, 0)) for root in roots]
            return sum(p[0] for p in pairs), sum(p[1] for p in pairs)
        return self.invited.get((team_id, round.id), (0, 0))

    def comments_allowed(self, *, team_id: int, round: Round) -> bool:
        """A4: the engine's block rule on respondents with at least ten per slice."""
        return round.id in self.shown.get(team_id, NOTHING).comments

    def _pairs_load(self, teams: set[int]) -> None:
        """Read the driver sums of products of these teams' subtrees (one query, once per team),
        by (team, driver dimension, outcome: a dimension id, or 0 for eNPS, round)."""
        missing = teams - self.pairs_loaded
        if not missing:
            return
        rows = DriverRollup.objects.filter(
            team_id__in=missing, includes_subteams=True, round_id__in=[r.pk for r in self.rounds]
        ).values_list(
            "team_id", "dimension_id", "outcome_id", "round_id",
            "n", "sum_x", "sum_y", "sum_xx", "sum_yy", "sum_xy",
        )  # fmt: skip
        self.pairs.update({(row[0], row[1], row[2] or 0, row[3]): row[4:] for row in rows})
        self.pairs_loaded |= missing

    def pair_sums(
        self, *, team_id: int, dimension_id: int, outcome_id: int, round_ids: list[int]
    ) -> PairRow:
        """A group's driver sums over rounds (the organisation: its rounds' root teams)."""
        if team_id == ORG:
            self._pairs_load({root for rnd in self.rounds for root in rnd.tree_roots})
        else:
            self._pairs_load({team_id})
        keys = [
            (team, dimension_id, outcome_id, round_id)
            for round_id in round_ids
            for team in (self.roots_by_round.get(round_id, ()) if team_id == ORG else (team_id,))
        ]
        found = [row for row in map(self.pairs.get, keys) if row is not None]
        if not found:
            return PAIR_ZERO
        return tuple(sum(column) for column in zip(*found, strict=True))  # type: ignore[return-value]

    def _sums(self, team_id: int, dimension_id: int, round_ids: list[int]) -> Row:
        subtree = self.subtree
        if team_id != ORG:
            if len(round_ids) == 1:
                return subtree.get((team_id, dimension_id, round_ids[0]), ZERO)
            keys = [(team_id, dimension_id, round_id) for round_id in round_ids]
        else:
            roots = self.roots_by_round
            keys = [(root, dimension_id, r) for r in round_ids for root in roots.get(r, ())]
        found = [row for row in map(subtree.get, keys) if row is not None]
        if not found:
            return ZERO
        if len(found) == 1:
            return found[0]
        n, total, total_sq, favourable, answered = zip(*found, strict=True)
        return (sum(n), sum(total), sum(total_sq), sum(favourable), sum(answered))


def round_teams_asked() -> QuerySet[RoundTeam]:
    """The (round, team) pairs whose team's frozen subtree was asked: someone in it was invited
    (it has roll-ups), or its invitees were counted in a larger group (it has no figure of its
    own then, but was asked, A6). One rule for the pages and the summaries."""
    rolled = ParticipationRollup.objects.filter(
        round_id=OuterRef("round_id"), team_id=OuterRef("team_id"), includes_subteams=True
    )
    return RoundTeam.objects.filter(Q(whole=False) | Exists(rolled))


def _latest_ids(
    *, latest_of: Team | None, n_rounds: int, given_ids: list[int] | None
) -> QuerySet[Any, Any] | list[int]:
    """The ids of the rounds asked for: `given_ids`, or the latest `n_rounds` closed, rolled-up
    rounds of `latest_of`'s subtree (of anyone when None), as a subquery."""
    if given_ids is not None:
        return given_ids
    if latest_of is None:
        return (
            Round.objects.filter(
                status=Round.Status.CLOSED, pk__in=RoundRollupState.objects.values("round_id")
            )
            .order_by("-period_start", "-pk")
            .values("pk")[:n_rounds]
        )
    return (
        round_teams_asked()
        .filter(team_id=latest_of.pk, round__status=Round.Status.CLOSED)
        .order_by("-round__period_start", "-round_id")
        .values("round_id")[:n_rounds]
    )


def _with_team_summary(rounds: QuerySet[Any, Any], team: Team) -> QuerySet[Any, Any]:
    """`rounds`, each with the team's stored trend summary riding along (issue 6: viewable on
    the page)."""
    summary = TeamRoundSummary.objects.filter(round_id=OuterRef("pk"), team=team)
    return rounds.annotate(
        team_summary=Subquery(
            summary.values(
                data=JSONObject(
                    invited="invited",
                    responded="responded",
                    dimensions="dimensions",
                    strongest="strongest_id",
                    weakest="weakest_id",
                )
            )[:1],
            output_field=JSONField(),
        )
    )


def _with_themes(rounds: QuerySet[Any, Any], node: int) -> QuerySet[Any, Any]:
    """`rounds`, each with the stored comment themes of the book's own slice riding along
    (issue 20): one JSON object per position, so a page shows them without a query of its own."""
    themes = CommentTheme.objects.filter(round_id=OuterRef("pk"), node=node)
    return rounds.annotate(
        themes_node=Value(node, output_field=IntegerField()),
        **{
            f"theme_{position}": Subquery(
                themes.filter(position=position).values(
                    data=JSONObject(words="words", responses="responses")
                )[:1],
                output_field=JSONField(),
            )
            for position in range(MAX_THEMES)
        },
    )


def _rounds_load(
    *,
    latest_of: Team | None,
    n_rounds: int,
    given_ids: list[int] | None = None,
    with_themes: bool = False,
) -> tuple[list[Round], list[Round]]:
    """The latest `n_rounds` closed, rolled-up rounds (of `latest_of`'s subtree, or of anyone; or
    those of `given_ids`), and every closed, rolled-up round of the windows they fall into, each with
    its window's stored decision header, in one query. Returns (latest newest first, whole
    windows oldest first)."""
    if given_ids == []:
        return [], []
    latest_ids = _latest_ids(latest_of=latest_of, n_rounds=n_rounds, given_ids=given_ids)
    window = ExpressionWrapper((F("number") - 1) / WINDOW_ROUNDS, output_field=IntegerField())
    same_window = Round.objects.annotate(win=window).filter(
        Q(pk__in=latest_ids), survey_id=OuterRef("survey_id"), win=OuterRef("win")
    )
    decision = WindowDecision.objects.filter(
        survey_id=OuterRef("survey_id"), window=OuterRef("win")
    )
    state = RoundRollupState.objects.filter(round_id=OuterRef("pk")).values("pk")[:1]
    found_rounds: QuerySet[Any, Any] = Round.objects.annotate(win=window).filter(
        Exists(same_window),
        status=Round.Status.CLOSED,
        pk__in=RoundRollupState.objects.values("round_id"),
    )
    if latest_of is not None:
        found_rounds = _with_team_summary(found_rounds, latest_of)
    if with_themes:  # only pages that show themes pay for their subqueries
        found_rounds = _with_themes(found_rounds, ORG if latest_of is None else latest_of.pk)
    found: list[Any] = list(
        found_rounds.annotate(
            is_latest=ExpressionWrapper(Q(pk__in=latest_ids), output_field=BooleanField()),
            rollup_state=Subquery(state),
            decision_id=Subquery(decision.values("pk")[:1]),
            decision_rounds=Subquery(decision.values("rounds")[:1], output_field=JSONField()),
            decision_tree=Subquery(decision.values("tree")[:1]),
            decision_measures=Subquery(decision.values("measures")[:1], output_field=JSONField()),
        )
        .select_related("survey")
        .order_by("period_start", "pk")
    )
    latest = [r for r in reversed(found) if r.is_latest]
    return latest, found


def latest_rounds_load(
    *, n_rounds: int, with_themes: bool = False
) -> tuple[list[Round], list[Round]]:
    """The organisation's latest `count` closed, rolled-up rounds (newest first) and every round
    of their windows (oldest first), each with its roll-up state and stored window decision."""
    return _rounds_load(latest_of=None, n_rounds=n_rounds, with_themes=with_themes)


def _decisions_load(*, book: ScoreBook, nodes: set[int] | None) -> None:
    """Read the stored decisions of the loaded windows for `nodes` (one query), deciding any
    window whose decision is missing or was made on other roll-ups or another team tree."""
    by_window: dict[tuple[int, int], list[Round]] = defaultdict(list)
    for rnd in book.rounds:
        by_window[(rnd.survey_id, window_of(round_number=rnd.number))].append(rnd)
    if not by_window:
        return
    current = format_prefix()
    decisions: dict[int, Window] = {}
    for key, rounds in by_window.items():
        expected = sorted([r.pk, r.rollup_state] for r in rounds)  # type: ignore[attr-defined]
        head: Any = rounds[0]
        decision_id, measures = head.decision_id, head.decision_measures
        if (
            decision_id is None
            or not head.decision_tree.startswith(current)
            or sorted(head.decision_rounds) != expected
        ):
            # Missing, made on other roll-ups or in an older format: decide this window now.
            found = window_decision_compute(
                survey_id=key[0],
                window=key[1],
                rounds=sorted(
                    (r.pk, r.number, r.min_group_size, r.rollup_state)  # type: ignore[attr-defined]
                    for r in rounds
                ),
            )
            if found is None:
                continue
            decision_id, measures = found.pk, found.measures
        window = Window(
            round_keys=sorted(r.pk for r in rounds),
            measures={measure: set(keys) for measure, keys in measures.items()},
        )
        decisions[decision_id] = window
        for rnd in rounds:
            book.windows[rnd.pk] = window
    last_of = {pk: window.round_keys[-1] for pk, window in decisions.items()}
    book.windows_by_decision = {pk: window.round_keys for pk, window in decisions.items()}
    verdicts = NodeDecision.objects.filter(decision_id__in=list(last_of))
    if nodes is not None:
        verdicts = verdicts.filter(node__in=nodes)
    for decision_id, node, shown in verdicts.values_list("decision_id", "node", "shown"):
        mine = book.shown.setdefault(node, Shown())
        for measure, keys in shown.get("w", {}).items():
            mine.weekly[measure].update(keys)
        mine.pooled.update((measure, last_of[decision_id]) for measure in shown.get("p", ()))
        mine.participation.update(shown.get("part", ()))
        mine.comments.update(shown.get("com", ()))
        mine.grouped.update(shown.get("grp", ()))
        if shown.get("small"):
            mine.small_in.update(book.windows_by_decision[decision_id])


def scorebook_build(
    *,
    teams: Iterable[int] | None,
    latest_of: Team | None = None,
    n_rounds: int = 12,
    with_children_of: int | None = None,
    latest_ids: list[int] | None = None,
    with_themes: bool = False,
) -> ScoreBook:
    """Load the latest `n_rounds` closed rounds (of `latest_of`'s subtree, or of the organisation)
    and their whole windows, with the engine's stored decision for them.

    `teams` are the teams whose subtree figures the page shows (ORG for the organisation; None
    for all), plus the children of `with_children_of`. A caller that already chose its rounds
    passes their ids as `latest_ids` instead of `latest_of` / `n_rounds`. The decisions were made
    for the whole organisation (so every viewer and every view length sees the same), once per
    window (`WindowDecision`); the page loads only its own teams' verdicts and subtree sums, a
    fixed number of queries. `with_themes`: the rounds carry the stored comment themes of the
    book's own slice (for a page that shows them; others would pay for their subqueries).
    """
    latest, loaded = _rounds_load(
        latest_of=latest_of, n_rounds=n_rounds, given_ids=latest_ids, with_themes=with_themes
    )
    round_ids = [r.pk for r in loaded]
    # The whole tree as plain tuples (the engine needs every parent); Team objects only for
    # the teams the page names.
    tree = list(Team.objects.values_list("id", "parent_id", "name", "path"))
    parents: dict[int, int | None] = {pk: parent for pk, parent, _name, _path in tree}
    dimensions = list(Dimension.objects.filter(questions__isnull=False).distinct())
    # None: every team and the organisation (the HR heatmap).
    chosen = {ORG, *parents} if teams is None else set(teams)
    wanted = chosen | {pk for pk, parent in parents.items() if parent == with_children_of}
    named = {
        pk: Team(pk=pk, parent_id=parent, name=name, path=path)
        for pk, parent, name, path in tree
        if pk in wanted
    }
    book = ScoreBook(
        rounds=loaded, latest=latest, dimensions=dimensions, parents=parents, teams=named
    )
    nodes = set(wanted)
    if ORG in wanted:
        wanted |= {root for rnd in loaded for root in rnd.tree_roots}
    wanted.discard(ORG)
    # Every team: no list of ids to send (and the index on round does the work).
    _decisions_load(book=book, nodes=None if teams is None else nodes)
    mine = Q() if teams is None else Q(team_id__in=wanted)
    subtree_rows = DimensionRollup.objects.filter(
        mine, includes_subteams=True, round_id__in=round_ids
    ).values_list(
        "round_id", "team_id", "dimension_id", "n", "total", "total_sq", "favourable", "answered"
    )
    book.subtree = {(row[1], row[2], row[0]): row[3:] for row in subtree_rows}
    for round_id, team_id, invited, responded in ParticipationRollup.objects.filter(
        mine, includes_subteams=True, round_id__in=round_ids
    ).values_list("round_id", "team_id", "invited", "responded"):
        book.invited[(team_id, round_id)] = (invited, responded)
    return book

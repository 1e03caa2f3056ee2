"""Loads the roll-ups a page needs and runs them through the anonymity engine, in a few queries.

A `ScoreBook` holds, for whole windows of closed rounds, every team's own-member counts (the
engine decides on the whole organisation, so every viewer and every view length sees the same
decision) and the subtree sums of the teams the page asks about. It hands out `Cell`s only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from checkins.models import Dimension, Round
from culture.anonymity import (
    COMMENT_MIN_RESPONDENTS,
    ORG,
    WINDOW_ROUNDS,
    WindowPlan,
    plans_for_rounds,
    tree_visible,
    window_of,
)
from culture.models import DimensionRollup, ParticipationRollup, RoundRollupState
from culture.statistics import Sums, summarise
from org.models import Team


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
    # A small group's figure pooled over a fixed window of rounds (A3): how many rounds.
    pooled_rounds: int = 1
    # Kept for the statistics (Welch's test); never rendered on their own.
    sd: float | None = None


NOT_ASKED = Cell(suppressed=False, reason="not asked this round")


def hidden_cell(k: int) -> Cell:
    return Cell(suppressed=True, reason=f"fewer than {k} respondents")


def _cell(sums: Sums, pooled_rounds: int = 1) -> Cell:
    summary = summarise(n=sums.n, total=sums.total, total_sq=sums.total_sq)
    return Cell(
        suppressed=False,
        n=sums.n,
        score=round(summary.mean, 1),
        ci_low=round(max(summary.ci_low, 0.0), 1),
        ci_high=round(min(summary.ci_high, 100.0), 1),
        favourable_pct=round(100.0 * sums.favourable / sums.answered, 1) if sums.answered else None,
        pooled_rounds=pooled_rounds,
        sd=summary.sd,
    )


@dataclass
class ScoreBook:
    rounds: list[Round]  # every closed, rolled-up round of the windows, oldest first
    dimensions: list[Dimension]
    parents: dict[int, int | None]
    plans: dict[int, dict[int, WindowPlan]] = field(default_factory=dict)  # dim -> round -> plan
    participation_visible: dict[int, set[int]] = field(default_factory=dict)  # round -> teams
    comments_visible: dict[int, set[int]] = field(default_factory=dict)  # round -> teams
    invited: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    subtree: dict[tuple[int, int, int], Sums] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    invited_own: dict[int, dict[int, int]] = field(default_factory=dict)

    def children_of(self, team: Team) -> list[Team]:
        return sorted(
            (t for t in self.teams.values() if t.parent_id == team.pk), key=lambda t: t.name
        )

    def k(self, round: Round) -> int:
        return round.min_group_size

    def cell(self, *, team_id: int, dimension_id: int, round: Round) -> Cell:
        plan = self.plans.get(dimension_id, {}).get(round.pk)
        if plan is None:
            return NOT_ASKED
        if team_id in plan.weekly.get(round.pk, set()):
            return _cell(self._sums(team_id, dimension_id, [round.pk]))
        sums = self._sums(team_id, dimension_id, plan.round_keys)
        if sums.n == 0:
            return NOT_ASKED
        if team_id in plan.pooled:
            # The pooled figure sits on the window's last round; its other rounds point there.
            if round.pk == plan.round_keys[-1]:
                return _cell(sums, pooled_rounds=len(plan.round_keys))
            return Cell(suppressed=True, reason="pooled with the next weeks")
        if self._sums(team_id, dimension_id, [round.pk]).n == 0:
            return NOT_ASKED
        return hidden_cell(self.k(round))

    def participation(self, *, team_id: int, round: Round) -> tuple[int, int] | None:
        if team_id not in self.participation_visible.get(round.pk, set()):
            return None
        if team_id == ORG:
            roots = [t for t, parent in self.parents.items() if parent is None]
            pairs = [self.invited.get((root, round.pk), (0, 0)) for root in roots]
            return sum(p[0] for p in pairs), sum(p[1] for p in pairs)
        return self.invited.get((team_id, round.pk), (0, 0))

    def _sums(self, team_id: int, dimension_id: int, round_ids: Iterable[int]) -> Sums:
        sums = Sums()
        for round_id in round_ids:
            if team_id == ORG:
                roots = [t for t, parent in self.parents.items() if parent is None]
                for root in roots:
                    row = self.subtree.get((root, dimension_id, round_id))
                    if row is not None:
                        sums.add(row)
                continue
            row = self.subtree.get((team_id, dimension_id, round_id))
            if row is not None:
                sums.add(row)
        return sums


def _whole_windows(latest: list[Round]) -> list[Round]:
    """Every closed, rolled-up round in the windows the latest rounds fall into."""
    if not latest:
        return []
    spans: dict[int, tuple[int, int]] = {}
    for rnd in latest:
        window = window_of(round_number=rnd.number)
        low, high = spans.get(rnd.survey_id, (window, window))
        spans[rnd.survey_id] = (min(low, window), max(high, window))
    query = Q()
    for survey_id, (low, high) in spans.items():
        query |= Q(
            survey_id=survey_id,
            number__gte=low * WINDOW_ROUNDS + 1,
            number__lte=(high + 1) * WINDOW_ROUNDS,
        )
    return list(
        Round.objects.filter(
            query,
            status=Round.Status.CLOSED,
            pk__in=RoundRollupState.objects.values("round_id"),
        )
        .select_related("survey")
        .order_by("period_start", "pk")
    )


def scorebook_build(
    *, latest: list[Round], teams: Iterable[int], with_children_of: int | None = None
) -> ScoreBook:
    """Load whole windows around `latest` and decide visibility for the whole organisation.

    `teams` are the teams whose subtree figures the page shows (ORG for the organisation), plus
    the children of `with_children_of`. Own-member counts of every team and the subtree sums of `teams` come in one query per table.
    """
    rounds = _whole_windows(latest)
    round_ids = [r.pk for r in rounds]
    every_team = {t.pk: t for t in Team.objects.only("id", "name", "parent_id", "path")}
    parents: dict[int, int | None] = {pk: t.parent_id for pk, t in every_team.items()}
    dimensions = list(Dimension.objects.filter(questions__isnull=False).distinct())
    book = ScoreBook(rounds=rounds, dimensions=dimensions, parents=parents, teams=every_team)
    wanted = set(teams) | {pk for pk, parent in parents.items() if parent == with_children_of}
    if ORG in wanted:
        wanted |= {t for t, parent in parents.items() if parent is None}
    wanted.discard(ORG)
    mine = Q(includes_subteams=False) | Q(includes_subteams=True, team_id__in=wanted)
    own: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for round_id, team_id, dimension_id, subtree, n, *sums in DimensionRollup.objects.filter(
        mine, round_id__in=round_ids
    ).values_list(
        "round_id", "team_id", "dimension_id", "includes_subteams",
        "n", "total", "total_sq", "favourable", "answered",
    ):  # fmt: skip
        if subtree:
            total, total_sq, favourable, answered = sums
            book.subtree[(team_id, dimension_id, round_id)] = Sums(
                n=n, total=total, total_sq=total_sq,
                favourable=int(favourable), answered=int(answered),
            )  # fmt: skip
        else:
            own[dimension_id][round_id][team_id] = n
    # Participation is a head count per round: the same block rule on the invitees.
    invited_own: dict[int, dict[int, int]] = defaultdict(dict)
    responded_own: dict[int, dict[int, int]] = defaultdict(dict)
    for round_id, team_id, subtree, invited, responded in ParticipationRollup.objects.filter(
        mine, round_id__in=round_ids
    ).values_list("round_id", "team_id", "includes_subteams", "invited", "responded"):
        if subtree:
            book.invited[(team_id, round_id)] = (invited, responded)
        else:
            invited_own[round_id][team_id] = invited
            responded_own[round_id][team_id] = responded
    book.invited_own = invited_own
    for dimension_id, own_by_round in own.items():
        book.plans[dimension_id] = plans_for_survey_rounds(
            parents=parents, rounds=rounds, own_by_round=own_by_round, invited_own=invited_own
        )
    for rnd in rounds:
        book.participation_visible[rnd.pk] = tree_visible(
            parents=parents, own=invited_own.get(rnd.pk, {}), k=rnd.min_group_size
        )
        # Comments (A4): the same block rule on respondents, with at least ten per slice.
        book.comments_visible[rnd.pk] = tree_visible(
            parents=parents,
            own=responded_own.get(rnd.pk, {}),
            k=max(COMMENT_MIN_RESPONDENTS, rnd.min_group_size),
        )
    return book


def plans_for_survey_rounds(
    *,
    parents: dict[int, int | None],
    rounds: list[Round],
    own_by_round: dict[int, dict[int, int]],
    invited_own: dict[int, dict[int, int]],
) -> dict[int, WindowPlan]:
    """One measure's window plans, survey by survey (windows never mix surveys)."""
    by_survey: dict[int, list[Round]] = defaultdict(list)
    for rnd in rounds:
        by_survey[rnd.survey_id].append(rnd)
    plans: dict[int, WindowPlan] = {}
    for survey_rounds in by_survey.values():
        # Every closed round counts towards a window, asked about this measure or not.
        plans |= plans_for_rounds(
            parents=parents,
            rounds=[(r.pk, r.number) for r in survey_rounds],
            own_by_round=own_by_round,
            invited_by_round=invited_own,
            k_by_round={r.pk: r.min_group_size for r in survey_rounds},
        )
    return plans

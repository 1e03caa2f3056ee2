"""What the manager digest and the HR alert may say about a round, under the anonymity rules.

Figures come from stored summaries, which only hold cells `culture.visibility` let through
(A1), with changes computed from shown figures only (A3b): a line whose previous figure is not
shown says "not enough to compare". An email is one view, so A2 applies inside it: when an email
shows a team and one of its sub-teams, the rest of the team (team minus the listed sub-teams)
must hold 0 or at least k people in every count the email gives; otherwise the smallest listed
sub-team is left out (`culture.visibility.listed_trim`, the one guard).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q

from checkins.models import Dimension, Round
from culture.drivers import DriverSet
from culture.models import DimensionRollup, ParticipationRollup, TeamRoundSummary
from culture.selectors import team_drivers_get
from culture.selectors_themes import ShownTheme, round_team_themes_get
from culture.visibility import ChangeVerdict, listed_trim
from org.models import Person, Team
from org.selectors import teams_led_get

DIGEST_THEMES = 3  # the largest themes a digest line names


@dataclass
class TeamLine:
    team: Team
    summary: TeamRoundSummary
    reasons: list[str] = field(default_factory=list)

    @cached_property
    def dimensions(self) -> list[dict]:
        """The summary's dimensions named in the active language (the email is rendered in the
        recipient's); a drop also carries its size as a positive `fall`."""
        labels = {
            d.pk: d.label
            for d in Dimension.objects.filter(
                pk__in=[d["dimension"] for d in self.summary.dimensions]
            )
        }
        return [
            {
                **d,
                "name": labels.get(d["dimension"], d.get("name", "")),
                "change": _change_of(d),
                "fall": -d["delta"] if d.get("delta") is not None and d["delta"] < 0 else None,
            }
            for d in self.summary.dimensions
        ]

    @cached_property
    def driver(self) -> DriverSet | None:
        """The team's first outcome with a shown driver link, for one line (ADR 0032): over
        its latest rounds, each link only where the team's figures are shown (the same rule as
        the team page), so the line says nothing the page would not."""
        sets, _rounds, _k = team_drivers_get(team=self.team)
        return next((found for found in sets if found.shown), None)

    @cached_property
    def themes(self) -> list[ShownTheme]:
        """The team's largest comment themes of the round, for one line (issue 20): only where
        the team page shows the round's comments, each with at least k comments."""
        found = round_team_themes_get(team=self.team, round=self.summary.round)
        return found[:DIGEST_THEMES]

    @property
    def changes(self) -> list[dict]:
        return [d for d in self.dimensions if d["change"] != ChangeVerdict.NOT_ENOUGH]

    @property
    def drops(self) -> list[dict]:
        return [d for d in self.dimensions if d["change"] == ChangeVerdict.REAL and d["fall"]]

    @property
    def not_compared(self) -> list[dict]:
        """A3b: dimensions whose previous figure is not shown: "not enough to compare"."""
        return [d for d in self.dimensions if d["change"] == ChangeVerdict.NOT_ENOUGH]


def _change_of(entry: dict) -> ChangeVerdict:
    """The stored line's verdict (summaries name it; older ones only carry delta and real)."""
    if entry.get("change") in ChangeVerdict.values:
        return ChangeVerdict(entry["change"])
    if entry.get("delta") is None:
        return ChangeVerdict.NOT_ENOUGH
    return ChangeVerdict.REAL if entry.get("real") else ChangeVerdict.WITHIN_NOISE


@dataclass
class Digest:
    round: Round
    lines: list[TeamLine]


def digest_get(*, manager: Person, round: Round) -> Digest | None:
    """The manager's digest for a round: one subtree line per top-most team they lead (so no two
    lines overlap and none can be subtracted from another), or None when there is nothing."""
    # The teams they lead (also for an HR admin who leads a team; the organisation view is the
    # HR alert's job, not the digest's).
    teams = teams_led_get(person=manager)
    summaries = {
        s.team_id: s
        for s in TeamRoundSummary.objects.filter(round=round, team__in=teams).select_related(
            "strongest", "weakest"
        )
    }
    lines = [TeamLine(team=t, summary=summaries[t.pk]) for t in teams if t.pk in summaries]
    return Digest(round=round, lines=lines) if lines else None


def _counts(*, round: Round, team_ids: list[int]) -> dict[int, dict[str, int]]:
    """Internal counts per team subtree (never shown): invitees, respondents, n per dimension."""
    found: dict[int, dict[str, int]] = {tid: {} for tid in team_ids}
    for p in ParticipationRollup.objects.filter(
        round=round, includes_subteams=True, team_id__in=team_ids
    ):
        found[p.team_id].update(invited=p.invited, responded=p.responded)
    for d in DimensionRollup.objects.filter(
        round=round, includes_subteams=True, team_id__in=team_ids
    ):
        found[d.team_id][f"dimension-{d.dimension_id}"] = d.n
    return found


def lines_without_subtraction(*, lines: list[TeamLine], round: Round) -> list[TeamLine]:
    """Drop sub-team lines until no listed team minus its listed sub-teams isolates 1..k-1.

    Top-down in path order: each listed team is checked against its top-most listed sub-teams
    (its children in the tree of listed teams), and while the rest would isolate 1..k-1 people
    in some count, the sub-team with the fewest respondents is left out (its own listed
    sub-teams move up to the team). Leaving out a line below a team changes no check above it,
    so one pass suffices: linear in the lines, not quadratic (an alert can list every team).
    """
    counts = _counts(round=round, team_ids=[line.team.pk for line in lines])
    return lines_trim(lines=lines, counts=counts, k=round.min_group_size)


def lines_trim(
    *, lines: list[TeamLine], counts: dict[int, dict[str, int]], k: int
) -> list[TeamLine]:
    """Trim the lines as `lines_without_subtraction` does, on given internal counts per team (a
    pure function)."""
    kept = listed_trim(
        listed=[(line.team.pk, line.team.path) for line in lines], counts=counts, k=k
    )
    return [line for line in lines if line.team.pk in kept]


def alert_get(*, round: Round) -> list[TeamLine]:
    """Teams of the round with a real drop or low participation, for HR. A team enters only with
    figures at or above k (its stored summary has them), and the list passes the A2 check."""
    lines = []
    for summary in TeamRoundSummary.objects.filter(
        Q(real_drop=True) | Q(low_participation=True), round=round
    ).select_related("team"):
        reasons = []
        if summary.real_drop:
            reasons.append("drop")
        if summary.low_participation:
            reasons.append("participation")
        lines.append(TeamLine(team=summary.team, summary=summary, reasons=reasons))
    lines.sort(key=lambda line: line.team.path)
    return lines_without_subtraction(lines=lines, round=round)

"""Freeze a closed round's team tree, group its invitees, forget who answered (A3, A6).

A round is rolled up and decided on the tree frozen when it closes, never on today's: a team
moved, merged or split afterwards cannot re-open a figure already released (A3). Rounds of one
fixed window share one tree, so the anonymity engine decides a window on a single tree: a
round takes the tree of the earlier rounds of its window and adds only the teams created since
(new leaves never change an earlier round's figures). Moves take effect from the next window.

When the round closes its invitees are also put into *groups* of at least k invitees, and
participations and responses keep the group instead of the team, so after the close no join
(with participations, people or roll-ups) pairs a person with an answer or comment more finely
than k invitees (A6). The per-person `responded` flag is forgotten too: the roll-ups count
responses, and reminders stop at the close. Groups follow the tree bottom-up, the way the
anonymity engine's complementary suppression would hide figures anyway (`groups_label`); a team
whose group is cut across has no figure of its own that round (`RoundTeam.whole`, ADR 0020).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from checkins.models import Participation, Response, Round, RoundTeam
from dialect import values_replace
from org.models import Team

# Rounds are decided in fixed windows of four by round number (rounds 1-4, 5-8, ...).
WINDOW_ROUNDS = 4


def round_window(*, number: int) -> int:
    """The fixed window of a round number: rounds 1-4 are window 0, 5-8 window 1, and so on."""
    return (number - 1) // WINDOW_ROUNDS


def tree_order(parents: Mapping[int, int | None]) -> list[int]:
    """Teams top-down (every parent before its children), children by id."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for team, parent in parents.items():
        children[parent if parent in parents else None].append(team)
    order: list[int] = []
    stack = sorted(children[None], reverse=True)
    while stack:
        team = stack.pop()
        order.append(team)
        stack.extend(sorted(children.get(team, ()), reverse=True))
    return order


def tree_paths(parents: Mapping[int, int | None]) -> dict[int, str]:
    paths: dict[int, str] = {}
    for team in tree_order(parents):
        parent = parents[team]
        prefix = paths.get(parent, "/") if parent is not None else "/"
        paths[team] = f"{prefix}{team}/"
    return paths


@dataclass(frozen=True)
class Groups:
    label: dict[int, int]  # team -> the team whose group its invitees are counted in
    broken: set[int]  # teams with no figure of their own: their group is cut across


TOP = 0  # a virtual parent of the root teams (team ids start at 1)


def groups_label(
    *,
    parents: Mapping[int, int | None],
    invited: Mapping[int, int],
    k: int,
    gone: frozenset[int] = frozenset(),
) -> Groups:
    """Groups of at least k invitees along the tree, bottom-up.

    A team's pool is its own invitees plus the small pools of its sub-teams. A pool of k or more
    is a group (labelled with the team). A smaller one joins a group below the team, in the
    smallest sub-team that has one, and the teams on the way down to it have no figure of their
    own (the engine would hide such a smallest part anyway, A2); with no group below it goes up
    to the parent, and the team has no figure of its own. Above the root teams a virtual top
    gathers small roots the same way (labelled with the first of them); only a whole round
    below k invitees stays below k, and it shows nothing anyway. A team deleted since the
    window's tree was frozen (`gone`) never names a group: rows cannot point at it.
    """
    tree: dict[int, int | None] = {
        team: TOP if parent is None else parent for team, parent in parents.items()
    }
    tree[TOP] = None
    order = tree_order(tree)
    children: dict[int, list[int]] = defaultdict(list)
    for team in order:
        parent = tree[team]
        if parent is not None:
            children[parent].append(team)
    into, grouped, broken = _pools_merge(
        tree=tree, order=order, children=children, invited=invited, k=k, gone=gone
    )

    def final(team: int) -> int:
        while team not in grouped and team in into:
            team = into[team]
        return team

    label = {team: final(team) for team in order if team != TOP and invited.get(team)}
    return _top_named(label=label, into=into, gone=gone, broken=broken)


def _pools_merge(
    *,
    tree: Mapping[int, int | None],
    order: list[int],
    children: Mapping[int, list[int]],
    invited: Mapping[int, int],
    k: int,
    gone: frozenset[int],
) -> tuple[dict[int, int], set[int], set[int]]:
    """Sub-teams first, each small pool joins a group below its team or goes up: returns where
    each merged pool went, the teams that name a group, and the teams left without a figure of
    their own (they hold people from outside them, or theirs are counted outside)."""
    pool = {team: invited.get(team, 0) for team in order}
    people = dict(pool)  # invitees in each team's subtree
    for team in reversed(order):
        parent = tree[team]
        if parent is not None:
            people[parent] += people[team]
    into: dict[int, int] = {}
    grouped: set[int] = set()
    broken: set[int] = set()
    for team in reversed(order):  # sub-teams first
        if pool[team] == 0:
            continue
        parent = tree[team]
        below = _nearest_groups(team, children, grouped)
        if (pool[team] >= k and team not in gone) or (parent is None and not below):
            grouped.add(team)
            continue
        if below:
            # The fewest people lose a figure of their own: the smallest sub-team's subtree,
            # then the shortest way down, then the smallest group.
            path = min(below, key=lambda p: (people[p[0]], len(p), pool[p[-1]], p[-1]))
            target = path[-1]
            broken.update(path)  # each holds people from outside it now
        else:
            assert parent is not None  # only the top keeps a small pool with no group below
            target = parent
            broken.add(team)  # its people are counted outside it
        into[team] = target
        pool[target] += pool[team]
        pool[team] = 0
    return into, grouped, broken


def _top_named(
    *, label: dict[int, int], into: Mapping[int, int], gone: frozenset[int], broken: set[int]
) -> Groups:
    """The groups, the virtual top's named after a team: the top is no team, so its group takes
    the name of the first root gathered into it that still exists, else of the first team among
    its people (every team with invitees exists)."""
    roots = sorted(t for t, target in into.items() if target == TOP and t not in gone)
    members = sorted(team for team, group in label.items() if group == TOP)
    if members:
        name = (roots or members)[0]
        broken = broken | {name}  # it holds people from outside it now
        label = {team: name if group == TOP else group for team, group in label.items()}
    return Groups(label=label, broken=broken - {TOP})


def _nearest_groups(
    team: int, children: Mapping[int, list[int]], grouped: set[int]
) -> list[list[int]]:
    """Paths from `team`'s child down to each nearest group in its subtree (excluding `team`)."""
    found, stack = [], [[child] for child in children.get(team, ())]
    while stack:
        path = stack.pop()
        if path[-1] in grouped:
            found.append(path)
        else:
            stack.extend([*path, child] for child in children.get(path[-1], ()))
    return found


def _window_tree(rnd: Round) -> tuple[dict[int, int | None], frozenset[int]]:
    """The tree of the round's window so far, plus the teams created since (new leaves), and
    the teams of that tree deleted since."""
    window = round_window(number=rnd.number)
    earlier = (
        Round.objects.filter(
            survey_id=rnd.survey_id,
            number__gte=window * WINDOW_ROUNDS + 1,
            number__lt=rnd.number,
            tree_frozen=True,
        )
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )
    parents: dict[int, int | None] = {}
    if earlier is not None:
        parents = dict(
            RoundTeam.objects.filter(round_id=earlier).values_list("team_id", "parent_id")
        )
    today = dict(Team.objects.values_list("pk", "parent_id"))
    for team, parent in today.items():
        parents.setdefault(team, parent)
    return parents, frozenset(parents) - frozenset(today)


def _relabel(
    model: type[Participation] | type[Response], rnd: Round, label: dict[int, int]
) -> None:
    """Give the round's rows of `model` their group instead of their team."""
    values_replace(model, field="team_id", mapping=label, where={"round_id": rnd.pk})


def round_tree_freeze(*, round: Round) -> bool:
    """Freeze a closed round's tree, group its invitees and forget who answered. False when the
    round is open or already frozen; safe to run twice or concurrently (a row lock)."""
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=round.pk)
        if rnd.status != Round.Status.CLOSED or rnd.tree_frozen:
            return False
        parents, gone = _window_tree(rnd)
        paths = tree_paths(parents)
        invited = dict(
            Participation.objects.filter(round=rnd)
            .values_list("team_id")
            .annotate(n=Count("pk"))
            .values_list("team_id", "n")
        )
        groups = groups_label(parents=parents, invited=invited, k=rnd.min_group_size, gone=gone)
        RoundTeam.objects.bulk_create(
            (
                RoundTeam(
                    round=rnd,
                    team_id=team,
                    parent_id=parents[team],
                    path=path,
                    whole=team not in groups.broken,
                )
                for team, path in paths.items()
            ),
            batch_size=2000,
        )
        _relabel(Participation, rnd, groups.label)
        _relabel(Response, rnd, groups.label)
        Participation.objects.filter(round=rnd, responded__isnull=False).update(responded=None)
        Round.objects.filter(pk=rnd.pk).update(
            tree_frozen=True, tree_roots=sorted(t for t, p in parents.items() if p is None)
        )
    return True


def rounds_tree_freeze(*, rounds: Iterable[Round]) -> int:
    """Freeze several closed rounds, oldest first (a window's tree grows from its first round)."""
    return sum(
        round_tree_freeze(round=rnd)
        for rnd in sorted(rounds, key=lambda r: (r.survey_id, r.number))
    )

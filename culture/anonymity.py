"""The anonymity engine: which figures may be shown, decided from respondent counts alone.

Pure functions over in-memory counts (no database), so every page, export and email can share one
decision and a property test can attack it fast (tests/culture/test_anonymity_property.py).

The model. A team's *own* members in one round are an atom; a team's figure is the sum over the
atoms of its subtree. Figures of one round form a laminar family (a tree), so what an attacker can
derive from the visible figures by subtraction is exactly the unions of *blocks*: a visible team's
subtree minus its nearest visible descendants. The engine keeps every non-empty block at or above
k respondents (A1, A2): a team below k is hidden, and when hiding it leaves a block of 1..k-1 under
a visible parent, the next-smallest visible sibling (or deeper descendant) is hidden as well, until
the block is empty or reaches k. The parent's own direct members count as part of its block.

Over time (A3), rounds are grouped into fixed, non-overlapping windows (by round number, so every
view of any length cuts them the same way). In a window a team shows either every one of its
weekly figures or one pooled figure for the window, never both, so no figure of a group is
another one plus a few respondents. Window figures go through the same block rule on pooled
counts, with the weekly-mode teams counted as visible (their window total is derivable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

ORG = 0  # a virtual root above the root teams: the organisation's own figure
WINDOW_ROUNDS = 4
COMMENT_MIN_RESPONDENTS = 10  # A4: comments need a larger crowd than scores


def _children(parents: Mapping[int, int | None]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {node: [] for node in parents}
    children.setdefault(ORG, [])
    for node, parent in parents.items():
        if node != ORG:
            children[ORG if parent is None else parent].append(node)
    return children


def _order(children: Mapping[int, list[int]]) -> list[int]:
    """Nodes top-down from the virtual root (parents before children)."""
    order, stack = [], [ORG]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(sorted(children.get(node, ()), reverse=True))
    return order


def subtree_totals(*, parents: Mapping[int, int | None], own: Mapping[int, int]) -> dict[int, int]:
    """Respondents in each team's subtree, plus ORG for everyone."""
    children = _children(parents)
    totals = {node: own.get(node, 0) for node in _order(children)}
    for node in reversed(_order(children)):
        for child in children.get(node, ()):
            totals[node] += totals[child]
    return totals


def _blocks(
    *, order: list[int], children: Mapping[int, list[int]], own: Mapping[int, int],
    visible: set[int],
) -> tuple[dict[int, int], dict[int, list[int]]]:  # fmt: skip
    """Each visible node's block size and its frontier (nearest visible descendants)."""
    owner: dict[int, int | None] = {}
    block: dict[int, int] = {node: 0 for node in visible}
    frontier: dict[int, list[int]] = {node: [] for node in visible}
    for node in order:
        parent_owner = owner.get(node)
        if node in visible:
            if parent_owner is not None:
                frontier[parent_owner].append(node)
            mine: int | None = node
        else:
            mine = parent_owner
        if mine is not None:
            block[mine] += own.get(node, 0)
        for child in children.get(node, ()):
            owner[child] = mine
    return block, frontier


def tree_visible(
    *,
    parents: Mapping[int, int | None],
    own: Mapping[int, int],
    k: int,
    hidden: frozenset[int] = frozenset(),
    pinned: frozenset[int] = frozenset(),
) -> tuple[set[int], set[int]]:
    """The teams (and ORG) whose subtree figure may be shown for one period.

    `hidden` may never be shown; `pinned` are shown elsewhere already (their figure is derivable),
    so they are hidden only as a last resort, and returned as the second set when that happens.
    """
    children = _children(parents)
    order = _order(children)
    totals = subtree_totals(parents=parents, own=own)
    visible = {n for n in order if totals[n] >= k and n not in hidden} | (pinned - hidden)
    unpinned: set[int] = set()
    while True:
        block, frontier = _blocks(order=order, children=children, own=own, visible=visible)
        bad = next((n for n in order if n in visible and 0 < block[n] < k), None)
        if bad is None:
            return visible, unpinned
        # Complementary suppression: hide the smallest visible part under the bad block.
        # Parts with an empty block of their own would not grow it, so they go last.
        candidates = sorted(frontier[bad], key=lambda c: (c in pinned, block[c] == 0, totals[c], c))
        if not candidates:  # cannot happen: then the block is the whole subtree, >= k
            visible.discard(bad)
            continue
        victim = candidates[0]
        visible.discard(victim)
        if victim in pinned:
            unpinned.add(victim)


@dataclass
class WindowPlan:
    """What one window shows: weekly figures per round, or one pooled figure per team."""

    round_keys: list[int]
    weekly: dict[int, set[int]] = field(default_factory=dict)  # round key -> visible teams
    pooled: set[int] = field(default_factory=set)  # teams shown once for the whole window

    def mode(self, team: int) -> str:
        if team in self.pooled:
            return "window"
        if any(team in teams for teams in self.weekly.values()):
            return "weekly"
        return "hidden"


def window_plan(
    *,
    parents: Mapping[int, int | None],
    own_by_round: Mapping[int, Mapping[int, int]],
    k: int,
) -> WindowPlan:
    """Decide one window: `own_by_round` maps each round of the window to its own-member counts."""
    keys = sorted(own_by_round)
    demoted: set[int] = set()
    while True:
        weekly_visible = {
            key: tree_visible(parents=parents, own=own_by_round[key], k=k)[0] for key in keys
        }
        totals = {key: subtree_totals(parents=parents, own=own_by_round[key]) for key in keys}
        nodes = set(totals[keys[0]]) if keys else set()
        # Weekly mode: visible in every round of the window where the team had respondents.
        weekly_mode = {
            node
            for node in nodes - demoted
            if any(totals[key][node] for key in keys)
            and all(node in weekly_visible[key] or totals[key][node] == 0 for key in keys)
        }
        pooled_own: dict[int, int] = {}
        for key in keys:
            for node, count in own_by_round[key].items():
                pooled_own[node] = pooled_own.get(node, 0) + count
        pooled, unpinned = tree_visible(
            parents=parents, own=pooled_own, k=k, pinned=frozenset(weekly_mode)
        )
        if unpinned:
            demoted |= unpinned  # hiding more weekly figures keeps every weekly block valid
            continue
        plan = WindowPlan(round_keys=keys, pooled=pooled - weekly_mode)
        for key in keys:
            plan.weekly[key] = {n for n in weekly_mode if totals[key][n] > 0}
        return plan


def window_of(*, round_number: int, size: int = WINDOW_ROUNDS) -> int:
    """Fixed windows by round number: rounds 1-4 are window 0, 5-8 window 1, and so on."""
    return (round_number - 1) // size


def plans_for_rounds(
    *,
    parents: Mapping[int, int | None],
    rounds: Sequence[tuple[int, int]],
    own_by_round: Mapping[int, Mapping[int, int]],
    k_by_round: Mapping[int, int],
) -> dict[int, WindowPlan]:
    """Plans for every window touched by `rounds` ((round key, round number) pairs), by round key.

    The caller passes whole windows, so a 12-week and a 26-week view cut them identically.
    """
    windows: dict[int, list[int]] = {}
    for key, number in rounds:
        windows.setdefault(window_of(round_number=number), []).append(key)
    by_round: dict[int, WindowPlan] = {}
    for keys in windows.values():
        # A window uses the strictest k of its rounds (k is frozen per round and rarely changes).
        k = max(k_by_round[key] for key in keys)
        plan = window_plan(
            parents=parents, own_by_round={key: own_by_round.get(key, {}) for key in keys}, k=k
        )
        for key in keys:
            by_round[key] = plan
    return by_round


def participation_visible(*, invited: int, k: int) -> bool:
    """A1: participation counts only where at least k people were invited."""
    return invited >= k


def comments_visible(*, respondents: int) -> bool:
    """A4: comments only from slices of at least ten respondents."""
    return respondents >= COMMENT_MIN_RESPONDENTS

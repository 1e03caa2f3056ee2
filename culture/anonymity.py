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

Over time (A3), rounds are grouped into fixed, non-overlapping windows of four (by round number,
so every view of any length cuts them the same way). In a window a team is either shown week by
week or, if fewer than 2k people were invited when the window opened, once for the whole window
after its last round closes, never both; the mode is fixed when the window opens, so figures
never move as rounds close. Window figures go through the same block rule on pooled counts, with
the weekly teams counted as visible (a conservative stand-in for what their weeks reveal).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from heapq import heapify, heappop, heappush
from typing import Any

import numpy as np
from scipy.linalg import null_space

from checkins.services.tree import WINDOW_ROUNDS, round_window

ORG = 0  # a virtual root above the root teams: the organisation's own figure
COMMENT_MIN_RESPONDENTS = 10  # A4: comments need a larger crowd than scores
SEARCH_BUDGET = 20_000  # combinations of small cells the linear check may try per window


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


# The same tree is asked about many times per window (every measure, round and pooled check):
# its children and top-down order are built once per distinct tree. Callers never mutate them.
_TREES: dict[tuple[tuple[int, int | None], ...], tuple[dict[int, list[int]], list[int]]] = {}


def _tree(parents: Mapping[int, int | None]) -> tuple[dict[int, list[int]], list[int]]:
    """The children lists and the top-down order of a tree (cached per tree)."""
    key = tuple(parents.items())
    found = _TREES.get(key)
    if found is None:
        children = _children(parents)
        found = (children, _order(children))
        if len(_TREES) >= 8:
            _TREES.clear()
        _TREES[key] = found
    return found


def subtree_totals(*, parents: Mapping[int, int | None], own: Mapping[int, int]) -> dict[int, int]:
    """Respondents in each team's subtree, plus ORG for everyone."""
    children, order = _tree(parents)
    totals = {node: own.get(node, 0) for node in order}
    for node in reversed(order):
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


def tree_hide(
    *,
    parents: Mapping[int, int | None],
    own: Mapping[int, int],
    k: int,
    hidden: frozenset[int] = frozenset(),
    pinned: frozenset[int] = frozenset(),
) -> set[int]:
    """Hide every team whose subtree figure could reveal fewer than k people for one period;
    return the teams (and ORG) whose subtree figure may be shown.

    `hidden` may never be shown. `pinned` stand for teams already shown week by week: they are
    never hidden here, and a block made only of them is left to the weekly decisions.
    """
    children, order = _tree(parents)
    totals = subtree_totals(parents=parents, own=own)
    visible = {n for n in order if totals[n] >= k and n not in hidden} | (pinned - hidden)
    accepted: set[int] = set()
    # Blocks are computed once and kept up to date as nodes are hidden: hiding a node only
    # merges its block and frontier into those of its nearest visible ancestor, so the next bad
    # block (the first in top-down order) is found from a heap of candidates instead of a pass
    # over the whole tree per hidden node.
    block, frontier = _blocks(order=order, children=children, own=own, visible=visible)
    position = {node: i for i, node in enumerate(order)}
    up = {child: node for node, kids in children.items() for child in kids}

    def is_bad(node: int) -> bool:
        return node in visible and node not in accepted and 0 < block[node] < k

    pending = [position[n] for n in visible if n in position and 0 < block[n] < k]
    heapify(pending)
    while True:
        while pending and not is_bad(order[pending[0]]):
            heappop(pending)
        if not pending:
            return visible
        bad = order[pending[0]]
        # Complementary suppression: hide the smallest visible part under the bad block.
        # Parts with an empty block of their own would not grow it, so they go last.
        candidates = [c for c in frontier[bad] if c not in pinned]
        if candidates:
            drop = min(candidates, key=lambda c: (block[c] == 0, totals[c], c))
        elif bad not in pinned:
            drop = bad  # nothing below to hide: the parent itself goes
        else:
            accepted.add(bad)
            continue
        visible.discard(drop)
        owner = up.get(drop)
        while owner is not None and owner not in visible:
            owner = up.get(owner)
        if owner is not None:
            block[owner] += block[drop]
            frontier[owner] = [n for n in frontier[owner] if n != drop] + frontier[drop]
            if is_bad(owner):
                heappush(pending, position[owner])


@dataclass
class WindowPlan:
    """What one window shows: weekly figures per round, or one pooled figure per team."""

    round_keys: list[int]
    complete: bool = False
    weekly: dict[int, set[int]] = field(default_factory=dict)  # round key -> visible teams
    pooled: set[int] = field(default_factory=set)  # teams shown once for the whole window
    window_mode: frozenset[int] = frozenset()  # teams that are never shown week by week here


def window_plan(
    *,
    parents: Mapping[int, int | None],
    own_by_round: Mapping[int, Mapping[int, int]],
    invited_at_start: Mapping[int, int],
    k: int,
    complete: bool,
    broken: Mapping[int, frozenset[int]] | None = None,
) -> WindowPlan:
    """Decide one window from its closed rounds so far.

    The mode (weekly or pooled) is fixed from the invitees when the window opened, so it never
    flips as later rounds close: a viewer who remembers last week's figures learns nothing new.
    Pooled figures appear only once the window is complete, for the same reason. `broken`
    (per round key) are teams with no figure of their own that round: their invitees' groups cut
    across them (`checkins.services.tree.groups_label`); a team broken in any round of the window
    has no pooled figure either.
    """
    broken = broken or {}
    keys = sorted(own_by_round)
    invited = subtree_totals(parents=parents, own=invited_at_start)
    weekly_mode = frozenset(node for node, count in invited.items() if count >= 2 * k)
    window_mode = frozenset(invited) - weekly_mode
    plan = WindowPlan(round_keys=keys, complete=complete, window_mode=window_mode)
    pooled_own: dict[int, int] = {}
    for key in keys:
        totals = subtree_totals(parents=parents, own=own_by_round[key])
        hidden = window_mode | broken.get(key, frozenset())
        shown = tree_hide(parents=parents, own=own_by_round[key], k=k, hidden=hidden)
        plan.weekly[key] = {n for n in shown if totals.get(n, 0) > 0}
        for node, count in own_by_round[key].items():
            pooled_own[node] = pooled_own.get(node, 0) + count
    if complete and keys:
        ever_broken = frozenset().union(*(broken.get(key, frozenset()) for key in keys))
        pooled = tree_hide(
            parents=parents, own=pooled_own, k=k, pinned=weekly_mode, hidden=ever_broken
        )
        plan.pooled = pooled - weekly_mode
        _pooled_trim(plan=plan, parents=parents, own_by_round=own_by_round, k=k)
    return plan


def _pooled_trim(
    *,
    plan: WindowPlan,
    parents: Mapping[int, int | None],
    own_by_round: Mapping[int, Mapping[int, int]],
    k: int,
) -> None:
    """Drop pooled figures, smallest first, until no group below k follows from the window.

    A pooled figure can combine with weekly figures of a parent and its siblings (which reveal a
    small team's weeks where its block alone reached k) to isolate the remaining weeks, so the
    whole window is checked with linear algebra; weekly figures alone are safe by the block rule.
    """
    children, order = _tree(parents)
    below: dict[int, list[int]] = {}
    for node in reversed(order):
        below[node] = [node] + [d for child in children.get(node, ()) for d in below[child]]
    counts = {
        (team, key): count
        for key in plan.round_keys
        for team, count in own_by_round[key].items()
        if count
    }
    pooled_atoms = {
        team: frozenset(
            (a, key) for key in plan.round_keys for a in below[team] if (a, key) in counts
        )
        for team in plan.pooled
    }
    totals = {team: sum(counts[a] for a in atoms) for team, atoms in pooled_atoms.items()}
    block_list = _weekly_blocks(plan=plan, children=children, order=order, counts=counts)
    blocks_of: dict[tuple[int, int], list[int]] = defaultdict(list)  # atom -> its blocks
    for index, found in enumerate(block_list):
        for atom in found:
            blocks_of[atom].append(index)
    # Pooled figures that share no block cannot be combined: check each group on its own.
    pending = True
    while pending:
        pending = False
        for group in _components(pooled_atoms, block_list):
            figures = [pooled_atoms[team] for team in group]
            touched = frozenset().union(*figures)
            near = sorted({index for atom in touched for index in blocks_of.get(atom, ())})
            weekly = [block_list[index] for index in near]  # in the same order as before
            if small_group_derivable(figures=weekly + figures, counts=counts, k=k):
                drop = min(group, key=lambda team: (totals[team], team))
                plan.pooled.discard(drop)
                del pooled_atoms[drop]
                pending = True


def _weekly_blocks(
    *,
    plan: WindowPlan,
    children: Mapping[int, Sequence[int]],
    order: Sequence[int],
    counts: Mapping[tuple[int, int], int],
) -> list[frozenset[tuple[int, int]]]:
    """Each round's weekly figures as blocks of (team, round key) atoms: a shown team's own
    respondents with those of its hidden descendants.

    A round's weekly figures span the same space as their blocks (disjoint sets of atoms), so
    the window check uses blocks, and only those touching a pooled figure: the others are
    separate coordinates, each already >= k by the block rule.
    """
    blocks: dict[tuple[int, int], set[tuple[int, int]]] = defaultdict(set)
    for key in plan.round_keys:
        shown = plan.weekly.get(key, set())
        owner: dict[int, int | None] = {ORG: None}
        for node in order:
            mine = node if node in shown else owner.get(node)
            for child in children.get(node, ()):
                owner[child] = mine
            if mine is not None and (node, key) in counts:
                blocks[(mine, key)].add((node, key))
    return [frozenset(b) for b in blocks.values()]


def _components(
    pooled: Mapping[int, frozenset[tuple[int, int]]], blocks: Sequence[frozenset[tuple[int, int]]]
) -> list[list[int]]:
    """Pooled teams grouped by shared atoms or shared weekly blocks (union-find)."""
    parent = {team: team for team in pooled}

    def find(team: int) -> int:
        while parent[team] != team:
            parent[team] = parent[parent[team]]
            team = parent[team]
        return team

    holder: dict[tuple[int, int], int] = {}
    for team, found in pooled.items():
        for atom in found:
            if atom in holder:
                parent[find(team)] = find(holder[atom])
            holder[atom] = team
    for block in blocks:
        inside = [find(holder[a]) for a in block if a in holder]
        for other in inside[1:]:
            parent[find(other)] = find(inside[0])
    groups: dict[int, list[int]] = defaultdict(list)
    for team in pooled:
        groups[find(team)].append(team)
    return list(groups.values())


def small_group_derivable(
    *, figures: Sequence[frozenset[Any]], counts: Mapping[Any, int], k: int
) -> bool:
    """Whether the sums of `figures` determine the sum of some group of 1..k-1 respondents.

    Atoms that sit in exactly the same figures cannot be told apart, so derivable groups are
    unions of such cells; a union is derivable iff it is orthogonal to the figures' null space.
    """
    patterns: dict[Any, set[int]] = {}
    for index, figure in enumerate(figures):
        for atom in figure:
            patterns.setdefault(atom, set()).add(index)
    cells: dict[frozenset[int], int] = {}
    for atom, found_in in patterns.items():
        key = frozenset(found_in)
        cells[key] = cells.get(key, 0) + counts.get(atom, 0)
    columns = list(cells.items())
    if not columns:
        return False
    matrix = np.zeros((len(figures), len(columns)))
    for column, (rows, _size) in enumerate(columns):
        matrix[list(rows), column] = 1.0
    try:
        basis = null_space(matrix)
    except np.linalg.LinAlgError:
        return True  # cannot tell: assume the worst, so the caller hides more
    small = [i for i, (_rows, size) in enumerate(columns) if 0 < size < k]
    budget = [SEARCH_BUDGET]

    def search(start: int, chosen: list[int], total: int) -> bool:
        for position in range(start, len(small)):
            budget[0] -= 1
            if budget[0] < 0:
                return True  # too many combinations to clear: assume the worst and hide more
            cell = small[position]
            size = columns[cell][1]
            if total + size >= k:
                continue
            group = [*chosen, cell]
            if basis.shape[1] == 0 or np.allclose(basis[group].sum(axis=0), 0.0, atol=1e-9):
                return True
            if search(position + 1, group, total + size):
                return True
        return False

    return search(0, [], 0)


def window_of(*, round_number: int) -> int:
    """Fixed windows by round number (`checkins.services.tree.round_window`: the tree is frozen
    per window too): rounds 1-4 are window 0, 5-8 window 1, and so on."""
    return round_window(number=round_number)


def plans_for_rounds(
    *,
    parents: Mapping[int, int | None],
    rounds: Sequence[tuple[int, int]],
    own_by_round: Mapping[int, Mapping[int, int]],
    invited_by_round: Mapping[int, Mapping[int, int]],
    k_by_round: Mapping[int, int],
    broken_by_round: Mapping[int, frozenset[int]] | None = None,
) -> dict[int, WindowPlan]:
    """Plans for the windows of `rounds` ((round key, round number) pairs, every closed round of
    one survey in those windows, oldest first), by round key.

    The caller passes whole windows, so a 12-week and a 26-week view cut them identically.
    """
    windows: dict[int, list[tuple[int, int]]] = {}
    for key, number in rounds:
        windows.setdefault(window_of(round_number=number), []).append((key, number))
    by_round: dict[int, WindowPlan] = {}
    for window, members in windows.items():
        keys = [key for key, _number in members]
        numbers = {number for _key, number in members}
        first = min(members, key=lambda pair: pair[1])[0]
        last_number = (window + 1) * WINDOW_ROUNDS
        # A window uses the strictest k of its rounds (k is frozen per round and rarely changes).
        plan = window_plan(
            parents=parents,
            own_by_round={key: own_by_round.get(key, {}) for key in keys},
            invited_at_start=invited_by_round.get(first, {}),
            k=max(k_by_round[key] for key in keys),
            complete=last_number in numbers and len(numbers) == WINDOW_ROUNDS,
            broken=broken_by_round,
        )
        for key in keys:
            by_round[key] = plan
    return by_round

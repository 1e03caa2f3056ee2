"""tree_hide keeps its blocks up to date as it hides teams; it must decide exactly what the
plain definition decides (every block recomputed after each hidden team), on random trees."""

from __future__ import annotations

import random

import pytest

from culture.anonymity import _blocks, _children, _order, subtree_totals, tree_hide


def _reference(*, parents, own, k, hidden=frozenset(), pinned=frozenset()) -> set[int]:
    """The rule as first written: recompute every block after each hidden team."""
    children = _children(parents)
    order = _order(children)
    totals = subtree_totals(parents=parents, own=own)
    visible = {n for n in order if totals[n] >= k and n not in hidden} | (pinned - hidden)
    accepted: set[int] = set()
    while True:
        block, frontier = _blocks(order=order, children=children, own=own, visible=visible)
        bad = next(
            (n for n in order if n in visible and n not in accepted and 0 < block[n] < k), None
        )
        if bad is None:
            return visible
        candidates = sorted(
            (c for c in frontier[bad] if c not in pinned),
            key=lambda c: (block[c] == 0, totals[c], c),
        )
        if candidates:
            visible.discard(candidates[0])
        elif bad not in pinned:
            visible.discard(bad)
        else:
            accepted.add(bad)


@pytest.mark.parametrize("seed", range(8))
def test_incremental_blocks_decide_what_the_plain_rule_decides(seed):
    rng = random.Random(seed)
    for _ in range(300):
        size = rng.randint(1, 80)
        parents = {
            i: None if i == 1 or rng.random() < 0.1 else rng.randint(1, i - 1)
            for i in range(1, size + 1)
        }
        own = {
            i: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12]) for i in parents if rng.random() < 0.9
        }
        k = rng.choice([3, 5, 10])
        nodes = list(parents)
        hidden = frozenset(rng.sample(nodes, min(3, size))) if rng.random() < 0.3 else frozenset()
        pinned = frozenset(rng.sample(nodes, min(5, size))) if rng.random() < 0.3 else frozenset()
        args = {"parents": parents, "own": own, "k": k, "hidden": hidden, "pinned": pinned}
        assert tree_hide(**args) == _reference(**args), args

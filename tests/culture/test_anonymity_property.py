"""Attack the anonymity engine with random organisations (promises A1, A2, A3).

Hypothesis builds an organisation (1-200 people, a random team tree, joiners, leavers and movers
between rounds, random respondents), asks the engine what may be shown, and hands every visible
figure's respondent set to an attacker who knows exactly who is in each figure. Each figure is a
sum over (person, round) answers, so the attacker's knowledge is the row space of the incidence
matrix of the visible figures. The attacker wins if some group of 1..k-1 answers is a vector in
that row space (it can be computed from the visible sums), or if any visible figure has fewer
than k respondents.

Every role sees a subset of the figures HR sees (a manager: their subtree), and a subset of a
safe set of figures spans less, so attacking the full set covers every role.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space

from culture.anonymity import plans_for_rounds
from tests.attacker.world import subtree

Figure = frozenset[tuple[int, int]]  # (person, round) answers


def _organisation(rng: random.Random, people: int, teams: int, rounds: int) -> tuple:
    parents: dict[int, int | None] = {1: None}
    for team in range(2, teams + 1):
        parents[team] = (
            rng.choice([None, *range(1, team)]) if rng.random() < 0.15 else (rng.randrange(1, team))
        )
    # Skew team sizes so small teams and small children are common.
    weights = [rng.choice([1, 1, 2, 5, 10]) for _ in range(teams)]
    team_of = {p: rng.choices(range(1, teams + 1), weights)[0] for p in range(people)}
    present = {p: rng.random() < 0.9 for p in range(people)}
    membership: list[dict[int, int]] = []
    respondents: list[set[int]] = []
    rate = rng.choice([0.3, 0.6, 0.8, 1.0])
    for _ in range(rounds):
        members = {p: team_of[p] for p in range(people) if present[p]}
        membership.append(members)
        respondents.append({p for p in members if rng.random() < rate})
        for p in range(people):  # between rounds: leavers, joiners, movers
            roll = rng.random()
            if roll < 0.05:
                present[p] = not present[p]
            elif roll < 0.08:
                team_of[p] = rng.randrange(1, teams + 1)
    return parents, membership, respondents


def _visible_figures(parents, membership, respondents, k, first_number, closed) -> set[Figure]:
    """Every figure shown once the first `closed` rounds have closed."""
    keys = list(range(closed))

    def own(people: set[int] | dict[int, int], r: int) -> dict[int, int]:
        return {team: sum(1 for p in people if membership[r][p] == team) for team in parents}

    plans = plans_for_rounds(
        parents=parents,
        rounds=[(r, first_number + r) for r in keys],
        own_by_round={r: own(respondents[r], r) for r in keys},
        invited_by_round={r: own(membership[r], r) for r in keys},
        k_by_round={r: k for r in keys},
    )

    def answers(team: int, rounds: list[int]) -> Figure:
        teams = subtree(parents, team)
        return frozenset(
            (p, r) for r in rounds for p in respondents[r] if membership[r][p] in teams
        )

    figures: set[Figure] = set()
    for r in keys:
        plan = plans[r]
        figures |= {answers(team, [r]) for team in plan.weekly[r]}
        figures |= {answers(team, plan.round_keys) for team in plan.pooled}
    return figures


def _everything_ever_shown(parents, membership, respondents, k, first_number) -> list[Figure]:
    """The union over time: a viewer remembers what they saw before the next round closed."""
    seen: set[Figure] = set()
    for closed in range(1, len(membership) + 1):
        seen |= _visible_figures(parents, membership, respondents, k, first_number, closed)
    return sorted(seen, key=sorted)


def _attack(figures: list[Figure], k: int) -> str | None:
    """A description of a disclosure, or None when nothing below k can be derived."""
    for figure in figures:
        if len(figure) < k:
            return f"a figure from {len(figure)} respondents"
    for a, b in itertools.permutations(figures, 2):
        if b < a and len(a - b) < k:
            return f"two nested figures differ by {len(a - b)} respondents"
    if not figures:
        return None
    # Answers that sit in exactly the same figures are indistinguishable: one cell each.
    patterns: dict[frozenset[int], int] = {}
    membership: dict[tuple[int, int], set[int]] = {}
    for index, figure in enumerate(figures):
        for answer in figure:
            membership.setdefault(answer, set()).add(index)
    for rows in membership.values():
        key = frozenset(rows)
        patterns[key] = patterns.get(key, 0) + 1
    cells = list(patterns.items())
    matrix = np.zeros((len(figures), len(cells)))
    for column, (rows, _size) in enumerate(cells):
        matrix[list(rows), column] = 1.0
    # v is derivable iff it is orthogonal to the null space of the figure matrix.
    basis = null_space(matrix)
    small = [i for i, (_rows, size) in enumerate(cells) if size < k]
    checked = 0

    def search(start: int, chosen: list[int], total: int) -> str | None:
        nonlocal checked
        for position in range(start, len(small)):
            cell = small[position]
            size = cells[cell][1]
            if total + size >= k:
                continue
            group = [*chosen, cell]
            checked += 1
            if basis.shape[1] == 0 or np.allclose(basis[group].sum(axis=0), 0.0, atol=1e-8):
                return f"a group of {total + size} answers is derivable from the visible sums"
            if checked < 20000:
                found = search(position + 1, group, total + size)
                if found:
                    return found
        return None

    return search(0, [], 0)


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    people=st.integers(min_value=1, max_value=200),
    teams=st.integers(min_value=1, max_value=12),
    rounds=st.integers(min_value=1, max_value=9),
    first_number=st.integers(min_value=1, max_value=4),
    k=st.integers(min_value=3, max_value=6),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_no_visible_combination_isolates_fewer_than_k(people, teams, rounds, first_number, k, seed):
    parents, membership, respondents = _organisation(random.Random(seed), people, teams, rounds)
    figures = _everything_ever_shown(parents, membership, respondents, k, first_number)
    assert _attack(figures, k) is None


def test_the_attacker_catches_a_naive_engine():
    """Guard against a toothless attacker: plain k-suppression leaks by subtraction."""
    parent = frozenset((p, 0) for p in range(8))
    big_child = frozenset((p, 0) for p in range(6))
    assert _attack([parent, big_child], k=5) is not None  # 8 - 6 = 2 answers
    week_1 = frozenset((p, 1) for p in range(6))
    window = week_1 | frozenset((p, 2) for p in range(2))
    assert _attack([window, week_1], k=5) is not None  # the window minus a week: 2 answers
    siblings = [frozenset((p, 0) for p in range(i * 5, i * 5 + 5)) for i in range(3)]
    whole = frozenset().union(*siblings) | {(99, 0)}
    # No pair differs by less than k here; only the linear system finds the one left over.
    assert _attack([whole, *siblings], k=5) == (
        "a group of 1 answers is derivable from the visible sums"
    )

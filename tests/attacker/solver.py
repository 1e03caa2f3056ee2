"""The linear-algebra attacker, as in tests/culture/test_anonymity_property.py, over variables.

Each shown number is a sum of secret variables (a respondent's dimension score in a round, one
favourable answer, one response flag), and the attacker knows which variables each one sums
(the conservative model: who responded is treated as known). Every variable belongs to a unit,
a (person, round). The attacker wins when some nonzero combination of the shown sums is
supported on variables of 1..k-1 units: then it is a figure about fewer than k people.

Variables in exactly the same shown sums are indistinguishable, so they form one cell. A
combination supported on a set S of cells is derivable iff the rows of S in a null-space basis
of the (figures x cells) matrix are linearly dependent: rank(M without S) < rank(M) iff
rank(B[S]) < |S|.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable

import numpy as np
from scipy.linalg import null_space

Var = Hashable
Unit = Hashable
MAX_CHECKS = 4000


Row = frozenset[tuple[Var, float]]  # (variable, coefficient) pairs


def _units(vector: dict[Var, float], unit_of: Callable[[Var], Unit]) -> set[Unit]:
    return {unit_of(v) for v, c in vector.items() if abs(c) > 1e-9}


def attack(rows: Iterable[Row], unit_of: Callable[[Var], Unit], k: int) -> tuple[set, str] | None:
    """(the units isolated, how) or None when no group of 1..k-1 units can be derived."""
    figures = sorted({row for row in rows if row}, key=lambda r: (len(r), sorted(map(str, r))))
    vectors = [dict(row) for row in figures]
    for vector in vectors:
        units = _units(vector, unit_of)
        if len(units) < k:
            return units, f"a shown figure covers {len(units)} people"
    for a, b in itertools.combinations(vectors, 2):
        difference = {v: b.get(v, 0.0) - a.get(v, 0.0) for v in a.keys() | b.keys()}
        units = _units(difference, unit_of)
        if 0 < len(units) < k:
            return units, "two shown figures differ by them"
    if not figures:
        return None
    by_var: dict[Var, list[tuple[int, float]]] = {}
    for index, vector in enumerate(vectors):
        for var, coefficient in vector.items():
            by_var.setdefault(var, []).append((index, coefficient))
    cells: dict[tuple[tuple[int, float], ...], set[Unit]] = {}
    for var, entries in by_var.items():
        cells.setdefault(tuple(entries), set()).add(unit_of(var))
    patterns = list(cells)
    matrix = np.zeros((len(figures), len(patterns)))
    for column, pattern in enumerate(patterns):
        for index, coefficient in pattern:
            matrix[index, column] = coefficient
    basis = null_space(matrix)
    small = [c for c, pattern in enumerate(patterns) if len(cells[pattern]) < k]
    checked = 0

    def derivable(group: list[int]) -> bool:
        if basis.shape[1] == 0:
            return True
        return np.linalg.matrix_rank(basis[group], tol=1e-8) < len(group)

    def search(start: int, chosen: list[int], units: set[Unit]) -> set[Unit] | None:
        nonlocal checked
        for position in range(start, len(small)):
            cell = small[position]
            together = units | cells[patterns[cell]]
            if len(together) >= k:
                continue
            group = [*chosen, cell]
            checked += 1
            if derivable(group):
                return together
            if checked < MAX_CHECKS:
                found = search(position + 1, group, together)
                if found:
                    return found
        return None

    found = search(0, [], set())
    if found is None:
        return None
    return found, "a combination of the shown sums isolates them"

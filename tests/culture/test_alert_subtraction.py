"""The alert's subtraction check (A2 inside one email) is linear in the lines; it must leave out
exactly the lines the plain definition leaves out: restart from the top after each removal, every
listed team against its top-most listed sub-teams."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from culture.selectors_digest import TeamLine, lines_trim
from org.models import Team

KEYS = ("invited", "responded", "dimension-1", "dimension-2")


def _reference(*, lines: list[TeamLine], counts: dict, k: int) -> list[TeamLine]:
    """The definition, quadratic and restarting after every removal (the former code)."""
    kept = list(lines)
    changed = True
    while changed:
        changed = False
        for parent in kept:
            below = [
                line
                for line in kept
                if line is not parent and line.team.path.startswith(parent.team.path)
            ]
            tops = [b for b in below if not any(
                o is not b and b.team.path.startswith(o.team.path) for o in below
            )]  # fmt: skip
            if not tops:
                continue
            mine = counts[parent.team.pk]
            if any(
                0 < mine.get(key, 0) - sum(counts[t.team.pk].get(key, 0) for t in tops) < k
                for key in mine
            ):
                kept.remove(min(tops, key=lambda t: counts[t.team.pk].get("responded", 0)))
                changed = True
                break
    return kept


@st.composite
def alerts(draw):
    size = draw(st.integers(min_value=1, max_value=25))
    parents: dict[int, int | None] = {1: None}
    for node in range(2, size + 1):
        parents[node] = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=node - 1)))
    paths: dict[int, str] = {}
    for node in range(1, size + 1):  # parents come first
        parent = parents[node]
        paths[node] = (paths[parent] if parent else "/") + f"{node}/"
    own = {
        node: {key: draw(st.integers(min_value=0, max_value=9)) for key in KEYS} for node in parents
    }
    # Counts are subtree totals, as in the roll-ups.
    counts = {node: dict.fromkeys(KEYS, 0) for node in parents}
    for node in parents:
        for other, path in paths.items():
            if path.startswith(paths[node]):
                for key in KEYS:
                    counts[node][key] += own[other][key]
    listed = draw(st.lists(st.sampled_from(sorted(parents)), unique=True, min_size=1))
    listed.sort(key=lambda node: paths[node])
    lines = [TeamLine(team=Team(pk=node, path=paths[node]), summary=None) for node in listed]
    return lines, counts, draw(st.integers(min_value=2, max_value=6))


@settings(max_examples=400, deadline=None)
@given(alerts())
def test_the_linear_check_keeps_what_the_definition_keeps(case):
    lines, counts, k = case
    assert lines_trim(lines=lines, counts=counts, k=k) == _reference(
        lines=lines, counts=counts, k=k
    )


def test_a_listed_team_never_isolates_a_small_rest():
    """Acme (20 respondents) lists Engineering (12) and Sales (6): Acme minus both isolates its
    2 own members, so the smaller sub-team (Sales) is left out; Acme minus Engineering is 8."""
    paths = {1: "/1/", 2: "/1/2/", 3: "/1/3/"}
    counts = {1: {"responded": 20}, 2: {"responded": 12}, 3: {"responded": 6}}
    lines = [TeamLine(team=Team(pk=n, path=p), summary=None) for n, p in paths.items()]
    kept = lines_trim(lines=lines, counts=counts, k=5)
    assert [line.team.pk for line in kept] == [1, 2]

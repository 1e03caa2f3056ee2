"""Freeze a closed round's team tree and forget who answered (promises A3 and A6).

A round is rolled up and decided on the tree frozen when it closes, never on today's: a team
moved, merged or split afterwards cannot re-open a figure already released (A3). Rounds of one
fixed window share one tree, so the anonymity engine decides a window on a single tree: a
round takes the tree of the earlier rounds of its window and adds only the teams created since
(new leaves never change an earlier round's figures). Moves take effect from the next window.

When the round closes the per-person `responded` flag is forgotten (None): the roll-ups count
responses, and reminders stop at the close, so nothing needs to know who answered any more (A6).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db import transaction

from checkins.models import Participation, Round, RoundTeam
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


def _window_tree(rnd: Round) -> dict[int, int | None]:
    """The tree of the round's window so far, plus the teams created since (new leaves)."""
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
    return parents


def round_tree_freeze(*, round: Round) -> bool:
    """Freeze a closed round's tree and forget who answered. False when the round is open or
    already frozen; safe to run twice or concurrently (a row lock)."""
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=round.pk)
        if rnd.status != Round.Status.CLOSED or rnd.tree_frozen:
            return False
        parents = _window_tree(rnd)
        paths = tree_paths(parents)
        RoundTeam.objects.bulk_create(
            (
                RoundTeam(round=rnd, team_id=team, parent_id=parents[team], path=path)
                for team, path in paths.items()
            ),
            batch_size=2000,
        )
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

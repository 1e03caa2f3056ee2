"""Stored anonymity decisions: the engine runs once per survey window, pages read the result.

`window_decision_compute` loads the own-member counts of every team for one fixed window of a
survey's rolled-up rounds, runs the engine (`culture.anonymity`) for every dimension, every
question version, participation and comments, and stores what each team's subtree may show
(`WindowDecision`, `NodeDecision`). It is deterministic in its inputs (the counts, the team tree,
k), so a stored decision equals what a fresh run would give; the score book recomputes a window
whose roll-ups or tree changed. `round_decisions_compute` is the hook to run right after a
round's roll-ups are written (culture.tasks.rollup_round), so the first page view is fast too.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from checkins.models import Round
from culture.anonymity import (
    COMMENT_MIN_RESPONDENTS,
    WINDOW_ROUNDS,
    plans_for_rounds,
    tree_visible,
    window_of,
)
from culture.models import (
    DimensionRollup,
    NodeDecision,
    ParticipationRollup,
    QuestionRollup,
    RoundRollupState,
    WindowDecision,
)
from org.models import Team

# Bump when what a stored decision holds changes: every stored decision is then made again.
DECISION_FORMAT = 2


def tree_fingerprint(parents: Mapping[int, int | None]) -> str:
    """A short hash of the team tree (and the decision format): a decision is valid only for the
    tree it was made on."""
    text = f"v{DECISION_FORMAT}|" + ";".join(
        f"{team}:{parents[team] or 0}" for team in sorted(parents)
    )
    return hashlib.sha256(text.encode()).hexdigest()


def window_rounds_get(*, survey_id: int, window: int) -> list[tuple[int, int, int, int]]:
    """(round id, number, k, roll-up state id) of the window's closed, rolled-up rounds."""
    states = dict(
        RoundRollupState.objects.filter(
            round__survey_id=survey_id,
            round__number__gte=window * WINDOW_ROUNDS + 1,
            round__number__lte=(window + 1) * WINDOW_ROUNDS,
            round__status=Round.Status.CLOSED,
        ).values_list("round_id", "pk")
    )
    rounds = Round.objects.filter(pk__in=list(states)).values_list("pk", "number", "min_group_size")
    return sorted((pk, number, k, states[pk]) for pk, number, k in rounds)


def _own_counts(model: Any, field: str, round_ids: list[int]) -> dict[str, dict[int, dict]]:
    own: dict[str, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    prefix = "d" if field == "dimension_id" else "q"
    for round_id, team_id, measure_id, n in model.objects.filter(
        includes_subteams=False, round_id__in=round_ids
    ).values_list("round_id", "team_id", field, "n"):
        own[f"{prefix}{measure_id}"][round_id][team_id] = n
    return own


def window_decision_compute(
    *,
    survey_id: int,
    window: int,
    parents: Mapping[int, int | None] | None = None,
    rounds: list[tuple[int, int, int, int]] | None = None,
) -> WindowDecision | None:
    """Run the engine on one window and store its decision (replacing an older one)."""
    if rounds is None:
        rounds = window_rounds_get(survey_id=survey_id, window=window)
    if not rounds:
        WindowDecision.objects.filter(survey_id=survey_id, window=window).delete()
        return None
    if parents is None:
        parents = dict(Team.objects.values_list("pk", "parent_id"))
    round_ids = [pk for pk, _number, _k, _state in rounds]
    k_by_round = {pk: k for pk, _number, k, _state in rounds}
    pairs = [(pk, number) for pk, number, _k, _state in rounds]
    own = _own_counts(DimensionRollup, "dimension_id", round_ids)
    own |= _own_counts(QuestionRollup, "question_version_id", round_ids)
    invited: dict[int, dict[int, int]] = defaultdict(dict)
    responded: dict[int, dict[int, int]] = defaultdict(dict)
    for round_id, team_id, count, answered in ParticipationRollup.objects.filter(
        includes_subteams=False, round_id__in=round_ids
    ).values_list("round_id", "team_id", "invited", "responded"):
        invited[round_id][team_id] = count
        responded[round_id][team_id] = answered

    shown: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"w": defaultdict(list), "p": [], "part": [], "com": []}
    )
    small: set[int] = set()  # nodes shown only as whole-window figures (too few invitees)
    for measure, own_by_round in own.items():
        plans = plans_for_rounds(
            parents=parents,
            rounds=pairs,
            own_by_round={key: own_by_round.get(key, {}) for key in round_ids},
            invited_by_round=invited,
            k_by_round=k_by_round,
        )
        plan = plans[round_ids[0]]  # one window: one plan
        for key, nodes in plan.weekly.items():
            for node in nodes:
                shown[node]["w"][measure].append(key)
        for node in plan.pooled:
            shown[node]["p"].append(measure)
        small |= plan.window_mode
    for pk in round_ids:
        k = k_by_round[pk]
        for node in tree_visible(parents=parents, own=invited.get(pk, {}), k=k):
            shown[node]["part"].append(pk)
        # Comments (A4): the same block rule on respondents, with at least ten per slice.
        comment_k = max(COMMENT_MIN_RESPONDENTS, k)
        for node in tree_visible(parents=parents, own=responded.get(pk, {}), k=comment_k):
            shown[node]["com"].append(pk)
    for node in small:
        shown[node]["small"] = True
    measures = {
        measure: sorted(key for key, counts in by_round.items() if any(counts.values()))
        for measure, by_round in own.items()
    }
    try:
        with transaction.atomic():
            WindowDecision.objects.filter(survey_id=survey_id, window=window).delete()
            decision = WindowDecision.objects.create(
                survey_id=survey_id,
                window=window,
                rounds=[[pk, state] for pk, _number, _k, state in rounds],
                tree=tree_fingerprint(parents),
                complete=_complete(rounds),
                measures=measures,
            )
            NodeDecision.objects.bulk_create(
                [
                    NodeDecision(decision=decision, node=node, shown=_compact(found))
                    for node, found in shown.items()
                ],
                batch_size=2000,
            )
    except IntegrityError:
        # A concurrent run stored the same decision first (the inputs are the same).
        return WindowDecision.objects.filter(survey_id=survey_id, window=window).first()
    return decision


def _complete(rounds: Iterable[tuple[int, int, int, int]]) -> bool:
    numbers = {number for _pk, number, _k, _state in rounds}
    return len(numbers) == WINDOW_ROUNDS


def _compact(found: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if found["w"]:
        out["w"] = {measure: sorted(keys) for measure, keys in found["w"].items()}
    for name in ("p", "part", "com"):
        if found[name]:
            out[name] = sorted(found[name])
    if found.get("small"):
        out["small"] = True
    return out


def round_decisions_compute(*, round: Round) -> WindowDecision | None:
    """Decide the window a freshly rolled-up round falls in. Call after its roll-ups commit."""
    return window_decision_compute(
        survey_id=round.survey_id, window=window_of(round_number=round.number)
    )


def windows_decisions_compute(*, survey_id: int, windows: list[int]) -> int:
    """Decide several windows of a survey (the demo seed's history). Returns how many stored."""
    parents = dict(Team.objects.values_list("pk", "parent_id"))
    stored = 0
    for window in windows:
        stored += (
            window_decision_compute(survey_id=survey_id, window=window, parents=parents) is not None
        )
    return stored

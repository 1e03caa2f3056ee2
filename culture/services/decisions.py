"""Stored anonymity decisions: the engine runs once per survey window, pages read the result.

`window_decision_compute` loads the own-member counts of every team for one fixed window of a
survey's rolled-up rounds, runs the engine (`culture.anonymity`) for every dimension, every
question version, participation and comments, and stores what each team's subtree may show
(`WindowDecision`, `NodeDecision`). It is deterministic in its inputs (the counts, the team tree,
k), so a stored decision equals what a fresh run would give; the score book recomputes a window
whose roll-ups or tree changed. `round_decisions_compute` is the hook to run right after a
round's roll-ups are written (culture.tasks.round_rollup_compute), so the first page view is fast too.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from checkins.models import QuestionVersion, Round, RoundTeam
from culture.anonymity import (
    COMMENT_MIN_RESPONDENTS,
    WINDOW_ROUNDS,
    WindowPlan,
    plans_for_rounds,
    subtree_totals,
    tree_hide,
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

# Bump when what a stored decision holds changes: every stored decision is then made again.
DECISION_FORMAT = 7


def tree_fingerprint(parents: Mapping[int, int | None]) -> str:
    """The decision format and a short hash of the (frozen) tree it was made on. A window's tree
    is frozen with its rounds, so only a new format makes a stored decision stale."""
    text = ";".join(f"{team}:{parents[team] or 0}" for team in sorted(parents))
    return f"{format_prefix()}{hashlib.sha256(text.encode()).hexdigest()[:40]}"


def format_prefix() -> str:
    return f"v{DECISION_FORMAT}:"


def window_tree_get(*, rounds: list[tuple[int, int, int, int]]) -> dict[int, int | None]:
    """The frozen tree a window is decided on: that of its latest round, which holds the
    earlier rounds' tree plus any team created since (`checkins.services.tree`)."""
    latest = max(rounds, key=lambda r: r[1])[0]
    return dict(RoundTeam.objects.filter(round_id=latest).values_list("team_id", "parent_id"))


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


def _own_counts(round_ids: list[int]) -> dict[str, dict[int, dict]]:
    """measure -> round -> team -> respondents, from the own-member roll-ups. Besides each
    dimension ("d") and question version ("q"), a dimension's respondents who answered all its
    items ("c") and those who skipped some ("s") are measures of their own (A2b): the dimension's
    figure weighs their answers differently from its items' figures."""
    own: dict[str, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for round_id, team_id, dimension_id, n, complete in DimensionRollup.objects.filter(
        includes_subteams=False, round_id__in=round_ids
    ).values_list("round_id", "team_id", "dimension_id", "n", "complete"):
        own[f"d{dimension_id}"][round_id][team_id] = n
        own[f"c{dimension_id}"][round_id][team_id] = complete
        own[f"s{dimension_id}"][round_id][team_id] = n - complete
    for round_id, team_id, version_id, n in QuestionRollup.objects.filter(
        includes_subteams=False, round_id__in=round_ids
    ).values_list("round_id", "team_id", "question_version_id", "n"):
        own[f"q{version_id}"][round_id][team_id] = n
    return own


def _families(measures: Iterable[str]) -> dict[str, str]:
    """Measure -> the family decided as one (A2b): a dimension with its items and the groups of
    its complete and partial respondents share answers; eNPS and other items stand alone."""
    versions = [int(m[1:]) for m in measures if m.startswith("q")]
    dimension_of = dict(
        QuestionVersion.objects.filter(pk__in=versions).values_list("pk", "question__dimension_id")
    )
    family = {}
    for measure in measures:
        if measure.startswith("q"):
            dimension = dimension_of.get(int(measure[1:]))
            family[measure] = f"d{dimension}" if dimension is not None else measure
        else:
            family[measure] = f"d{measure[1:]}"
    return family


@dataclass(frozen=True)
class _WindowInputs:
    """What the engine decides a window from: the own-member counts, the tree and k."""

    rounds: list[tuple[int, int, int, int]]
    parents: Mapping[int, int | None]
    own: dict[str, dict[int, dict[int, int]]]  # measure -> round -> team -> respondents
    family: dict[str, str]  # measure -> the family it is decided with (A2b)
    invited: dict[int, dict[int, int]]
    responded: dict[int, dict[int, int]]
    broken: dict[int, frozenset[int]]  # round -> teams without a figure of their own (A6)


def _window_inputs(
    rounds: list[tuple[int, int, int, int]], parents: Mapping[int, int | None]
) -> _WindowInputs:
    round_ids = [pk for pk, _number, _k, _state in rounds]
    own = _own_counts(round_ids)
    invited: dict[int, dict[int, int]] = defaultdict(dict)
    responded: dict[int, dict[int, int]] = defaultdict(dict)
    for round_id, team_id, count, answered in ParticipationRollup.objects.filter(
        includes_subteams=False, round_id__in=round_ids
    ).values_list("round_id", "team_id", "invited", "responded"):
        invited[round_id][team_id] = count
        responded[round_id][team_id] = answered
    broken: dict[int, set[int]] = defaultdict(set)
    for round_id, team_id in RoundTeam.objects.filter(
        round_id__in=round_ids, whole=False
    ).values_list("round_id", "team_id"):
        broken[round_id].add(team_id)
    return _WindowInputs(
        broken={key: frozenset(teams) for key, teams in broken.items()},
        rounds=rounds,
        parents=parents,
        own={measure: dict(by_round) for measure, by_round in own.items()},
        family=_families(own),
        invited=dict(invited),
        responded=dict(responded),
    )


def _window_shown(inputs: _WindowInputs) -> dict[int, dict[str, Any]]:
    """Run the engine on one window: what each node may show (compact). Pure, no database."""
    shown: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"w": defaultdict(list), "p": [], "part": [], "com": [], "grp": []}
    )
    plans = _plans_make(inputs)
    _measures_show(inputs, plans, shown)
    _groups_show(inputs, shown)
    for node in set().union(*(plan.window_mode for plan in plans.values())):
        shown[node]["small"] = True  # shown only as whole-window figures (too few invitees)
    return {node: _compact(found) for node, found in shown.items()}


def _plans_make(inputs: _WindowInputs) -> dict[str, WindowPlan]:
    """Each measure's plan for the window: the weekly and pooled figures it may show."""
    round_ids = [pk for pk, _number, _k, _state in inputs.rounds]
    return {
        measure: plans_for_rounds(
            parents=inputs.parents,
            rounds=[(pk, number) for pk, number, _k, _state in inputs.rounds],
            own_by_round={key: own_by_round.get(key, {}) for key in round_ids},
            invited_by_round=inputs.invited,
            k_by_round={pk: k for pk, _number, k, _state in inputs.rounds},
            broken_by_round=inputs.broken,
        )[round_ids[0]]  # one window: one plan
        for measure, own_by_round in inputs.own.items()
    }


def _measures_show(
    inputs: _WindowInputs, plans: Mapping[str, WindowPlan], shown: dict[int, dict[str, Any]]
) -> None:
    """Mark the weekly ("w") and pooled ("p") figures each node shows, family by family.

    A2b: a dimension, its items and its complete and partial respondents share answers. Alone,
    a dimension's figure mixes them beyond separation, so it keeps its own decision; an item's
    figure is shown only where every member of the family may be, so the items beside their
    dimension never isolate a lone answer or a lone partial respondent. Each member's own
    figures are safe, and a subset of a safe set of figures reveals no more, so the
    intersection is safe for every member at once. A subtree where a member has no
    respondent at all does not constrain the family (its figure for that member is empty).
    """
    own, parents = inputs.own, inputs.parents
    round_ids = [pk for pk, _number, _k, _state in inputs.rounds]
    members: dict[str, list[str]] = defaultdict(list)
    for measure in own:
        members[inputs.family[measure]].append(measure)
    for family in members.values():
        pooled_own: dict[str, dict[int, int]] = {m: defaultdict(int) for m in family}
        for key in round_ids:
            allowed = {}
            for measure in family:
                counts = own[measure].get(key, {})
                for team, count in counts.items():
                    pooled_own[measure][team] += count
                if any(counts.values()):
                    allowed[measure] = (
                        _with_empty(plans[measure].weekly.get(key, set()), parents, counts)
                        - plans[measure].window_mode
                    )
            weekly = {m: plans[m].weekly.get(key, set()) for m in allowed}
            for node, measure in _family_figures(allowed, weekly):
                shown[node]["w"][measure].append(key)
        allowed = {
            m: _with_empty(plans[m].pooled, parents, pooled_own[m]) & plans[m].window_mode
            for m in family
            if any(pooled_own[m].values())
        }
        for node, measure in _family_figures(allowed, {m: plans[m].pooled for m in allowed}):
            shown[node]["p"].append(measure)


def _family_figures(
    allowed: Mapping[str, set[int]], planned: Mapping[str, set[int]]
) -> Iterator[tuple[int, str]]:
    """(node, measure) for each figure of one family to show: a dimension where its own plan
    shows it, an item only where every member of its family is allowed too (A2b). Respondent
    counts ("r...") are never figures."""
    together = set.intersection(*allowed.values()) if allowed else set()
    for measure in allowed:
        if measure[0] in "dq":
            mine = planned[measure]
            for node in mine if measure[0] == "d" else together & mine:
                yield node, measure


def _groups_show(inputs: _WindowInputs, shown: dict[int, dict[str, Any]]) -> None:
    """Mark, per round, the groups counted in a larger one ("grp"), where participation shows
    ("part") and where comments show ("com")."""
    for pk, _number, k, _state in inputs.rounds:
        broken = inputs.broken.get(pk, frozenset())
        # Asked, but its people were counted in a larger group (A6): the pages say "fewer than k"
        # for it, exactly as for a team that was asked and answered too little.
        for node in broken:
            shown[node]["grp"].append(pk)
        for node in tree_hide(
            parents=inputs.parents, own=inputs.invited.get(pk, {}), k=k, hidden=broken
        ):
            shown[node]["part"].append(pk)
        # Comments (A4): the same block rule on respondents, with at least ten per slice.
        comment_k = max(COMMENT_MIN_RESPONDENTS, k)
        for node in tree_hide(
            parents=inputs.parents, own=inputs.responded.get(pk, {}), k=comment_k, hidden=broken
        ):
            shown[node]["com"].append(pk)


def _with_empty(
    visible: set[int], parents: Mapping[int, int | None], counts: Mapping[int, int]
) -> set[int]:
    """`visible` plus every node whose subtree has no respondent in `counts` (ORG included)."""
    totals = subtree_totals(parents=parents, own=counts)
    return visible | {node for node, total in totals.items() if total == 0}


def _window_store(
    *, survey_id: int, window: int, inputs: _WindowInputs, shown: dict[int, dict[str, Any]]
) -> WindowDecision | None:
    measures = {
        measure: sorted(key for key, counts in by_round.items() if any(counts.values()))
        for measure, by_round in inputs.own.items()
        if measure[0] in "dq"  # the complete/partial groups are only constraints
    }
    try:
        with transaction.atomic():
            WindowDecision.objects.filter(survey_id=survey_id, window=window).delete()
            decision = WindowDecision.objects.create(
                survey_id=survey_id,
                window=window,
                rounds=[[pk, state] for pk, _number, _k, state in inputs.rounds],
                tree=tree_fingerprint(inputs.parents),
                complete=_complete(inputs.rounds),
                measures=measures,
            )
            NodeDecision.objects.bulk_create(
                [
                    NodeDecision(decision=decision, node=node, shown=found)
                    for node, found in shown.items()
                ],
                batch_size=2000,
            )
    except IntegrityError:
        # A concurrent run stored the same decision first (the inputs are the same).
        return WindowDecision.objects.filter(survey_id=survey_id, window=window).first()
    return decision


def window_decision_compute(
    *,
    survey_id: int,
    window: int,
    rounds: list[tuple[int, int, int, int]] | None = None,
) -> WindowDecision | None:
    """Run the engine on one window, on its frozen tree, and store its decision (replacing an
    older one)."""
    if rounds is None:
        rounds = window_rounds_get(survey_id=survey_id, window=window)
    if not rounds:
        WindowDecision.objects.filter(survey_id=survey_id, window=window).delete()
        return None
    inputs = _window_inputs(rounds, window_tree_get(rounds=rounds))
    return _window_store(
        survey_id=survey_id, window=window, inputs=inputs, shown=_window_shown(inputs)
    )


def windows_decisions_compute(*, survey_id: int, windows: list[int]) -> int:
    """Decide several windows of a survey (the demo seed's history). Returns how many stored.

    The same decisions as `window_decision_compute` one window at a time (a test compares them):
    the counts are read here, the engine, pure Python over them and the heavy part, runs for
    the windows side by side in worker processes (one per core), and the results are stored here,
    in the caller's transaction.
    """
    found = {window: window_rounds_get(survey_id=survey_id, window=window) for window in windows}
    for window in [w for w, rounds in found.items() if not rounds]:
        WindowDecision.objects.filter(survey_id=survey_id, window=window).delete()
    decided = [w for w, rounds in found.items() if rounds]
    inputs = [
        _window_inputs(found[window], window_tree_get(rounds=found[window])) for window in decided
    ]
    workers = min(len(inputs), os.cpu_count() or 1)
    if workers > 1:
        # fork: the workers inherit the engine and the inputs' modules and never touch the
        # database connection (they only compute and send back plain dicts).
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            results = pool.map(_window_shown, inputs, chunksize=1)
    else:
        results = [_window_shown(one) for one in inputs]
    for window, one, shown in zip(decided, inputs, results, strict=True):
        _window_store(survey_id=survey_id, window=window, inputs=one, shown=shown)
    return len(decided)


def _complete(rounds: Iterable[tuple[int, int, int, int]]) -> bool:
    numbers = {number for _pk, number, _k, _state in rounds}
    return len(numbers) == WINDOW_ROUNDS


def _compact(found: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if found["w"]:
        out["w"] = {measure: sorted(keys) for measure, keys in found["w"].items()}
    for name in ("p", "part", "com", "grp"):
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

"""Stored anonymity decisions: made once per window, reused by every page, made again when the
window's roll-ups change (never because today's tree changed: a window is decided on the tree
frozen with its rounds, A3), and equal to a fresh run of the engine."""

from __future__ import annotations

import pytest
from django.urls import reverse

from checkins.models import RoundTeam
from checkins.services.rounds import round_open
from culture.anonymity import ORG, plans_for_rounds
from culture.models import DimensionRollup, NodeDecision, ParticipationRollup, WindowDecision
from culture.scorebook import scorebook_build
from culture.services.decisions import window_decision_compute, windows_decisions_compute
from demo.services.seed import demo_organisation_seed
from tests.factories import PersonFactory, TeamFactory
from tests.helpers import answer_all, close_and_roll_up, people_in


@pytest.fixture
def history(survey, org):
    """Two closed weeks: Platform 12 (weekly), Payments 6 (4-week windows), Sales 3."""
    rounds = []
    for _ in range(2):
        rnd = round_open(survey=survey)
        for team, count in ((org.platform, 12), (org.payments, 6), (org.sales, 3)):
            for p in people_in(team, count, rnd) if not rounds else ():
                answer_all(p, value=4)
        if rounds:
            for p in rnd.participations.all():
                answer_all(p, value=3)
        close_and_roll_up(rnd)
        rounds.append(rnd)
    return rounds


def test_a_decision_is_made_once_and_read_by_every_page(client, hr_admin, password, org, history):
    decision = WindowDecision.objects.get()
    assert sorted(r for r, _state in decision.rounds) == sorted(r.pk for r in history)
    client.login(username=hr_admin.email, password=password)
    for url in (
        reverse("culture:team", args=[org.engineering.pk]),
        reverse("culture:organisation"),
    ):
        assert client.get(url).status_code == 200
    again = WindowDecision.objects.get()
    assert (again.pk, again.computed_at) == (decision.pk, decision.computed_at)


def test_a_new_round_decides_the_window_again_and_a_reorganisation_does_not(survey, org, history):
    """A3: moves after a round closed cannot re-open its decision; a new round of the window
    is decided on the window's frozen tree, the team created since added as a new leaf."""
    first = WindowDecision.objects.get()
    research = TeamFactory(name="Research", parent=org.root)  # the tree changed
    org.sales.parent = org.engineering  # and a team moved
    org.sales.save()
    scorebook_build(latest_of=org.root, n_rounds=12, teams=[org.root.pk])
    second = WindowDecision.objects.get()
    assert (second.pk, second.tree) == (first.pk, first.tree)
    rnd = round_open(survey=survey)  # a third week in the same window
    for p in rnd.participations.all():
        answer_all(p, value=5)
    close_and_roll_up(rnd)  # decides the window again, as culture.tasks.round_rollup_compute does
    third = WindowDecision.objects.get()
    assert len(third.rounds) == 3 and third.pk != second.pk
    frozen = dict(rnd.frozen_teams.values_list("team_id", "parent_id"))
    assert frozen[org.sales.pk] == org.root.pk  # the window's tree: Sales not moved yet
    assert frozen[research.pk] == org.root.pk  # the new team joins as a new leaf


def test_stored_verdicts_equal_a_fresh_run_of_the_engine(org, history):
    """Every team's verdict per dimension and round, from the stored decision, is what the engine
    decides on the same counts and groups right now (everyone answered every item here, so a
    dimension's family adds nothing to its own decision)."""
    rounds = sorted(history, key=lambda r: r.number)
    broken: dict[int, set[int]] = {r.pk: set() for r in rounds}
    for round_id, team_id in RoundTeam.objects.filter(whole=False).values_list(
        "round_id", "team_id"
    ):
        broken[round_id].add(team_id)
    book = scorebook_build(latest_of=None, n_rounds=12, teams=None)
    parents = {t.pk: t.parent_id for t in book.teams.values()}
    invited: dict[int, dict[int, int]] = {r.pk: {} for r in rounds}
    for round_id, team_id, count in ParticipationRollup.objects.filter(
        includes_subteams=False
    ).values_list("round_id", "team_id", "invited"):
        invited[round_id][team_id] = count
    for dimension in book.dimensions:
        own: dict[int, dict[int, int]] = {r.pk: {} for r in rounds}
        for round_id, team_id, n in DimensionRollup.objects.filter(
            includes_subteams=False, dimension=dimension
        ).values_list("round_id", "team_id", "n"):
            own[round_id][team_id] = n
        if not any(own.values()):
            continue
        plans = plans_for_rounds(
            parents=parents,
            rounds=[(r.pk, r.number) for r in rounds],
            own_by_round=own,
            invited_by_round=invited,
            k_by_round={r.pk: r.min_group_size for r in rounds},
            broken_by_round={key: frozenset(teams) for key, teams in broken.items()},
        )
        for rnd in rounds:
            plan = plans[rnd.pk]
            for node in [ORG, *parents]:
                verdict = book.decision(node=node, measure=f"d{dimension.pk}", round=rnd)
                if node in plan.weekly.get(rnd.pk, set()):
                    assert verdict == "weekly", (node, rnd.pk)
                elif node in plan.pooled:
                    assert verdict in ("pooled", "pooled-later")
                else:
                    assert verdict == "hidden", (node, rnd.pk, verdict)
    # Someone below k never reaches a weekly verdict: Sales answered with 3 people.
    assert all(
        book.decision(node=org.sales.pk, measure=f"d{d.pk}", round=r) != "weekly"
        for d in book.dimensions
        for r in rounds
    )


def test_a_person_joining_changes_nothing_already_decided(org, history):
    """Decisions come from roll-ups and the tree only: a new person changes no stored decision."""
    before = WindowDecision.objects.get()
    PersonFactory(team=org.platform)
    scorebook_build(latest_of=org.root, n_rounds=12, teams=[org.root.pk])
    assert WindowDecision.objects.get().pk == before.pk


def test_a_caller_may_pass_its_own_rounds(org, history):
    """The API chooses its rounds itself: the same rounds give the same cells."""
    by_team = scorebook_build(latest_of=org.engineering, n_rounds=12, teams=[org.engineering.pk])
    given = scorebook_build(latest_ids=[r.pk for r in by_team.latest], teams=[org.engineering.pk])
    assert [r.pk for r in given.latest] == [r.pk for r in by_team.latest]
    for rnd in by_team.latest:
        for dimension in by_team.dimensions:
            a = by_team.cell(team_id=org.engineering.pk, dimension_id=dimension.pk, round=rnd)
            b = given.cell(team_id=org.engineering.pk, dimension_id=dimension.pk, round=rnd)
            assert a == b
    assert scorebook_build(latest_ids=[], teams=[org.engineering.pk]).rounds == []


@pytest.mark.django_db
def test_deciding_many_windows_at_once_stores_what_one_at_a_time_does(survey):
    """The seed decides its windows side by side in worker processes; each stored decision is
    what `window_decision_compute` stores for that window alone."""
    demo_organisation_seed(people=150, weeks=9, seed=5)  # windows 0 and 1 complete, 2 not

    def stored() -> dict[int, tuple]:
        return {
            d.window: (
                d.rounds, d.tree, d.complete, d.measures,
                {n.node: n.shown for n in NodeDecision.objects.filter(decision=d)},
            )
            for d in WindowDecision.objects.all()
        }  # fmt: skip

    at_once = stored()
    survey_id = WindowDecision.objects.values_list("survey_id", flat=True).distinct().get()
    assert sorted(at_once) == [0, 1, 2]
    assert any(shown for *_rest, shown in at_once.values())
    assert windows_decisions_compute(survey_id=survey_id, windows=[0, 1, 2]) == 3
    assert stored() == at_once
    for window in at_once:
        window_decision_compute(survey_id=survey_id, window=window)
    assert stored() == at_once

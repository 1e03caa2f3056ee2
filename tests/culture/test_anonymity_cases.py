"""Fixed cases of the anonymity rules, end to end through the database and the selectors.

Each case builds an organisation with real rounds, check-ins and roll-ups, then reads what the
selectors would put on a page, and subtracts what a viewer could subtract.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from checkins.models import Participation, Round, Survey
from checkins.services.rounds import round_open
from culture.selectors import team_page_get, team_scores_get
from org.models import Person, Team
from tests.factories import PersonFactory, TeamFactory
from tests.helpers import answer_all, close_and_roll_up, survey_every_dimension

K = 5


@pytest.fixture
def pulse(survey) -> Survey:
    """One question per dimension, so every round asks about every dimension."""
    return survey_every_dimension(survey)


def _round(survey: Survey, answering: dict[Team, int]) -> Round:
    """Open a round for everyone active, let `answering[team]` members answer, close it."""
    rnd = round_open(survey=survey)
    for team, count in answering.items():
        for participation in Participation.objects.filter(round=rnd, team=team)[:count]:
            answer_all(participation, value=3 + participation.pk % 3)
    close_and_roll_up(rnd)
    return rnd


def _scored(team: Team, rounds: int = 12) -> list[tuple[int, int, int]]:
    """(round number, n, pooled rounds) of every figure shown for a team's first dimension."""
    scores = team_scores_get(team=team, n_rounds=rounds)
    first = scores.dimensions[0].pk
    return [
        (row.round.number, row.cells[first].n or 0, row.cells[first].pooled_rounds)
        for row in scores.rows
        if row.cells[first].score is not None
    ]


@pytest.mark.django_db
def test_team_of_six_where_one_leaves(pulse):
    root = TeamFactory(name="Org")
    big = TeamFactory(name="Big", parent=root)
    tiny = TeamFactory(name="Tiny", parent=root)
    PersonFactory.create_batch(12, team=big)
    six = PersonFactory.create_batch(6, team=tiny)
    _round(pulse, {big: 12, tiny: 6})
    six[0].is_active = False  # leaves the company between rounds
    six[0].save()
    for week in range(2, 5):
        _round(pulse, {big: 12, tiny: 5})
        if week < 4:
            # A small team is pooled over a fixed four-week window: nothing until it completes.
            assert _scored(tiny) == []
    # One pooled figure for weeks 1-4 (6 + 5 + 5 + 5 answers), never weekly figures beside it.
    assert _scored(tiny) == [(4, 21, 4)]
    # The parent and the big sibling are weekly; their difference never falls below k.
    org, sibling = (
        dict((n, c) for n, c, _ in _scored(root)),
        dict((n, c) for n, c, _ in _scored(big)),
    )
    assert set(org) == {1, 2, 3, 4}
    for week, count in org.items():
        assert week not in sibling or count - sibling[week] in (0, *range(K, 1000))


@pytest.mark.django_db
def test_parent_with_one_small_child_hides_a_sibling_too(pulse):
    root = TeamFactory(name="Org")
    parent = TeamFactory(name="Engineering", parent=root)
    platform = TeamFactory(name="Platform", parent=parent)
    payments = TeamFactory(name="Payments", parent=parent)
    data = TeamFactory(name="Data", parent=parent)
    PersonFactory.create_batch(12, team=platform)
    PersonFactory.create_batch(11, team=payments)
    PersonFactory.create_batch(11, team=data)
    # Data has 11 invitees (weekly mode) but only 3 answer this week.
    _round(pulse, {platform: 12, payments: 10, data: 3})
    shown = {team.name: _scored(team) for team in (parent, platform, payments, data)}
    assert shown["Data"] == []  # below k
    assert shown["Engineering"] == [(1, 25, 1)]  # the parent stays
    # Engineering - Platform - Payments would be Data's 3: the smaller sibling goes as well.
    assert shown["Payments"] == [] and shown["Platform"] == [(1, 12, 1)]
    # The heatmap of the manager's page marks both hidden, never zero.
    page = team_page_get(team=parent)
    cells = {team.name: cells for team, cells in page.subteams}
    first = page.scores.dimensions[0].pk
    assert cells["Data"][first].suppressed and cells["Data"][first].n is None
    assert cells["Payments"][first].suppressed and cells["Payments"][first].score is None
    # The page says why: Data is below k, Payments (10 answered) protects Data (ADR 0015).
    assert cells["Payments"][first].protects_others and not cells["Data"][first].protects_others
    client = Client()
    client.force_login(PersonFactory(team=None, role=Person.Role.HR_ADMIN))
    html = client.get(reverse("culture:team", args=[parent.pk])).content.decode()
    assert "hidden: protects a smaller team" in html and "fewer than 5" in html


@pytest.mark.django_db
def test_a_filter_leaving_four_people_shows_nothing_and_cannot_be_subtracted(pulse):
    root = TeamFactory(name="Org")
    sales = TeamFactory(name="Sales", parent=root)
    emea = TeamFactory(name="EMEA", parent=sales)
    PersonFactory.create_batch(20, team=sales)
    PersonFactory.create_batch(11, team=emea)
    # Filtering Sales down to EMEA leaves the 4 who answered there.
    _round(pulse, {sales: 20, emea: 4})
    assert _scored(emea) == []
    whole, rest = _scored(sales), _scored(root)
    # Sales (all) minus the filter must not be computable: Sales' own 20 and the root's 24
    # may both show only if nothing below them shows beside them.
    assert whole == [(1, 24, 1)] and rest == [(1, 24, 1)]
    page = team_page_get(team=sales)
    (child, cells), *_ = page.subteams
    assert child == emea and all(cell.score is None for cell in cells.values())

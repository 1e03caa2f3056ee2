"""A3: a re-organisation after a round closed cannot re-open what was released for it.

Each round is rolled up and decided on the team tree frozen when it closed (one tree per fixed
window, `checkins.services.tree`), so HR moving, merging or splitting teams afterwards changes no
figure, no hidden cell and no comment list of that round. Before the tree was frozen, decisions
were re-made on today's tree over roll-ups of the old one, and each test below read an
individual's answers (issue 14, leak class 1).
"""

from __future__ import annotations

import re

from django.urls import reverse

from checkins.models import Participation, RoundTeam
from checkins.services.rounds import round_open
from culture.anonymity import ORG
from culture.scorebook import scorebook_build
from org.models import Team
from org.services.people import team_update
from tests.factories import TeamFactory
from tests.helpers import answer_all, close_and_roll_up, people_in


def _released() -> dict[tuple[int, int, int], tuple]:
    """Every cell every viewer could read: (node, dimension, round) -> shown figure or reason."""
    book = scorebook_build(teams=None, latest_of=None, n_rounds=12)
    nodes = [ORG, *Team.objects.values_list("pk", flat=True)]
    cells = {}
    for rnd in book.latest:
        for node in nodes:
            for dimension in book.dimensions:
                cell = book.cell(team_id=node, dimension_id=dimension.pk, round=rnd)
                cells[(node, dimension.pk, rnd.pk)] = (
                    cell.suppressed, cell.reason, cell.n, cell.score, cell.favourable_pct
                )  # fmt: skip
    return cells


def _shown(cells: dict) -> dict:
    return {key: value for key, value in cells.items() if value[0] is False and value[2]}


def test_moving_a_one_person_team_away_does_not_turn_parent_minus_child_into_their_answer(
    survey, org
):
    """Engineering = Platform (10) + Solo (1): Engineering is shown with 11 and Platform hidden
    (Engineering - Platform would be Solo). HR then moves Solo to Sales."""
    solo = TeamFactory(name="Solo", parent=org.engineering)
    rnd = round_open(survey=survey)
    for p in people_in(org.platform, 10, rnd):
        answer_all(p, value=4)
    (alone,) = people_in(solo, 1, rnd)
    answer_all(alone, value=1)
    close_and_roll_up(rnd)
    before = _released()
    engineering = next(
        v for (node, _d, _r), v in _shown(before).items() if node == org.engineering.pk
    )
    assert engineering[2] == 11  # n
    assert not any(node == org.platform.pk for node, _d, _r in _shown(before))

    team_update(team=solo, name=solo.name, parent=org.sales)
    after = _released()

    assert after == before  # not one figure, hidden cell or reason moved
    assert not any(node == org.platform.pk for node, _d, _r in _shown(after))


def test_moving_a_big_team_under_a_small_one_does_not_show_the_small_team(survey, org):
    """Sales has two respondents: hidden. Moving Platform (10) under Sales afterwards must not
    make the engine believe Sales' subtree is large and show its stored figure of two."""
    rnd = round_open(survey=survey)
    for p in people_in(org.platform, 10, rnd):
        answer_all(p, value=4)
    for p in people_in(org.sales, 2, rnd):
        answer_all(p, value=2)
    close_and_roll_up(rnd)
    before = _released()
    assert not any(node == org.sales.pk for node, _d, _r in _shown(before))

    team_update(team=org.platform, name=org.platform.name, parent=org.sales)
    after = _released()

    assert after == before
    assert not any(node == org.sales.pk for node, _d, _r in _shown(after))


def test_comments_stay_with_the_slice_they_were_released_in(
    client, hr_admin, password, survey, org
):
    """Engineering shows the comments of its 12 (Platform 10 + Payments 2). Moving Payments to
    Sales afterwards neither removes its two comments from Engineering's list (the list before
    minus the list after would be theirs) nor adds them to Sales."""
    rnd = round_open(survey=survey)
    for i, p in enumerate(people_in(org.platform, 10, rnd)):
        answer_all(p, value=4, comment=f"platform remark {i}")
    for i, p in enumerate(people_in(org.payments, 2, rnd)):
        answer_all(p, value=4, comment=f"payments remark {i}")
    for p in people_in(org.sales, 10, rnd):
        answer_all(p, value=4)
    close_and_roll_up(rnd)
    client.login(username=hr_admin.email, password=password)

    def remarks(team):
        html = client.get(reverse("culture:team", args=[team.pk])).content.decode()
        return sorted(re.findall(r"(\w+ remark \d+)", html))

    engineering_before, sales_before = remarks(org.engineering), remarks(org.sales)
    assert len(engineering_before) == 12 and sales_before == []

    team_update(team=org.payments, name=org.payments.name, parent=org.sales)

    assert remarks(org.engineering) == engineering_before
    assert remarks(org.sales) == sales_before


def test_a_window_keeps_its_tree_and_forgets_who_answered(survey, org):
    """The second round of a window is decided on the first round's tree, plus new teams as new
    leaves; after the close no participation says whether its person answered (A6)."""
    first = round_open(survey=survey)
    for p in people_in(org.platform, 6, first):
        answer_all(p)
    close_and_roll_up(first)
    team_update(team=org.payments, name=org.payments.name, parent=org.sales)
    research = TeamFactory(name="Research", parent=org.payments)
    second = round_open(survey=survey)
    close_and_roll_up(second)

    frozen = dict(RoundTeam.objects.filter(round=second).values_list("team_id", "parent_id"))
    assert frozen[org.payments.pk] == org.engineering.pk  # the move waits for the next window
    assert frozen[research.pk] == org.payments.pk
    assert second.__class__.objects.get(pk=second.pk).tree_roots == [org.root.pk]
    assert not Participation.objects.filter(responded__isnull=False, round__in=[first, second])

"""The manager dashboard: closed rounds only, nothing from fewer than k, only the viewer's teams."""

import re

import pytest
from django.urls import reverse

from checkins.services.rounds import round_open
from culture.selectors import dashboard_teams_get, team_scores_get
from culture.visibility import ChangeVerdict, HiddenReason
from tests.helpers import answer_all, close_and_roll_up, people_in


@pytest.fixture
def rnd(survey, org, manager, outsider):
    rnd = round_open(survey=survey)
    for p in people_in(org.platform, 6, rnd):
        answer_all(p, value=4)
    for p in people_in(org.payments, 5, rnd):
        answer_all(p, value=3)
    for p in people_in(org.sales, 5, rnd):
        answer_all(p, value=2)
    people_in(org.sales, 3, rnd)
    return rnd


def _scores_shown(html: str) -> list[str]:
    """The scores the home writes: the newest value of each line in the chart's legend."""
    return re.findall(r"</svg>[^<]*<strong>(\d+)</strong>", html)


def _cards(page) -> list:
    return [card for home in page.context["homes"] for card in home.page.cards]


def test_nothing_shows_while_the_round_is_open(client, manager, password, rnd, org):
    client.login(username=manager.email, password=password)
    page = client.get(reverse("culture:dashboard"))
    homes = page.context["homes"]
    assert [home.team for home in homes] == [org.engineering]
    assert all(home.page.scores.rows == [] for home in homes)  # no closed round to show
    assert _scores_shown(page.content.decode()) == []


def test_manager_sees_their_subtree_scores_after_close(client, manager, password, rnd, org):
    close_and_roll_up(rnd)
    scores = team_scores_get(team=org.engineering)
    visible = [cell for cell in scores.rows[0].cells.values() if cell.score is not None]
    assert visible and all(cell.n == 11 for cell in visible)  # Platform's 6 and Payments' 5
    client.login(username=manager.email, password=password)
    page = client.get(reverse("culture:dashboard"))
    html = page.content.decode()
    assert [home.team for home in page.context["homes"]] == [org.engineering]
    assert sorted(_scores_shown(html)) == sorted(f"{cell.score:.0f}" for cell in visible)
    # One closed round: every shown figure has nothing earlier to be compared with.
    shown = [card for card in _cards(page) if card.latest is not None]
    assert shown and {card.comparison.verdict for card in shown} == {ChangeVerdict.NOT_ENOUGH}


def test_a_small_child_hides_the_parent_figure_that_would_expose_it(
    client, outsider, password, survey, org, manager
):
    """Sales has 3 respondents: the root minus Engineering would reveal them, so one goes."""
    rnd = round_open(survey=survey)
    for p in people_in(org.platform, 6, rnd):
        answer_all(p, value=4)
    for p in people_in(org.sales, 3, rnd):
        answer_all(p, value=2)
    close_and_roll_up(rnd)
    sales = [c for c in team_scores_get(team=org.sales).rows[0].cells.values() if c.suppressed]
    assert sales and all(c.score is None and c.n is None for c in sales)
    root = team_scores_get(team=org.root).rows[0].cells.values()
    engineering = team_scores_get(team=org.engineering).rows[0].cells.values()
    for whole, part in zip(root, engineering, strict=True):
        assert whole.score is None or part.score is None  # never both: 9 - 6 = 3
    client.login(username=outsider.email, password=password)
    page = client.get(reverse("culture:dashboard"))
    cards = _cards(page)
    assert cards and all(card.latest is None for card in cards)
    # Hidden for too few answers (Sales' three form a small group), not to protect a neighbour.
    reasons = {card.hidden_reason for card in cards} - {None}
    assert reasons and HiddenReason.PROTECTS_OTHERS not in reasons
    assert _scores_shown(page.content.decode()) == []


def test_participation_counts_hidden_below_k_invitees(rnd, org, survey):
    close_and_roll_up(rnd)
    sales = team_scores_get(team=org.sales).rows[0].participation
    assert sales.suppressed is False and (sales.invited, sales.responded) == (9, 5)


def test_a_viewer_sees_each_led_subtree_once(manager, org):
    org.platform.managers.add(manager)
    assert dashboard_teams_get(viewer=manager) == [org.engineering]


def test_employee_without_teams_sees_none(client, employee, password):
    client.login(username=employee.email, password=password)
    assert (
        "You do not lead any team yet" in client.get(reverse("culture:dashboard")).content.decode()
    )


def test_a_change_too_small_to_tell_carries_its_sign():
    """ "About the same: +2 points", never a bare "2 points" that could be up or down."""
    from culture.templatetags.culture_tags import signed

    assert [signed(v) for v in (2.4, -3.2, 0.3, -0.4, None)] == ["+2", "\u22123", "0", "0", ""]

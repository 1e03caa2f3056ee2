"""The manager dashboard: closed rounds only, nothing from fewer than k, only the viewer's teams."""

import re

import pytest
from django.urls import reverse

from checkins.services.rounds import round_open
from culture.selectors import dashboard_teams_get, team_scores_get
from tests.helpers import answer_all, close_and_roll_up, people_in


@pytest.fixture
def rnd(survey, org, manager, outsider):
    rnd = round_open(survey=survey)
    for p in people_in(org.platform, 6, rnd):
        answer_all(p, value=4)
    for p in people_in(org.sales, 3, rnd):
        answer_all(p, value=2)
    people_in(org.sales, 3, rnd)
    return rnd


def _numbers_in_table(html: str) -> list[str]:
    return re.findall(r'class="fw-semibold">(\d+)<', html)


def test_nothing_shows_while_the_round_is_open(client, manager, password, rnd, org):
    client.login(username=manager.email, password=password)
    html = client.get(reverse("culture:dashboard")).content.decode()
    assert "No closed rounds yet" in html and _numbers_in_table(html) == []


def test_manager_sees_their_subtree_scores_after_close(client, manager, password, rnd, org):
    close_and_roll_up(rnd)
    scores = team_scores_get(team=org.engineering)
    visible = [cell for cell in scores.rows[0].cells.values() if cell.score is not None]
    assert visible and all(cell.n == 6 for cell in visible)  # the six in Platform
    client.login(username=manager.email, password=password)
    html = client.get(reverse("culture:dashboard")).content.decode()
    assert "Engineering" in html and "Sales" not in html
    assert sorted(_numbers_in_table(html)) == sorted(f"{cell.score:.0f}" for cell in visible)


def test_fewer_than_k_respondents_shows_no_figure(client, outsider, password, rnd, org):
    close_and_roll_up(rnd)
    scores = team_scores_get(team=org.sales)
    cells = list(scores.rows[0].cells.values())
    asked = [cell for cell in cells if cell.suppressed or cell.score is not None]
    assert asked and all(
        cell.suppressed and cell.score is None and cell.n is None for cell in asked
    )
    client.login(username=outsider.email, password=password)
    html = client.get(reverse("culture:dashboard")).content.decode()
    assert "fewer than 5" in html and _numbers_in_table(html) == []


def test_participation_counts_hidden_below_k_invitees(rnd, org, survey):
    close_and_roll_up(rnd)
    sales = team_scores_get(team=org.sales).rows[0].participation
    assert sales.suppressed is False and (sales.invited, sales.responded) == (7, 3)


def test_a_viewer_never_sees_a_parent_beside_its_child(manager, org):
    org.platform.managers.add(manager)
    assert dashboard_teams_get(viewer=manager) == [org.engineering]


def test_employee_without_teams_sees_none(client, employee, password):
    client.login(username=employee.email, password=password)
    assert (
        "You do not lead any team yet" in client.get(reverse("culture:dashboard")).content.decode()
    )

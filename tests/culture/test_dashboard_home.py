"""The manager home (issue 17): what changed in signed plain words, what people said, what to
talk about and the focus area, from the team page's own pieces, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkins.models import Dimension, Participation, Round
from checkins.services.rounds import round_open
from culture.selectors import DimensionCard, team_page_get
from culture.selectors_dashboard import Headline, headlines_get
from culture.statistics import Change
from culture.visibility import Cell, ChangeVerdict, Comparison, HiddenReason
from org.models import Person
from tests.culture.test_department_head import department  # noqa: F401  (a fixture)
from tests.culture.test_team_page import history, remarks  # noqa: F401  (fixtures)
from tests.factories import PersonFactory
from tests.helpers import answer_all, close_and_roll_up


def _card(label: str, score: float, delta: float | None, verdict: ChangeVerdict) -> DimensionCard:
    cell = Cell(suppressed=False, n=20, score=score, ci_low=score - 5, ci_high=score + 5, sd=10)
    change = None if delta is None else Change(delta=delta, p_value=0.5, is_real=False)
    return DimensionCard(
        dimension=Dimension(key=label.lower(), name=label),
        latest=cell,
        latest_round=Round(period_start=dt.date(2026, 11, 30)),
        comparison=Comparison(verdict=verdict, change=change),
    )


@pytest.mark.parametrize(
    ("delta", "verdict", "direction", "size", "words"),
    [
        (6.2, ChangeVerdict.REAL, "up", 6, "Trust rose 6 points to 70, a real change"),
        (-8.4, ChangeVerdict.REAL, "down", 8, "Trust fell 8 points to 70, a real change"),
        (2.4, ChangeVerdict.WITHIN_NOISE, "up", 2, "Trust rose 2 points to 70, too small to tell"),
        (-1.2, ChangeVerdict.WITHIN_NOISE, "down", 1, "Trust fell 1 point to 70, too small to"),
        (0.3, ChangeVerdict.WITHIN_NOISE, "same", 0, "Trust held steady at 70"),
        (None, ChangeVerdict.NOT_ENOUGH, "same", 0, "Trust is at 70, with no shown figure"),
    ],
)
def test_a_headline_says_the_sign_and_whether_the_change_is_real(
    delta, verdict, direction, size, words
):
    line = Headline(card=_card("Trust", 70.0, delta, verdict))
    assert (line.direction, line.size, line.verdict) == (direction, size, verdict)
    html = render_to_string("culture/partials/headline.html", {"line": line})
    assert words in html
    # A fall is never written as a bare number that could be read as a rise.
    assert ("fell" in html) == (direction == "down") and ("rose" in html) == (direction == "up")
    assert ("a real change" in html) == (verdict == ChangeVerdict.REAL)
    assert ("too small to tell" in html) == (verdict == ChangeVerdict.WITHIN_NOISE)


def test_real_changes_lead_the_headlines_then_the_larger_moves():
    cards = [
        _card("Belonging", 71.0, 3.6, ChangeVerdict.WITHIN_NOISE),
        _card("Trust", 60.0, None, ChangeVerdict.NOT_ENOUGH),
        _card("Safety", 55.0, -6.0, ChangeVerdict.REAL),
        _card("Voice", 65.0, -1.0, ChangeVerdict.WITHIN_NOISE),
        DimensionCard(
            dimension=Dimension(key="x", name="Hidden"),
            latest=None,
            latest_round=None,
            hidden_reason=HiddenReason.FEWER_THAN_K,
        ),
    ]
    order = [line.dimension.label for line in headlines_get(cards)]
    assert order == ["Safety", "Belonging", "Voice", "Trust"]  # a hidden figure has no line


def _home(client, person, password):
    client.login(username=person.email, password=password)
    return client.get(reverse("culture:dashboard"))


def test_the_home_says_what_the_team_page_says(client, manager, password, org, history):  # noqa: F811
    page = _home(client, manager, password)
    (home,) = page.context["homes"]
    team = team_page_get(team=org.engineering)
    assert home.team == org.engineering
    # The same cards, so the same changes, as the team page.
    assert [(c.dimension, c.latest, c.comparison) for c in home.page.cards] == [
        (c.dimension, c.latest, c.comparison) for c in team.cards
    ]
    first = home.headlines[0]
    assert first.verdict == ChangeVerdict.REAL and first.direction == "down" and first.size >= 5
    html = page.content.decode()
    assert "a real change" in html and "style=" not in html
    # What to talk about: the starter for the dimension the team page proposes to focus on.
    assert home.starter is not None and home.starter.why == "falling"
    assert home.starter.dimension.pk == team.focus_suggested_id
    assert home.starter.prompts[0] in html
    # The chart draws every dimension, with a legend naming each.
    assert len(home.chart.series) == len(team.scores.dimensions)
    legend = html.split('class="chart-legend')[1].split("</ul>")[0]
    assert all(d.label in legend for d in team.scores.dimensions)
    assert 'tabindex="0"' in html and "<title>" in html  # each value on focus and on hover


def test_the_focus_area_is_on_the_home(client, manager, password, org, history):  # noqa: F811
    dimension = Dimension.objects.filter(questions__isnull=False).first()
    client.login(username=manager.email, password=password)
    client.post(
        reverse("culture:focus-set", args=[org.engineering.pk]), {"dimension": dimension.pk}
    )
    (home,) = _home(client, manager, password).context["homes"]
    assert [focus.area.dimension for focus in home.focus] == [dimension]


@pytest.fixture
def platform_lead(org, remarks):  # noqa: F811
    """Platform's own manager: Platform may show no comment (A4)."""
    lead = PersonFactory(team=org.platform, role=Person.Role.MANAGER)
    org.platform.managers.add(lead)
    return lead


def test_comments_are_quoted_only_where_the_team_page_shows_them(
    client, manager, password, org, platform_lead
):
    page = _home(client, manager, password)
    (home,) = page.context["homes"]
    shown = {c.text for c in team_page_get(team=org.engineering).comments}
    assert home.n_comments == len(shown) == 16
    assert len(home.comments) == 2 and {c.text for c in home.comments} <= shown
    html = page.content.decode()
    assert len(re.findall(r"\w+ remark \d+", html)) == 2
    assert reverse("culture:team", args=[org.engineering.pk]) + "#comments" in html
    page = _home(client, platform_lead, password)
    (home,) = page.context["homes"]
    assert home.team == org.platform and home.n_comments == 0 and home.comments == []
    assert re.findall(r"\w+ remark \d+", page.content.decode()) == []


def test_a_hidden_department_gets_the_team_pages_reason(client, password, department):  # noqa: F811
    dept, head, _teams, _rnd = department
    page = _home(client, head, password)
    (home,) = page.context["homes"]
    assert home.page.hidden_reason == team_page_get(team=dept).hidden_reason
    assert home.page.hidden_reason == HiddenReason.PROTECTS_OTHERS
    assert home.headlines == [] and not home.chart.has_data
    html = page.content.decode()
    assert f'id="why-hidden{dept.pk}"' in html and "Enough people in Dept answered" in html


# The request's own queries (session, user) + the teams led + the score book (rounds, tree,
# dimensions, decisions, sums, participation) + the focus areas and their actions + the
# comments and their conversations: the same whatever the history or the number of comments.
HOME_QUERIES = 15


def test_the_home_needs_a_fixed_number_of_queries(client, manager, password, org, survey):
    def weeks(n: int, comment: str = "") -> None:
        for _ in range(n):
            rnd = round_open(survey=survey)
            for p in Participation.objects.filter(round=rnd).exclude(team=org.sales)[:16]:
                answer_all(p, value=4, comment=comment)
            close_and_roll_up(rnd)

    for team in (org.platform, org.payments):
        PersonFactory.create_batch(8, team=team)
    weeks(2, comment="something to say")
    client.login(username=manager.email, password=password)
    url = reverse("culture:dashboard")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    weeks(4, comment="more to say")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert (
        page.context["homes"][0].n_comments > 0
        and len(page.context["homes"][0].page.scores.rows) == 6
    )
    assert len(many.captured_queries) == len(few.captured_queries) <= HOME_QUERIES


def test_the_home_chart_zooms_on_the_shown_scores_within_0_to_100():
    from culture.selectors_dashboard import chart_range

    assert chart_range([55.0, 65.0]) == (40.0, 80.0)  # at least 40 points tall, in tens
    assert chart_range([2.0, 99.0]) == (0.0, 100.0)
    assert chart_range([97.0]) == (60.0, 100.0)
    assert chart_range([]) == (0.0, 100.0)

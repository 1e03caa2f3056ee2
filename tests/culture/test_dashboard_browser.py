"""The manager and HR views in headless Chromium, from a seeded demo organisation.

Screenshots land in test-artifacts/ (dashboard-*, team-*, organisation-*) for a human to look at.
"""

from __future__ import annotations

import pytest

from checkins.models import Round
from culture.services.reliability import round_reliability_compute
from culture.services.summaries import round_summaries_compute
from demo.services.people import DEMO_LOGINS, DEMO_PASSWORD
from demo.services.seed import demo_organisation_seed
from org.models import Person
from tests.system.test_browser import _shot

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    from checkins import default_bank
    from checkins.models import Dimension, Question, QuestionVersion

    default_bank.install(Dimension=Dimension, Question=Question, QuestionVersion=QuestionVersion)
    seeded = demo_organisation_seed(people=120, weeks=12, seed=7)
    # What the rhythm does after each roll-up (the seed only rolls up): summaries of the last week.
    closed = Round.objects.filter(status=Round.Status.CLOSED).order_by("-period_start")
    for rnd in closed:  # the beat's sweep does this for rounds the seed rolled up
        round_reliability_compute(round=rnd)
    latest = closed.first()
    assert latest is not None and round_summaries_compute(round=latest)
    return seeded


def _login(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.mark.parametrize("width", [360, 1280])
def test_manager_dashboard_and_team_page(browser, live_server, demo, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    _login(page, live_server, DEMO_LOGINS["manager"])
    page.goto(f"{live_server.url}/dashboard/")
    _shot(page, f"dashboard-manager-{width}px")
    # The home: what changed first, then one chart of every dimension with a legend, each value
    # shown on keyboard focus (and on hover: the same CSS rule).
    assert page.locator(".home-headline").first.is_visible()
    chart = page.locator("svg.home-svg").first
    assert chart.locator(".series").count() >= 3
    assert page.locator(".chart-legend li").count() >= 3
    point = chart.locator(".point").last
    value = point.locator(".point-value")
    assert not value.is_visible()
    point.focus()
    assert value.is_visible() and (value.text_content() or "").isdigit()
    assert chart.bounding_box()["width"] >= min(width - 64, 320)  # readable on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_navigation():
        page.get_by_role("link", name="Open team page").first.click()
    _shot(page, f"team-manager-{width}px")
    assert page.locator("svg.trend-svg").count() >= 3
    assert "In short: the week of" in page.locator("#summary").inner_text()
    # In print, each chart's table alternative is printed too, and the forms are not.
    table = page.locator("details.print-open table").first
    assert not table.is_visible()
    page.emulate_media(media="print")
    assert table.is_visible() and not page.locator("form").first.is_visible()
    _shot(page, f"team-manager-print-{width}px")
    page.emulate_media(media="screen")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The team page of a team the manager does not lead is not there for them.
    manager = Person.objects.get(email=DEMO_LOGINS["manager"])
    led = manager.managed_teams.first()
    other = Person.objects.exclude(team__path__startswith=led.path).exclude(team=None).first().team
    response = page.goto(f"{live_server.url}/teams/{other.pk}/")
    assert response is not None and response.status == 404
    page.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_hr_organisation_heatmap(browser, live_server, demo, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    _login(page, live_server, DEMO_LOGINS["hr"])
    page.goto(f"{live_server.url}/organisation/")
    _shot(page, f"organisation-hr-{width}px")
    assert page.locator("#reliability tbody tr").count() >= 3
    assert "Cronbach" in page.locator("#reliability").inner_text()
    rows = page.locator("table.heatmap tbody tr")
    assert rows.count() == demo.teams
    # The table scrolls inside its own box on a phone; the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_one_long_comment_does_not_widen_the_team_page(
    browser, live_server, transactional_db, org, survey, hr_admin, password, width
):
    """A pasted URL of 2,000 characters without a space wraps inside its comment."""
    from checkins.services.rounds import round_open
    from tests.helpers import answer_all, close_and_roll_up, people_in

    survey.audience.set([org.engineering])
    rnd = round_open(survey=survey)
    long_url = "https://example.com/" + "a" * 1980  # 2,000 characters, the limit
    for i, person in enumerate(people_in(org.platform, 12, rnd)):
        answer_all(person, value=4, comment=long_url if i == 0 else f"remark {i}")
    close_and_roll_up(rnd)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", hr_admin.email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server.url}/teams/{org.engineering.pk}/")
    assert page.get_by_text("remark 3").count() == 1  # the comments are on the page
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_pages_load_without_console_errors_or_missing_files(browser, live_server, demo):
    """No CSP violation (htmx's inline indicator style was one on every page), no 404 (the
    favicon was one), on the pages each role opens first."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.goto(f"{live_server.url}/login/")
    _login(page, live_server, DEMO_LOGINS["hr"])
    for path in ("/", "/dashboard/", "/organisation/", "/hr/people/", "/hr/surveys/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    team = page.locator("a[href^='/teams/']").first
    if team.count():
        page.goto(f"{live_server.url}{team.get_attribute('href')}")
        page.wait_for_load_state("networkidle")
    assert problems == []

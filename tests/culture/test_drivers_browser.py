"""The driver analysis in headless Chromium at a phone's and a desktop's width.

Screenshots land in test-artifacts/ (drivers-*) for a human to look at.
"""

from __future__ import annotations

import pytest

from demo.services.people import DEMO_LOGINS
from tests.culture.test_dashboard_browser import _login, demo  # noqa: F401  (fixture)
from tests.system.test_browser import _shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 1280])
def test_drivers_on_the_team_page_and_the_organisation_view(browser, live_server, demo, width):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    _login(page, live_server, DEMO_LOGINS["manager"])
    page.goto(f"{live_server.url}/dashboard/")
    with page.expect_navigation():
        page.get_by_role("link", name="Open team page").first.click()
    section = page.locator("#drivers")
    section.scroll_into_view_if_needed()
    _shot(page, f"drivers-team-{width}px")
    assert "What goes with the outcome" in section.inner_text()
    assert section.locator(".driver-set").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()
    page = browser.new_page(viewport={"width": width, "height": 900})
    _login(page, live_server, DEMO_LOGINS["hr"])
    page.goto(f"{live_server.url}/organisation/")
    section = page.locator("#drivers")
    section.scroll_into_view_if_needed()
    _shot(page, f"drivers-organisation-{width}px")
    assert "r = " in section.inner_text()  # the organisation is large enough to show links
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()

"""An HR admin in headless Chromium turns on the second factor, then signs in with a code.

Codes come from pyotp with the secret the page shows, as an authenticator app would compute them.
"""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.system.test_browser import AXE, _shot
from tests.system.test_browser_hr import _sign_in

pytestmark = pytest.mark.browser


def _axe_serious_in_main(page) -> list[str]:
    """axe-core's serious WCAG violations inside <main> (the signed-in top bar's own contrast is
    outside what these pages add)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document.querySelector("main"),
                {runOnly: ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
        }"""
    )


@pytest.mark.django_db(transaction=True)
def test_hr_admin_enrols_and_then_signs_in_with_a_code(browser, live_server, hr_admin, password):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    _sign_in(page, live_server, hr_admin, password)
    page.goto(f"{live_server.url}/account/two-factor/")
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG renders
    assert _axe_serious_in_main(page) == []
    _shot(page, "two-factor-0-enrol-1280px")
    app = pyotp.TOTP(page.locator("#totp-secret").inner_text())
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(page, "two-factor-0-enrol-360px")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Code").fill(app.now())
    page.get_by_role("button", name="Turn on the second factor").click()
    page.wait_for_selector("#backup-codes")
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(codes) == 10
    assert _axe_serious_in_main(page) == []
    _shot(page, "two-factor-1-backup-codes-1280px")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    _sign_in(page, live_server, hr_admin, password)
    assert page.url == f"{live_server.url}/login/code/"
    assert "Hanna HR" not in page.locator("nav").inner_text()  # not signed in yet
    assert _axe_serious_in_main(page) == []
    _shot(page, "two-factor-2-code-1280px")
    # The code after the one used to enrol (each code counts once; the app's next one is valid).
    page.get_by_label("Code").fill(app.at(int(time.time()) + 30))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url == f"{live_server.url}/"
    assert "Hanna HR" in page.locator("nav").inner_text()
    context.close()

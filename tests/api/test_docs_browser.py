"""The API docs render in headless Chromium from local assets, under the site's CSP."""

from __future__ import annotations

import pytest

from tests.system.test_browser import _shot

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_without_cdn_or_csp_errors(browser, live_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: (
            foreign.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None
        ),
    )
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20000)
    text = page.locator(".swagger-ui").inner_text()
    assert "Relhealth API" in text and "teams" in text.lower()
    _shot(page, "api-docs-1280px")
    assert foreign == []  # nothing from a CDN
    assert [p for p in problems if "Content Security Policy" in p or "CSP" in p] == []
    assert problems == []

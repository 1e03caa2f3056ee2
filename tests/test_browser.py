"""The employee check-in in headless Chromium, from the demo outbox link to the thank-you page."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from checkins.models import OutboundEmail, Response
from checkins.services.emails import email_send

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture
def file_outbox(settings, tmp_path, live_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    settings.RELHEALTH_BASE_URL = live_server.url
    settings.RELHEALTH_DEMO = True
    return tmp_path / "outbox"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "viewport", [{"width": 360, "height": 780}, {"width": 1280, "height": 900}]
)
def test_employee_checks_in_from_the_emailed_link(
    browser, live_server, file_outbox, open_round, employee, viewport
):
    invitation = OutboundEmail.objects.get(participation__round=open_round, recipient=employee)
    assert email_send(email_id=invitation.pk) == OutboundEmail.Status.SENT
    label = f"{viewport['width']}px"
    page = browser.new_page(viewport=viewport)
    started = time.monotonic()
    page.goto(f"{live_server.url}/demo/outbox/")
    _shot(page, f"checkin-0-outbox-{label}")
    page.locator("pre a[href*='/c/']").first.click()
    page.wait_for_selector("fieldset")
    _shot(page, f"checkin-1-form-{label}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    fieldsets = page.locator("fieldset")
    assert fieldsets.count() == open_round.question_versions.count()
    for i in range(fieldsets.count()):
        fieldsets.nth(i).locator("label.btn").nth(3).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my check-in").click()
    elapsed = time.monotonic() - started
    _shot(page, f"checkin-2-thanks-{label}")
    assert "your check-in is recorded" in page.locator("h1").inner_text()
    assert Response.objects.filter(round=open_round).count() == 1
    page.go_back()
    page.reload()
    assert "already recorded" in page.locator("h1").inner_text()
    assert Response.objects.filter(round=open_round).count() == 1
    print(f"link to thank-you at {label}: {elapsed:.2f} s")
    page.close()


@pytest.mark.django_db(transaction=True)
def test_keyboard_only_check_in(browser, live_server, file_outbox, open_round, employee):
    from checkins.services.tokens import participation_token

    token = participation_token(round_id=open_round.pk, person_id=employee.pk)
    page = browser.new_page(viewport={"width": 360, "height": 780})
    page.goto(f"{live_server.url}/c/{token}/")
    for _ in range(open_round.question_versions.count()):
        # Tab into the next radio group, then an arrow key picks a value within it.
        page.keyboard.press("Tab")
        while page.evaluate("document.activeElement.type") != "radio":
            page.keyboard.press("Tab")
        page.keyboard.press("ArrowRight")  # checks the next value; the next Tab leaves the group
    assert page.locator("input[type=radio]:checked").count() == open_round.question_versions.count()
    page.focus("textarea")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "recorded" in page.locator("h1").inner_text()
    assert Response.objects.filter(round=open_round).count() == 1

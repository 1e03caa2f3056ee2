"""The employee check-in in headless Chromium, from the demo outbox link to the thank-you page."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from checkins.models import OutboundEmail, Response
from checkins.services.emails import email_send

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture
def file_outbox(settings, tmp_path, live_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    settings.RELHEALTH_BASE_URL = live_server.url
    settings.RELHEALTH_DEMO = True
    return tmp_path / "outbox"


AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _axe_serious(page) -> list[str]:
    """axe-core's serious and critical WCAG violations on the current page (none expected)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
        }"""
    )


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
    invitation = OutboundEmail.objects.get(
        participation__round=open_round, recipient=employee, kind=OutboundEmail.Kind.INVITATION
    )
    assert email_send(email_id=invitation.pk) == OutboundEmail.Status.SENT
    label = f"{viewport['width']}px"
    # axe-core is injected as a script, which our own CSP would rightly refuse.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/demo/outbox/")
    _shot(page, f"checkin-0-outbox-{label}")
    started = time.monotonic()
    page.locator("pre a[href*='/c/']").first.click()
    page.wait_for_selector("fieldset")
    _shot(page, f"checkin-1-form-{label}")
    assert _axe_serious(page) == []
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
    assert _axe_serious(page) == []
    assert Response.objects.filter(round=open_round).count() == 1
    page.go_back()
    page.reload()
    assert "already recorded" in page.locator("h1").inner_text()
    assert Response.objects.filter(round=open_round).count() == 1
    print(f"link to thank-you at {label}: {elapsed:.2f} s")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_keyboard_only_check_in(browser, live_server, file_outbox, open_round, employee):
    from checkins.services.tokens import participation_token

    token = participation_token(round_id=open_round.pk, person_id=employee.pk)
    page = browser.new_page(viewport={"width": 360, "height": 780})
    page.goto(f"{live_server.url}/c/{token}/")
    assert page.locator("#checkin-progress-text").inner_text().startswith("0 of")
    for _ in range(open_round.question_versions.count()):
        # Tab into the next radio group, then an arrow key picks a value within it.
        page.keyboard.press("Tab")
        while page.evaluate("document.activeElement.type") != "radio":
            page.keyboard.press("Tab")
        page.keyboard.press("ArrowRight")  # checks the next value; the next Tab leaves the group
    total = open_round.question_versions.count()
    assert page.locator("input[type=radio]:checked").count() == total
    assert page.locator("#checkin-progress-text").inner_text() == f"{total} of {total} answered"
    page.focus("textarea")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "recorded" in page.locator("h1").inner_text()
    assert Response.objects.filter(round=open_round).count() == 1


@pytest.mark.django_db(transaction=True)
def test_link_problem_pages_are_accessible(browser, live_server, open_round):
    context = browser.new_context(viewport={"width": 360, "height": 780}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/c/{'0' * 64}/")
    assert "does not work" in page.locator("h1").inner_text()
    assert _axe_serious(page) == []
    _shot(page, "checkin-3-bad-link-360px")
    context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "de"])
def test_check_in_fits_a_phone(browser, live_server, open_round, employee, language):
    """At 360 px the 0-10 question is one row of targets at least 24 px wide, the scale's end
    labels never touch, and "prefer not to answer" is a 44 px row, in English and German."""
    from checkins.services.tokens import participation_token

    employee.language = language
    employee.save(update_fields=["language"])
    token = participation_token(round_id=open_round.pk, person_id=employee.pk)
    page = browser.new_page(viewport={"width": 360, "height": 780})
    page.goto(f"{live_server.url}/c/{token}/")
    _shot(page, f"checkin-phone-{language}-360px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    eleven = page.locator(".scale-11 .btn")
    assert eleven.count() == 11
    boxes = [eleven.nth(i).bounding_box() for i in range(11)]
    assert len({round(box["y"]) for box in boxes}) == 1, "0-10 wraps onto two rows"
    assert min(box["width"] for box in boxes) >= 24 and min(b["height"] for b in boxes) >= 44
    for ends in page.locator(".scale-ends").all():
        spans = [s.bounding_box() for s in ends.locator("span").all()]
        for left, right in itertools.pairwise(spans):
            assert left["x"] + left["width"] + 4 <= right["x"], "scale labels run together"
    for label in page.locator(".skip-option label").all():
        assert label.bounding_box()["height"] >= 44

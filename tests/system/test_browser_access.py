"""Sign-in in headless Chromium: HR adds a manager, the queued invitation reaches the demo outbox
through a real Celery worker, the manager sets a password from the link and is signed in; the
same for "Forgot your password?"; a used or altered link shows a clear page."""

from __future__ import annotations

import time

import pytest

from checkins.models import OutboundEmail
from org.models import Person
from tests.system import test_browser
from tests.system.test_browser import _axe_serious, _shot
from tests.system.test_browser_hr import _sign_in

file_outbox = test_browser.file_outbox  # the demo outbox fixture, shared

pytestmark = pytest.mark.browser
NEW_PASSWORD = "kestrel-harbour-58-violet"


def _outbox_link(page, live_server, subject: str, to: str, timeout: float = 30.0) -> str:
    """The set-password link of the newest email with this subject to this person, as the demo
    outbox shows it; waits for the worker to send it."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(f"{live_server.url}/demo/outbox/")
        card = page.locator("article", has_text=subject).filter(has_text=to)
        if card.count():
            return card.first.locator("pre a[href*='/password/']").first.get_attribute("href")
        assert time.monotonic() < deadline, f"no “{subject}” email to {to} in the outbox"
        time.sleep(0.5)


def _choose_password(page, password: str = NEW_PASSWORD) -> None:
    page.locator("#id_new_password1").fill(password)
    page.locator("#id_new_password2").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Set password and sign in").click()


@pytest.mark.django_db(transaction=True)
def test_an_invited_manager_sets_a_password_and_is_signed_in(
    browser, live_server, file_outbox, worker, hr_admin, password, org
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    hr = context.new_page()
    _sign_in(hr, live_server, hr_admin, password)
    hr.goto(f"{live_server.url}/hr/people/new/")
    hr.locator("#id_name").fill("Nina Neu")
    hr.locator("#id_email").fill("nina@example.com")
    hr.locator("#id_team").select_option(label="— — Platform")
    hr.locator("#id_managed_teams").select_option(label="— — Platform")
    hr.locator("#id_role").select_option(label="Manager")
    with hr.expect_navigation():
        hr.get_by_role("button", name="Save").click()
    assert "Nina Neu was added" in hr.content()
    context.close()

    # The manager, in a browser of their own: the email arrives through the queue.
    context = browser.new_context(viewport={"width": 360, "height": 780}, bypass_csp=True)
    page = context.new_page()
    link = _outbox_link(page, live_server, "Set your password for Relhealth", "nina@example.com")
    _shot(page, "access-0-outbox-invitation-360px")
    page.goto(link)
    assert page.locator("h1").inner_text() == "Set your password"
    assert "nina@example.com" in page.content()
    assert _axe_serious(page) == []
    _shot(page, "access-1-set-password-360px")
    _choose_password(page)
    assert page.url == f"{live_server.url}/"
    assert "Your password is set" in page.content()
    assert "Nina Neu" in page.locator("nav").first.text_content()  # hidden at 360 px, present
    _shot(page, "access-2-signed-in-360px")
    # The team page of what she leads opens: she is signed in as the manager HR created.
    page.goto(f"{live_server.url}/teams/{org.platform.pk}/")
    assert page.locator("h1").inner_text().startswith("Platform")

    # The same link again, in a fresh browser: used, so the clear page.
    other = browser.new_context(viewport={"width": 360, "height": 780}, bypass_csp=True)
    again = other.new_page()
    response = again.goto(link)
    assert response.status == 400
    assert again.locator("h1").inner_text() == "This link does not work"
    assert _axe_serious(again) == []
    _shot(again, "access-3-used-link-360px")
    other.close()
    context.close()
    row = OutboundEmail.objects.get(kind=OutboundEmail.Kind.SIGN_IN_INVITATION)
    assert row.status == OutboundEmail.Status.SENT
    assert Person.objects.get(email="nina@example.com").check_password(NEW_PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_forgot_password_from_the_sign_in_page(
    browser, live_server, file_outbox, worker, manager, password, org
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_selector("h1:has-text('Forgot your password?')")
    assert _axe_serious(page) == []
    page.get_by_label("Email").fill(manager.email.upper())
    with page.expect_navigation():
        page.get_by_role("button", name="Email me a link").click()
    assert page.locator("h1").inner_text() == "Check your email"
    _shot(page, "access-4-reset-sent-1280px")
    link = _outbox_link(page, live_server, "Reset your Relhealth password", manager.email)
    page.goto(link)
    _choose_password(page)
    assert page.url == f"{live_server.url}/" and "Your new password is set" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    # The old password is gone; the new one works.
    _sign_in(page, live_server, manager, password)
    assert "/login/" in page.url
    _sign_in(page, live_server, manager, NEW_PASSWORD)
    assert page.url == f"{live_server.url}/"
    assert manager.name in page.locator("nav").inner_text()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_an_altered_link_shows_the_clear_page(browser, live_server, manager):
    context = browser.new_context(viewport={"width": 360, "height": 780}, bypass_csp=True)
    page = context.new_page()
    response = page.goto(f"{live_server.url}/password/set/MQ/abc-123/")
    assert response.status == 400
    assert page.locator("h1").inner_text() == "This link does not work"
    page.get_by_role("link", name="Email me a new link").click()
    page.wait_for_selector("h1:has-text('Forgot your password?')")
    assert _axe_serious(page) == []
    context.close()

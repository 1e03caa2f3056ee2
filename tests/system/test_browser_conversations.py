"""Both sides of an anonymous conversation in headless Chromium (issue 18, ADR 0031), at phone
and desktop width, in English and German: the author opts in at the check-in and keeps the link
in the browser, the manager marks the comment heard and replies, the author answers and is told
when it will be delivered; the home page of the author's browser shows that there is a reply.
Screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from checkins.models import Message, Participation, Thread
from checkins.services.reshuffle import round_responses_reshuffle
from checkins.services.rounds import round_open
from checkins.services.tokens import participation_token
from tests.helpers import answer_all, close_and_roll_up, people_in
from tests.system.test_browser import AXE, _axe_serious, _shot

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"link": "Your private conversation link", "manager": "Your manager",
           "delivered": "Delivered to your manager", "author": "The author", "new": "New reply"},
    "de": {"link": "Ihr privater Gesprächslink", "manager": "Ihre Führungskraft",
           "delivered": "Wird Ihrer Führungskraft am", "author": "Die Verfasserin",
           "new": "Neue Antwort"},
}  # fmt: skip


def _fits(page, width: int, within: str | None = None) -> None:
    """No sideways scrolling; no serious axe-core violation on the page, or within one element
    of it (the team page is another feature's: only the conversation box is judged here)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if within is None:
        assert _axe_serious(page) == []
        return
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (selector) => {
            const result = await axe.run(selector, {runOnly: ["wcag2a", "wcag2aa", "wcag21aa"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
        }""",
        within,
    )
    assert found == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("width", [375, 1280])
def test_a_conversation_from_both_sides(
    browser, live_server, survey, org, manager, employee, language, width
):
    words = WORDS[language]
    survey.audience.set([org.engineering])
    rnd = round_open(survey=survey)
    employee.language = language
    employee.save(update_fields=["language"])
    manager.language = language
    manager.save(update_fields=["language"])
    for i, p in enumerate(people_in(org.platform, 11, rnd)):
        answer_all(p, value=4, comment=f"platform remark {i}")
    for i, p in enumerate(people_in(org.payments, 4, rnd)):
        answer_all(p, value=4, comment=f"payments remark {i}")
    Participation.objects.filter(round=rnd, person=manager).delete()  # the manager is no author

    # The author: check in, opt in, keep the link in this browser.
    author = browser.new_context(
        viewport={"width": width, "height": 900}, bypass_csp=True, locale=language
    )
    page = author.new_page()
    token = participation_token(round_id=rnd.pk, person_id=employee.pk)
    page.goto(f"{live_server.url}/c/{token}/")
    fieldsets = page.locator("fieldset")
    for i in range(fieldsets.count()):
        fieldsets.nth(i).locator("label.btn").nth(3).click()
    page.locator("textarea[name=comment]").fill("Deadlines are unrealistic")
    page.locator("#id_conversation").check()
    page.locator("form.checkin-form button[type=submit]").click()
    page.wait_for_selector("#conversation-link")
    assert words["link"] in page.locator("#conversation-link-title").inner_text()
    page.locator("#conversation-keep").click()
    path = page.locator("#conversation-keep").get_attribute("data-path")
    assert path in page.evaluate("window.localStorage.getItem('relhealth.conversations')")
    _shot(page, f"conversation-0-thanks-{language}-{width}px")
    _fits(page, width)

    close_and_roll_up(rnd)
    assert round_responses_reshuffle(round=rnd)
    thread = Thread.objects.get()

    # The manager: mark it heard and reply, where the comment is shown.
    client = Client()
    client.force_login(manager)
    staff = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    staff.add_cookies([{
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])  # fmt: skip
    desk = staff.new_page()
    desk.goto(f"{live_server.url}/teams/{org.engineering.pk}/")
    box = desk.locator(f"#thread-{thread.pk}")
    box.locator("form[action$='/heard/'] button").click()
    desk.wait_for_load_state()
    box = desk.locator(f"#thread-{thread.pk}")
    box.locator("textarea[name=body]").fill("Thank you. Let us plan the next sprint together.")
    box.locator("form[action$='/reply/'] button").click()
    desk.wait_for_load_state()
    assert "Max Manager" in desk.locator(f"#thread-{thread.pk}").inner_text()
    _shot(desk, f"conversation-1-manager-{language}-{width}px")
    _fits(desk, width, within=f"#thread-{thread.pk}")

    # The author again, signed in on the same browser: the home page lists the kept link (from
    # this browser's storage only); the conversation opens from it. Reply signed; an answer is
    # delivered at the next batch.
    signed_in = Client()
    signed_in.force_login(employee)
    author.add_cookies([{
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": signed_in.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])  # fmt: skip
    # The home page asks the link's status without cookies (ADR 0037): "new reply" until the
    # author has read it on the conversation page, "answered" after.
    with page.expect_request(lambda r: r.url.endswith(f"{path}status/")) as asked:
        page.goto(f"{live_server.url}/")
    headers = asked.value.all_headers()
    assert "cookie" not in headers and "referer" not in headers
    kept = page.locator("#conversation-kept-links a")
    assert kept.count() == 1 and kept.get_attribute("href") == path
    notice = page.locator("#conversation-kept-links [data-state]")
    notice.wait_for()
    assert notice.get_attribute("data-state") == "new"
    assert notice.inner_text() == words["new"]
    _shot(page, f"conversation-1-home-{language}-{width}px")
    _fits(page, width)
    kept.click()
    page.wait_for_selector("#conversation-body")
    page.goto(f"{live_server.url}/")
    page.locator("#conversation-kept-links [data-state=answered]").wait_for()
    kept.click()
    page.wait_for_selector("#conversation-body")
    text = page.locator("main").inner_text() if page.locator("main").count() else page.content()
    assert words["manager"] in text and "Let us plan the next sprint together." in text
    page.locator("#conversation-body").fill("Which day works?\nAny is fine.")
    page.locator("form:has(#conversation-body) button[type=submit]").click()
    page.wait_for_selector(".conversation-author")
    assert words["delivered"] in page.content() and "ShownMessage" not in page.content()
    _shot(page, f"conversation-2-author-{language}-{width}px")
    _fits(page, width)
    mine = Message.objects.get(role=Message.Role.AUTHOR)
    assert mine.at.minute == 0 and mine.at.second == 0

    # Not yet delivered: the manager does not see it before its batch.
    desk.reload()
    assert "Which day works?" not in desk.content()
    author.close()
    staff.close()

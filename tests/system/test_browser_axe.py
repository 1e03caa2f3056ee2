"""Every page of every role in headless Chromium at 375 and 1280 px: axe-core finds no violation
of any impact (its WCAG 2.2 AA rules and its best practices), nothing answers an error, and a
screenshot of each page lands in test-artifacts/axe/ for a human to look at.

The pages come from the URLconf: a page that no role visits here must be named in NOT_PAGES with
the reason, so a new screen cannot be added without being checked.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLResolver, get_resolver, reverse

from checkins.models import Dimension, Participation, Question, Round, Survey
from checkins.services.rounds import round_open
from checkins.services.tokens import participation_token
from demo.services.people import DEMO_LOGINS, DEMO_PASSWORD
from org.models import PeopleImportJob, Person, Team
from org.services.import_jobs import people_import_job_create, people_import_job_run
from tests.culture.test_dashboard_browser import demo  # noqa: F401 - the seeded organisation
from tests.system.test_browser import ARTIFACTS, AXE

pytestmark = pytest.mark.browser

# URL names that are not pages a person reads, or that other browser tests walk.
NOT_PAGES = {
    "logout": "POST only",
    "set-language": "POST only",
    "healthz": "plain text for probes",
    "readyz": "plain text for probes",
    "oidc_authentication_init": "redirects to the identity provider (tests/system/test_browser_sso.py)",
    "oidc_authentication_callback": "answers the identity provider (tests/system/test_browser_sso.py)",
    "signin-code": "needs a password step first (tests/system/test_browser_two_factor.py)",
    "two-factor": "needs a second factor (tests/system/test_browser_two_factor.py)",
    "org:hr-sign-in": "POST only",
    "org:hr-people-import-job-status": "an htmx fragment of the job page",
    "org:hr-people-import-job-apply": "POST only",
    "org:hr-people-import-job-errors": "a CSV file",
    "checkins:hr-question-retire": "POST only",
    "checkins:hr-question-reactivate": "POST only",
    "checkins:hr-survey-pause": "POST only",
    "checkins:hr-survey-resume": "POST only",
    "checkins:hr-survey-round": "POST only",
    "culture:focus-set": "POST only",
    "culture:action-add": "POST only",
    "culture:action-done": "POST only",
    "culture:thread-reply": "POST only",
    "culture:thread-heard": "POST only",
    "culture:thread-close": "POST only",
    "culture:message-hide": "POST only",
    "checkins:conversation-status": "JSON for the home page's script (test_browser_conversations)",
}
# The API and its docs (tests/api/test_docs_browser.py) and Django's admin are not our pages.
NOT_PAGE_PREFIXES = ("api/", "django-admin/")


def _url_names(patterns=None, namespace: str = "", prefix: str = "") -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            names |= _url_names(pattern.url_patterns, inner, route)
        elif pattern.name and not route.startswith(NOT_PAGE_PREFIXES):
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def _pages(employee: Person) -> dict[str | None, list[tuple[str, str, str]]]:
    """Per role (None: signed out), (URL name, URL, screenshot name) of every page it reads. The
    screenshot name is the URL name, with a label where a role reads it more than once (not the
    arguments: ids differ between runs, and the same page should keep its file name)."""
    hr = Person.objects.get(email=DEMO_LOGINS["hr"])
    manager = Person.objects.get(email=DEMO_LOGINS["manager"])
    department = manager.managed_teams.get()
    sub_team = department.children.order_by("name").first()
    survey = Survey.objects.get()
    rnd = round_open(survey=survey)
    participation = Participation.objects.get(round=rnd, person=employee)
    token = participation_token(round_id=rnd.pk, person_id=employee.pk)
    job = people_import_job_create(
        owner=hr, filename="people.csv", full_sync=False, force=False,
        content=b"email,name,team,role,time_zone,language,manages\n"
        b"new.person@example.com,New Person,Northwind Labs,employee,UTC,en,\n",
    )  # fmt: skip
    people_import_job_run(job_id=job.pk)
    assert PeopleImportJob.objects.filter(pk=job.pk).exists() and participation.pk
    someone = Person.objects.filter(team=sub_team).exclude(pk=employee.pk).first()

    def page(name: str, *args, label: str = "") -> tuple[str, str, str]:
        return name, reverse(name, args=args), f"{name}-{label}" if label else name

    return {
        None: [
            page("login"), page("password_reset"), page("password_reset_done"), page("privacy"),
            page("password_reset_confirm", "MQ", "not-a-token"),
            page("password_set", "MQ", "not-a-token"),
            page("checkins:form", token), page("checkins:thanks"),
            ("checkins:conversation", "/t/from-the-thank-you-page/", "checkins:conversation"),
        ],
        "employee": [page("home")],
        "manager": [
            page("home"), page("culture:dashboard"),
            page("culture:team", department.pk, label="department"),
            page("culture:team", sub_team.pk, label="sub-team"),
        ],
        "hr": [
            page("home"), page("org:hr-people"), page("org:hr-person-new"),
            page("org:hr-person-edit", someone.pk), page("org:hr-person-erase", someone.pk),
            page("org:hr-people-import"), page("org:hr-people-import-job", job.pk),
            page("org:hr-teams"), page("org:hr-team-new"),
            page("org:hr-team-edit", sub_team.pk, label="sub-team"),
            page("org:hr-threshold"), page("org:hr-audit"), page("org:hr-retention"),
            page("checkins:hr-questions"), page("checkins:hr-question-new"),
            page("checkins:hr-question-edit", Question.objects.first().pk),
            page("checkins:hr-question-import"), page("checkins:hr-dimensions"),
            page("checkins:hr-dimension-edit", Dimension.objects.first().pk),
            page("checkins:hr-surveys"), page("checkins:hr-survey-new"),
            page("checkins:hr-survey", survey.pk), page("checkins:hr-survey-edit", survey.pk),
            page("demo:outbox"), page("culture:organisation"), page("culture:dashboard"),
            page("culture:team", Team.objects.get(parent=None).pk, label="organisation"),
            page("api:hr-api-tokens"),
        ],
    }  # fmt: skip


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run(document)).violations.map(
            v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)"""
    )


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.mark.parametrize(("width", "language"), [(375, "en"), (1280, "en"), (375, "de")])
def test_every_page_of_every_role_passes_axe(browser, live_server, demo, settings, width, language):  # noqa: F811
    settings.RELHEALTH_DEMO = True  # the demo outbox is a page too
    employee = Person.objects.get(email=DEMO_LOGINS["employee"])
    Person.objects.filter(email__in=DEMO_LOGINS.values()).update(language=language)
    pages = _pages(employee)
    visited = {name for routes in pages.values() for name, _url, _shot_name in routes}
    unvisited = _url_names() - visited - set(NOT_PAGES)
    assert not unvisited, f"pages nobody checks: {sorted(unvisited)}"
    problems: dict[str, list[str]] = {}
    shots: set[str] = set()  # every screenshot of this run has a file of its own
    for role, routes in pages.items():
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale=language, bypass_csp=True
        )  # axe-core is injected as a script, which our own CSP would rightly refuse
        page = context.new_page()
        if role:
            _login(page, live_server.url, DEMO_LOGINS[role])
        for name, url, shot in routes:
            if name in ("checkins:thanks", "checkins:conversation"):
                continue  # reached by checking in, below
            response = page.goto(live_server.url + url)
            assert response is not None and response.status < 500, (role, url)
            if name == "checkins:form":
                found = _violations(page)
                problems.update({f"{role} {url}": found} if found else {})
                _shot(page, shots, role, "checkin", width, language)
                page.locator("fieldset").first.wait_for()
                for fieldset in page.locator("fieldset").all():
                    fieldset.locator("label").first.click()
                page.fill("textarea[name=comment]", "Our retros lead to changes.")
                page.check("input[name=conversation]")
                with page.expect_navigation():
                    page.locator("main button[type=submit]").click()
                name = "checkins:thanks"  # shown in answer to the post, with the link once
                assert page.locator("#conversation-link").is_visible()
                # The thank-you page with the private conversation link, then that page.
                found = _violations(page)
                problems.update({f"{role} thanks": found} if found else {})
                _shot(page, shots, role, name, width, language)
                with page.expect_navigation():
                    page.locator("#conversation-link").click()
                name = shot = "checkins:conversation"
            if language == "en" or width == 375:
                assert page.evaluate("document.documentElement.scrollWidth") <= width, url
            found = _violations(page)
            if found:
                problems[f"{role} {url}"] = found
            _shot(page, shots, role, shot, width, language)
        context.close()
    assert problems == {}
    assert Round.objects.filter(status=Round.Status.OPEN).count() == 1


def _shot(page, shots: set[str], role: str | None, name: str, width: int, language: str) -> None:
    folder = ARTIFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{role or 'signed-out'}-{name}".lower()).strip("-")
    assert slug not in shots, f"two pages would share the screenshot {slug}"
    shots.add(slug)
    page.screenshot(path=str(folder / f"{slug}-{width}px-{language}.png"), full_page=True)

"""An HR admin in headless Chromium: create a survey from the default instrument, then look at
every HR screen at desktop and phone width (screenshots in test-artifacts/)."""

from __future__ import annotations

import pytest

from checkins.models import Question, Survey
from tests.system.test_browser import _shot

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, person, password) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.mark.django_db(transaction=True)
def test_hr_admin_creates_a_survey_from_the_default_instrument(
    browser,
    live_server,
    hr_admin,
    employee,
    manager,
    password,
    org,
    survey,  # installs the default bank (transactional tests flush the data migration)
):
    Survey.objects.all().delete()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, live_server, hr_admin, password)
    page.get_by_role("link", name="HR admin").click()
    page.get_by_role("link", name="Surveys").click()
    _shot(page, "hr-survey-0-list-1280px")
    page.get_by_role("link", name="Create a survey").click()
    page.get_by_label("Name").fill("Engineering pulse")
    # The audience picker: a filter box over the team checkboxes and a count of the chosen.
    page.get_by_label("Find a team").fill("engin")
    assert not page.get_by_label("— Sales", exact=True).is_visible()
    page.get_by_label("— Engineering", exact=True).check()
    assert "One team chosen" in page.locator(".team-picker").inner_text()
    page.get_by_label("Weekday").select_option(label="Tuesday")
    page.get_by_label("Send time").fill("10:00")
    page.get_by_label("Questions per round").fill("4")
    checked = page.locator("input[name=questions]:checked").count()
    assert checked == Question.objects.filter(is_active=True).count()  # the default instrument
    _shot(page, "hr-survey-1-form-1280px")
    with page.expect_navigation():
        page.get_by_role("button", name="Save survey").click()
    assert "was saved" in page.content()
    created = Survey.objects.get(name="Engineering pulse")
    assert list(created.audience.all()) == [org.engineering]
    assert created.questions_per_round == 4 and created.weekday == 1
    scored = created.questions.filter(scale="agree5").count()
    assert (
        f"With {scored} items and 4 per round" in page.locator("#rotation-title + p").inner_text()
    )
    _shot(page, "hr-survey-2-detail-1280px")
    # Emailing everyone outside the rhythm takes a second, deliberate click.
    page.get_by_text("Start an extra round now").click()
    audience = page.locator(".extra-round form").inner_text()
    assert "invitation to" in audience and "people now" in audience
    assert created.rounds.count() == 0
    _shot(page, "hr-survey-2b-confirm-extra-round-1280px")
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, start the round").click()
    assert created.rounds.count() == 1
    assert "Round 1 is open" in page.content()
    _shot(page, "hr-survey-3-round-started-1280px")
    page.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_every_hr_screen_fits_the_viewport(
    browser,
    live_server, hr_admin, employee, manager, password, org, survey, width,
):  # fmt: skip
    page = browser.new_page(viewport={"width": width, "height": 800})
    _sign_in(page, live_server, hr_admin, password)
    screens = {
        "people": "/hr/people/",
        "person": f"/hr/people/{employee.pk}/",
        "import": "/hr/people/import/",
        "teams": "/hr/teams/",
        "team": f"/hr/teams/{org.platform.pk}/",
        "questions": "/hr/questions/",
        "question-new": "/hr/questions/new/",
        "question-import": "/hr/questions/import/",
        "dimensions": "/hr/dimensions/",
        "surveys": "/hr/surveys/",
        "survey": f"/hr/surveys/{survey.pk}/",
        "survey-edit": f"/hr/surveys/{survey.pk}/edit/",
        "threshold": "/hr/threshold/",
        "audit": "/hr/audit/",
    }
    for name, path in screens.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        _shot(page, f"hr-screen-{name}-{width}px")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    page.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_people_import_preview_then_apply(
    browser, live_server, worker, hr_admin, password, org, tmp_path, width
):
    """The upload goes to a worker: the page polls its progress bar, shows the preview, and after
    "Apply" the bar runs again until the import is applied."""
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "email,name,team\n"
        "ada@example.com,Ada Lovelace,Acme/Engineering/SRE\n"
        "bob@example.com,Bob Builder,Acme/Sales\n"
    )
    page = browser.new_page(viewport={"width": width, "height": 800})
    _sign_in(page, live_server, hr_admin, password)
    page.goto(f"{live_server.url}/hr/people/import/")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Preview (dry run)").click()
    assert "/hr/people/import/" in page.url and page.locator("#import-progress").count() == 1
    page.get_by_role("button", name="Apply this import").wait_for(timeout=30000)
    _shot(page, f"hr-import-preview-{width}px")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert "People to add" in page.content()
    assert not hr_admin.__class__.objects.filter(email="ada@example.com").exists()
    with page.expect_navigation():
        page.get_by_role("button", name="Apply this import").click()
    page.get_by_text("The import was applied.").wait_for(timeout=30000)
    assert page.locator("#import-progress").get_attribute("value") == "100"
    _shot(page, f"hr-import-applied-{width}px")
    assert (
        hr_admin.__class__.objects.filter(email__in=["ada@example.com", "bob@example.com"]).count()
        == 2
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,team\nnot-an-email,X,Acme\nc@example.com,,Acme\n")
    page.goto(f"{live_server.url}/hr/people/import/")
    page.get_by_label("CSV file").set_input_files(str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="Preview (dry run)").click()
    page.get_by_text("2 rows need fixing; nothing was imported.").wait_for(timeout=30000)
    _shot(page, f"hr-import-errors-{width}px")
    assert "Line 2:" in page.content() and "Line 3:" in page.content()
    assert page.get_by_role("button", name="Apply this import").count() == 0
    page.close()

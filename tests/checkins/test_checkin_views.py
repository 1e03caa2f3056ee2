"""The check-in pages, through the real views."""

import pytest
from django.urls import reverse

from checkins.models import Participation, Response
from checkins.services.rounds import round_close
from checkins.services.tokens import participation_token


@pytest.fixture
def link(open_round, employee):
    return reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=employee.pk)]
    )


def _post_data(rnd, value="4"):
    return {
        f"q{v.pk}": ("8" if v.question.scale == "zero_ten" else value)
        for v in rnd.question_versions.select_related("question")
    }


def test_link_opens_the_form_without_a_password(client, link, open_round):
    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    for version in open_round.question_versions.all():
        assert version.text in html
    assert "stored without your name" in html
    assert "Prefer not to answer" in html
    assert page["Cache-Control"].startswith("max-age=0")


def test_submit_redirects_to_thanks_and_stores_once(client, link, open_round):
    first = client.post(link, _post_data(open_round))
    assert first.status_code == 302
    assert first["Location"] == reverse("checkins:thanks") + "?language=en"
    thanks = client.get(first["Location"])
    assert "recorded" in thanks.content.decode()
    again = client.post(link, _post_data(open_round, value="1"))
    assert again.status_code == 200 and "already recorded" in again.content.decode()
    assert Response.objects.filter(round=open_round).count() == 1


def test_invalid_value_is_a_400_naming_the_question_and_stores_nothing(client, link, open_round):
    data = _post_data(open_round)
    bad_field = next(iter(data))
    data[bad_field] = "9"
    page = client.post(link, data)
    assert page.status_code == 400
    assert f'id="id_{bad_field}_error"' in page.content.decode()
    assert Response.objects.count() == 0
    assert not Participation.objects.filter(responded=True).exists()


def test_missing_answer_is_a_400(client, link, open_round):
    data = _post_data(open_round)
    data.pop(next(iter(data)))
    assert client.post(link, data).status_code == 400
    assert Response.objects.count() == 0


def test_tampered_link_is_a_clear_404(client, link):
    page = client.get(link[:-3] + "abc/")
    assert page.status_code == 404
    # The "does not work" page: not the closed or inactive ones.
    assert "checkins/link_problem.html" in {t.name for t in page.templates}
    assert page.context["problem"] == "unknown"


def test_closed_round_link_is_a_clear_410(client, link, open_round):
    round_close(round=open_round)
    page = client.get(link)
    assert page.status_code == 410 and "has closed" in page.content.decode()
    assert client.post(link, _post_data(open_round)).status_code == 410
    assert Response.objects.count() == 0


def test_logged_in_employee_sees_open_checkin_on_home(client, employee, password, link):
    client.login(username=employee.email, password=password)
    page = client.get(reverse("home"))
    assert link in page.content.decode()


def test_answered_checkin_leaves_the_home_page(client, employee, password, link, open_round):
    client.post(link, _post_data(open_round))
    client.login(username=employee.email, password=password)
    assert link not in client.get(reverse("home")).content.decode()


def test_person_language_is_used_for_the_questions(client, open_round, employee):
    employee.language = "de"
    employee.save()
    page = client.get(
        reverse(
            "checkins:form",
            args=[participation_token(round_id=open_round.pk, person_id=employee.pk)],
        )
    )
    version = open_round.question_versions.exclude(translations={}).first()
    assert version.translations["de"] in page.content.decode()


def test_the_interface_follows_the_person_language(client, open_round, employee):
    employee.language = "de"
    employee.save()
    html = client.get(
        reverse(
            "checkins:form",
            args=[participation_token(round_id=open_round.pk, person_id=employee.pk)],
        )
    ).content.decode()
    assert "Check-in absenden" in html and "Möchte ich nicht beantworten" in html
    assert '<html lang="de">' in html


def test_a_bad_link_speaks_the_browser_language(client, db):
    page = client.get("/c/" + "0" * 64 + "/", HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 404 and "Dieser Link funktioniert nicht" in page.content.decode()


def test_the_thank_you_page_speaks_the_check_in_s_language(client, open_round, employee):
    """A German check-in is thanked in German, whatever the browser asks for."""
    employee.language = "de"
    employee.save()
    link = reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=employee.pk)]
    )
    posted = client.post(link, _post_data(open_round), HTTP_ACCEPT_LANGUAGE="en")
    thanks = client.get(posted["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="de">' in thanks.content.decode()
    odd = client.get(reverse("checkins:thanks") + "?language=xx", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in odd.content.decode()

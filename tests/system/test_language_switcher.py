"""The language switcher on every page: Django's set_language, kept on the person."""

from __future__ import annotations

from django.urls import reverse

from checkins.services.tokens import participation_token
from org.models import Person


def _switch(client, language: str, next_url: str):
    return client.post(reverse("set-language"), {"language": language, "next": next_url})


def test_every_page_offers_the_switcher(client):
    html = client.get(reverse("login")).content.decode()
    assert 'action="/language/"' in html
    assert '<option value="de" lang="de"' in html and "Deutsch" in html


def test_signed_in_choice_is_kept_on_the_person(client, manager, password):
    client.login(username=manager.email, password=password)
    response = _switch(client, "de", reverse("culture:dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("culture:dashboard")
    manager.refresh_from_db()
    assert manager.language == "de"
    # The next page (and every email) follows the person's language, not the browser's.
    page = client.get(reverse("culture:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="de"' in page.content.decode()


def test_a_check_in_link_keeps_the_choice_on_its_person(client, open_round, employee):
    link = reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=employee.pk)]
    )
    assert employee.language == "en"
    assert _switch(client, "de", link).status_code == 302
    employee.refresh_from_db()
    assert employee.language == "de"
    assert '<html lang="de"' in client.get(link).content.decode()


def test_an_unknown_language_or_a_made_up_link_changes_nothing(client, open_round, employee):
    link = reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=employee.pk)]
    )
    _switch(client, "xx", link)
    _switch(client, "de", reverse("checkins:form", args=["made-up-token"]))
    _switch(client, "de", "https://evil.example.com/")
    assert Person.objects.filter(language="de").count() == 0


def test_the_switcher_only_takes_a_post(client):
    assert client.get(reverse("set-language")).status_code == 405

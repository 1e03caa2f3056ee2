"""HR admins list and edit the question bank; wording changes with answers make a new version."""

import pytest
from django.urls import reverse

from checkins.models import Answer, Question, QuestionVersion, Response
from checkins.services.questions import question_wording_update
from tests.factories import RoundFactory, TeamFactory

URLS = [reverse("checkins:hr-questions")]


@pytest.fixture
def question(db):
    return Question.objects.get(code="trust-1")


def test_hr_admin_lists_and_searches_questions(client, hr_admin, password):
    client.login(username=hr_admin.email, password=password)
    page = client.get(reverse("checkins:hr-questions"), {"q": "colleague says"})
    assert page.status_code == 200
    assert "trust-1" in page.content.decode() and "belonging-1" not in page.content.decode()


@pytest.mark.parametrize("persona", ["employee", "manager", "outsider"])
def test_everyone_else_gets_403(client, request, password, persona, question):
    person = request.getfixturevalue(persona)
    client.login(username=person.email, password=password)
    for url in (
        reverse("checkins:hr-questions"),
        reverse("checkins:hr-question-edit", args=[question.pk]),
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(
            reverse("checkins:hr-question-edit", args=[question.pk]), {"text": "x"}
        ).status_code
        == 403
    )
    assert question.current_version().text != "x"


def test_anonymous_is_sent_to_login(client, question):
    page = client.get(reverse("checkins:hr-question-edit", args=[question.pk]))
    assert page.status_code == 302 and reverse("login") in page["Location"]


def test_edit_without_answers_rewords_in_place(client, hr_admin, password, question):
    client.login(username=hr_admin.email, password=password)
    page = client.post(
        reverse("checkins:hr-question-edit", args=[question.pk]),
        {"text": "Colleagues keep their promises.", "text_de": "Zusagen werden eingehalten."},
    )
    assert page.status_code == 302
    assert question.versions.count() == 1
    assert question.current_version().text == "Colleagues keep their promises."


def test_edit_with_answers_makes_a_new_version_and_old_answers_keep_old_words(question):
    old = question.current_version()
    response = Response.objects.create(round=RoundFactory(), team=TeamFactory())
    Answer.objects.create(response=response, question_version=old, value=4)
    new = question_wording_update(question=question, text="Colleagues keep their promises.")
    assert new.number == old.number + 1
    assert Answer.objects.get(response=response).question_version.text == old.text
    assert QuestionVersion.objects.filter(question=question).count() == 2

"""Submitting a check-in: exactly once, all or nothing, clear errors (promises D1, D4)."""

import threading

import pytest
from django.db import connection

from checkins.models import Answer, Participation, Response
from checkins.services.responses import AlreadyRecorded, CheckinError, response_submit
from checkins.services.rounds import round_close


def _answers(rnd, value=4):
    return {
        v.pk: (8 if v.question.scale == "zero_ten" else value)
        for v in rnd.question_versions.select_related("question")
    }


@pytest.fixture
def participation(open_round, employee):
    return Participation.objects.get(round=open_round, person=employee)


def test_submit_stores_one_response_with_its_answers(participation, open_round):
    response = response_submit(
        participation=participation, answers=_answers(open_round), comment="ok"
    )
    participation.refresh_from_db()
    assert participation.responded
    assert response.team_id == participation.team_id
    assert Answer.objects.filter(response=response).count() == open_round.question_versions.count()


def test_second_submit_is_already_recorded_and_stores_nothing(participation, open_round):
    response_submit(participation=participation, answers=_answers(open_round))
    with pytest.raises(AlreadyRecorded):
        response_submit(participation=participation, answers=_answers(open_round, value=1))
    assert Response.objects.filter(round=open_round).count() == 1


def test_prefer_not_to_answer_stores_no_answer_row(participation, open_round):
    answers = _answers(open_round)
    skipped = next(iter(answers))
    answers[skipped] = None
    response = response_submit(participation=participation, answers=answers)
    assert not Answer.objects.filter(response=response, question_version_id=skipped).exists()


@pytest.mark.parametrize(
    ("change", "field_prefix"),
    [
        ("out_of_range", "q"),
        ("not_a_number", "q"),
        ("unknown_question", "answers"),
        ("missing", "q"),
        ("long_comment", "comment"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    participation, open_round, change, field_prefix
):
    answers, comment = _answers(open_round), ""
    first = next(iter(answers))
    if change == "out_of_range":
        answers[first] = 6
    elif change == "not_a_number":
        answers[first] = "lots"
    elif change == "unknown_question":
        answers[999_999] = 3
    elif change == "missing":
        del answers[first]
    elif change == "long_comment":
        comment = "x" * 2001
    with pytest.raises(CheckinError) as error:
        response_submit(participation=participation, answers=answers, comment=comment)
    assert error.value.field.startswith(field_prefix)
    assert error.value.status < 500
    assert Response.objects.count() == 0 and Answer.objects.count() == 0
    participation.refresh_from_db()
    assert not participation.responded


def test_closed_round_refuses_and_stores_nothing(participation, open_round):
    round_close(round=open_round)
    with pytest.raises(CheckinError) as error:
        response_submit(participation=participation, answers=_answers(open_round))
    assert error.value.status == 410
    assert Response.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_store_exactly_one(survey, employee, manager, outsider, hr_admin):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locking (CI runs it with REQUIRE_SERVICES=1)")
    from checkins.services.rounds import round_open

    rnd = round_open(survey=survey)
    participation = Participation.objects.get(round=rnd, person=employee)
    answers = _answers(rnd)
    outcomes: list[str] = []
    barrier = threading.Barrier(50)

    def submit():
        barrier.wait()
        try:
            response_submit(
                participation=Participation.objects.get(pk=participation.pk), answers=answers
            )
            outcomes.append("stored")
        except AlreadyRecorded:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already"] * 49 + ["stored"]
    assert Response.objects.filter(round=rnd).count() == 1

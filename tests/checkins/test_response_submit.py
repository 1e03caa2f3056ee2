"""Submitting a check-in: exactly once, all or nothing, clear errors (promises D1, D4)."""

import threading

import pytest
from django.db import connection

from checkins.models import Answer, Participation, Response
from checkins.services.responses import AlreadyRecorded, CheckinError, response_submit
from checkins.services.rounds import round_close
from dialect import is_postgresql


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
    if not is_postgresql():
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


def test_closed_round_wins_over_bad_input_and_over_already_recorded(participation, open_round):
    response_submit(participation=participation, answers=_answers(open_round))
    round_close(round=open_round)
    for answers in (_answers(open_round), {**_answers(open_round), 999999: 3}):
        with pytest.raises(CheckinError) as error:
            response_submit(participation=participation, answers=answers)
        assert error.value.status == 410
    assert Response.objects.filter(round=open_round).count() == 1


def test_bad_input_wins_over_already_recorded(participation, open_round):
    response_submit(participation=participation, answers=_answers(open_round))
    with pytest.raises(CheckinError) as error:
        response_submit(participation=participation, answers={**_answers(open_round), 999999: 3})
    assert error.value.status == 400 and not isinstance(error.value, AlreadyRecorded)


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.django_db(transaction=True)
def test_a_submission_in_flight_holds_off_closing_its_round(survey, employee):
    """The submission shares a lock on the round row until it commits: a close meanwhile cannot
    take the row, so no response lands in a round after its figures were computed."""
    if not is_postgresql():
        pytest.skip("needs PostgreSQL's row locking (CI runs it with REQUIRE_SERVICES=1)")
    from django.db import OperationalError, transaction

    from checkins.services.rounds import round_open

    rnd = round_open(survey=survey)
    participation = Participation.objects.get(round=rnd, person=employee)
    claimed, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def submit_and_wait() -> None:
        try:
            with transaction.atomic():
                response_submit(participation=participation, answers=_answers(rnd))
                claimed.set()  # nested atomic: the outer transaction is still open
                release.wait(30)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
            claimed.set()
        finally:
            connection.close()

    worker = threading.Thread(target=submit_and_wait)
    worker.start()
    assert claimed.wait(30)
    try:
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            round_close(round=rnd)
    finally:
        release.set()
        worker.join()
    assert not errors
    assert round_close(round=rnd)  # free once the submission committed
    assert Response.objects.filter(round=rnd).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_submission_that_waited_for_a_close_stores_nothing(survey, employee):
    """A close in progress holds the round row; a submission waits for it and then, seeing the
    round closed, stores nothing and says so."""
    if not is_postgresql():
        pytest.skip("needs PostgreSQL's row locking (CI runs it with REQUIRE_SERVICES=1)")
    import time

    from django.db import transaction

    from checkins.models import Round
    from checkins.services.rounds import round_open

    rnd = round_open(survey=survey)
    participation = Participation.objects.get(round=rnd, person=employee)
    answers = _answers(rnd)
    outcome: list[object] = []
    pid: list[int] = []

    def submit() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid.append(cursor.fetchone()[0])
            response_submit(participation=participation, answers=answers)
            outcome.append("stored")
        except CheckinError as error:
            outcome.append(error.status)
        finally:
            connection.close()

    with transaction.atomic():
        assert Round.objects.filter(pk=rnd.pk).update(status=Round.Status.CLOSED) == 1
        worker = threading.Thread(target=submit)
        worker.start()
        deadline = time.monotonic() + 30
        while not (pid and _waiting_on_a_lock(pid[0])):
            assert worker.is_alive() and time.monotonic() < deadline, outcome
            time.sleep(0.02)
    worker.join()
    assert outcome == [410]
    assert Response.objects.filter(round=rnd).count() == 0
    assert not Participation.objects.get(pk=participation.pk).responded

"""Small builders for tests that need many respondents."""

from __future__ import annotations

import time

from checkins.models import Dimension, Participation, Question, Round, Survey
from checkins.services.responses import response_submit
from checkins.services.rounds import round_close, round_open
from culture.services.decisions import round_decisions_compute
from culture.services.reliability import round_reliability_compute
from culture.services.rollups import round_rollup_compute
from org.models import Team
from tests.factories import ParticipationFactory, PersonFactory


def survey_every_dimension(survey: Survey) -> Survey:
    """Ask one plain agreement item per core dimension every round, and no eNPS: every round
    then has a figure for every dimension."""
    firsts = [
        Question.objects.filter(dimension=d, scale=Question.Scale.AGREE5, reverse_scored=False)
        .order_by("position")
        .first()
        for d in Dimension.objects.filter(is_core=True)
    ]
    survey.questions.set([q for q in firsts if q is not None])
    survey.questions_per_round = len(firsts)
    survey.enps_every_n_rounds = 0
    survey.save()
    return survey


def people_in(team: Team, count: int, round: Round) -> list[Participation]:
    return [
        ParticipationFactory(person=PersonFactory(team=team), round=round) for _ in range(count)
    ]


def answer_all(participation: Participation, value: int = 4, comment: str = "") -> None:
    answers: dict[int, int | str | None] = {}
    for version in participation.round.question_versions.select_related("question"):
        answers[version.pk] = 8 if version.question.scale == Question.Scale.ZERO_TEN else value
    response_submit(participation=participation, answers=answers, comment=comment)


def round_answered(survey, values: dict, *, close: bool = True) -> Round:
    """Open a round of the survey (everyone in a team is invited, as the beat would) where each
    person answers every agreement item with the value they mean (reverse-scored items turned
    around) and eNPS with 8; None: invited, no answer. Closed and rolled up unless `close` is
    False."""
    rnd = round_open(survey=survey)
    versions = list(rnd.question_versions.select_related("question"))
    for person, value in values.items():
        if value is None:
            continue
        answers: dict[int, int | str | None] = {
            v.pk: 8 if v.question.is_enps else (6 - value if v.question.reverse_scored else value)
            for v in versions
            if v.question.scale != Question.Scale.TEXT
        }
        response_submit(
            participation=Participation.objects.get(person=person, round=rnd), answers=answers
        )
    if close:
        close_and_roll_up(rnd)
    return rnd


def close_and_roll_up(round: Round) -> None:
    round_close(round=round)
    round.refresh_from_db()
    assert round_rollup_compute(round=round)
    round_decisions_compute(round=round)  # as culture.tasks.round_rollup_compute does
    round_reliability_compute(round=round)


def wait_for(condition, timeout: float = 30.0) -> bool:
    """Poll until a background worker has done something, or give up after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def wait_until_idle(timeout: float = 30.0, quiet_polls: int = 5) -> bool:
    """Poll until the test's Celery worker has nothing queued, reserved or running, several polls
    in a row: from then on nothing more can arrive, so a test may count what did. Gives up (False)
    after `timeout` seconds. The worker runs in this process, so its state is readable here."""
    from celery.worker import state

    from relhealth.celery import app

    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        with app.connection_for_write() as conn:
            queued = conn.default_channel.queue_declare(queue=app.conf.task_default_queue)[1]
        busy = queued or state.active_requests or state.reserved_requests
        quiet = 0 if busy else quiet + 1
        if quiet >= quiet_polls:
            return True
        time.sleep(0.05)
    return False

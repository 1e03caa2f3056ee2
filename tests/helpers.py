"""Small builders for tests that need many respondents."""

from __future__ import annotations

import time

from checkins.models import Participation, Question, Round
from checkins.services.responses import response_submit
from checkins.services.rounds import round_close
from culture.services.decisions import round_decisions_compute
from culture.services.reliability import round_reliability_compute
from culture.services.rollups import round_rollup_compute
from org.models import Team
from tests.factories import ParticipationFactory, PersonFactory


def people_in(team: Team, count: int, round: Round) -> list[Participation]:
    return [
        ParticipationFactory(person=PersonFactory(team=team), round=round) for _ in range(count)
    ]


def answer_all(participation: Participation, value: int = 4, comment: str = "") -> None:
    answers: dict[int, int | str | None] = {}
    for version in participation.round.question_versions.select_related("question"):
        answers[version.pk] = 8 if version.question.scale == Question.Scale.ZERO_TEN else value
    response_submit(participation=participation, answers=answers, comment=comment)


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

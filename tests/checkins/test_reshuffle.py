"""After close, responses are rewritten in random order under new keys, content unchanged (A6)."""

from collections import Counter

from checkins import tasks
from checkins.models import Answer, Response
from checkins.services.reshuffle import round_responses_reshuffle, rounds_to_reshuffle
from checkins.services.rounds import round_close, round_open
from culture.models import DimensionRollup
from culture.services.rollups import round_rollup_compute
from tests.helpers import answer_all, people_in


def _content(rnd):
    return Counter(
        (
            response.team_id,
            response.comment,
            tuple(sorted(response.answers.values_list("question_version_id", "value"))),
        )
        for response in Response.objects.filter(round=rnd).prefetch_related("answers")
    )


def test_reshuffle_keeps_content_and_replaces_every_key(survey, org):
    rnd = round_open(survey=survey)
    for i, p in enumerate(people_in(org.platform, 6, rnd)):
        answer_all(p, value=1 + i % 5, comment=f"comment {i}")
    assert round_responses_reshuffle(round=rnd) is False  # never while open
    round_close(round=rnd)
    rnd.refresh_from_db()
    assert round_rollup_compute(round=rnd)
    rollups = sorted(DimensionRollup.objects.filter(round=rnd).values_list("n", "total"))
    before_ids = set(Response.objects.filter(round=rnd).values_list("id", flat=True))
    before_answer_ids = set(Answer.objects.filter(response__round=rnd).values_list("id", flat=True))
    before = _content(rnd)
    assert rnd.pk in rounds_to_reshuffle()
    assert round_responses_reshuffle(round=rnd) is True
    assert _content(rnd) == before
    assert before_ids.isdisjoint(Response.objects.filter(round=rnd).values_list("id", flat=True))
    assert before_answer_ids.isdisjoint(
        Answer.objects.filter(response__round=rnd).values_list("id", flat=True)
    )
    assert sorted(DimensionRollup.objects.filter(round=rnd).values_list("n", "total")) == rollups
    assert round_responses_reshuffle(round=rnd) is False and rnd.pk not in rounds_to_reshuffle()


def test_the_task_tolerates_a_missing_round(db):
    assert tasks.round_responses_reshuffle(987654) is False

"""The set-based roll-ups (PostgreSQL) write the same rows as the Python computation.

Both run on the same seeded answers: counts, n, favourable and per-value counts must be equal;
the float sums equal up to rounding (adding the same numbers in another order may differ in the
last bit, which neither side promises).
"""

import pytest

from checkins.models import Answer, Question, QuestionVersion, Round, RoundQuestion
from checkins.services.rounds import round_open
from culture.models import DimensionRollup, DriverRollup, ParticipationRollup, QuestionRollup
from culture.services.rollups import rollup_rows_python, round_rollup_compute
from culture.services.rollups_sql import rollups_insert_sql
from demo.services.seed import demo_organisation_seed
from dialect import is_postgresql
from tests.helpers import answer_all, close_and_roll_up, people_in

pytestmark = pytest.mark.skipif(not is_postgresql(), reason="the SQL roll-ups are PostgreSQL's")

DIMENSION_FIELDS = ("n", "favourable", "answered")
QUESTION_FIELDS = ("n", "total", "total_sq", "favourable", "counts")  # sums of integers: exact


def _key(row, field):
    return (row.round_id, row.team_id, row.includes_subteams, getattr(row, field))


def assert_same_rows(rnd: Round) -> None:
    expected = rollup_rows_python(round=rnd)
    assert expected.dimensions and expected.questions and expected.participation
    stored_d = {_key(r, "dimension_id"): r for r in DimensionRollup.objects.filter(round=rnd)}
    wanted_d = {_key(r, "dimension_id"): r for r in expected.dimensions}
    assert stored_d.keys() == wanted_d.keys()
    for key, want in wanted_d.items():
        got = stored_d[key]
        assert [getattr(got, f) for f in DIMENSION_FIELDS] == [
            getattr(want, f) for f in DIMENSION_FIELDS
        ], key
        assert got.total == pytest.approx(want.total, rel=1e-12, abs=1e-9), key
        assert got.total_sq == pytest.approx(want.total_sq, rel=1e-12, abs=1e-9), key
    stored_q = {_key(r, "question_version_id"): r for r in QuestionRollup.objects.filter(round=rnd)}
    wanted_q = {_key(r, "question_version_id"): r for r in expected.questions}
    assert stored_q.keys() == wanted_q.keys()
    for key, want in wanted_q.items():
        got = stored_q[key]
        assert [getattr(got, f) for f in QUESTION_FIELDS] == [
            getattr(want, f) for f in QUESTION_FIELDS
        ], key
    stored_p = {
        (r.round_id, r.team_id, r.includes_subteams): (r.invited, r.responded)
        for r in ParticipationRollup.objects.filter(round=rnd)
    }
    wanted_p = {
        (r.round_id, r.team_id, r.includes_subteams): (r.invited, r.responded)
        for r in expected.participation
    }
    assert stored_p == wanted_p
    # The driver sums of products (ADR 0032): same rows, n exact, float sums up to rounding.
    stored_x = {_driver_key(r): r for r in DriverRollup.objects.filter(round=rnd)}
    wanted_x = {_driver_key(r): r for r in expected.drivers}
    assert stored_x.keys() == wanted_x.keys()
    for key, want in wanted_x.items():
        got = stored_x[key]
        assert got.n == want.n, key
        for name in DRIVER_SUMS:
            assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-12), key


DRIVER_SUMS = ("sum_x", "sum_y", "sum_xx", "sum_yy", "sum_xy")


def _driver_key(row):
    return (row.round_id, row.team_id, row.includes_subteams, row.dimension_id, row.outcome_id)


@pytest.mark.django_db
def test_seeded_history_rolled_up_in_sql_matches_python(survey):
    demo_organisation_seed(people=150, weeks=5, seed=11)
    rounds = list(Round.objects.order_by("number"))
    assert len(rounds) == 5
    for rnd in rounds:
        assert_same_rows(rnd)
    # The seed asks eNPS in round 1: its favourable count is the promoters (9-10).
    enps = QuestionRollup.objects.filter(
        round=rounds[0], question_version__question__scale=Question.Scale.ZERO_TEN
    )
    assert enps.exists()


@pytest.mark.django_db
def test_edge_cases_match_python(survey, org):
    """Reverse-scored and 7-point items, text answers, skipped items, invited non-respondents."""
    rnd = round_open(survey=survey)
    for i, participation in enumerate(people_in(org.platform, 7, rnd)):
        answer_all(participation, value=1 + i % 5)
    for participation in people_in(org.payments, 5, rnd):
        answer_all(participation, value=4)
    people_in(org.sales, 3, rnd)  # invited, nobody answered
    seven = Question.objects.create(
        code="trust-7pt", dimension=Question.objects.exclude(dimension=None).first().dimension,
        scale=Question.Scale.AGREE7, reverse_scored=True,
    )  # fmt: skip
    text = Question.objects.create(code="open-text", scale=Question.Scale.TEXT)
    for position, question in enumerate((seven, text), start=50):
        version = QuestionVersion.objects.create(question=question, text=question.code)
        RoundQuestion.objects.create(round=rnd, question_version=version, position=position)
    seven_version = seven.versions.get()
    answers = list(Answer.objects.filter(response__round=rnd).order_by("id")[:9])
    for i, answer in enumerate(answers):  # some 7-point answers on the same responses
        Answer.objects.get_or_create(
            response_id=answer.response_id, question_version=seven_version,
            defaults={"value": 1 + i % 7},
        )  # fmt: skip
    Answer.objects.filter(pk=answers[0].pk).update(value=None)  # prefer not to answer
    Answer.objects.create(
        response_id=answers[1].response_id, question_version=text.versions.get(), text="hi"
    )
    close_and_roll_up(rnd)
    assert_same_rows(rnd)
    assert DimensionRollup.objects.filter(round=rnd, team=org.root, includes_subteams=True)


@pytest.mark.django_db
def test_insert_sql_is_what_round_rollup_compute_runs(survey, org):
    rnd = round_open(survey=survey)
    for participation in people_in(org.platform, 5, rnd):
        answer_all(participation, value=5)
    close_and_roll_up(rnd)
    rows = DimensionRollup.objects.count()
    assert rows and round_rollup_compute(round=rnd) is False
    DimensionRollup.objects.all().delete()
    QuestionRollup.objects.all().delete()
    ParticipationRollup.objects.all().delete()
    DriverRollup.objects.all().delete()
    rollups_insert_sql(round_ids=[rnd.pk])
    assert DimensionRollup.objects.count() == rows
    assert_same_rows(rnd)

"""Rewording a question with answers: old answers keep the old words, the trend follows the chain."""

from __future__ import annotations

from checkins.models import Answer, Question, RoundQuestion
from checkins.services.questions import question_wording_update
from checkins.services.rounds import round_open
from culture.models import DimensionRollup, QuestionRollup
from tests.helpers import answer_all, close_and_roll_up, people_in


def test_trend_follows_the_version_chain(survey, org):
    trust = Question.objects.filter(dimension__key="trust", is_active=True)
    survey.questions.set(trust)  # five items, five per round: every round asks all of them
    question = Question.objects.get(code="trust-1")
    v1 = question.current_version()

    first = round_open(survey=survey)
    for participation in people_in(org.platform, 5, first):
        answer_all(participation, value=2)
    close_and_roll_up(first)

    v2 = question_wording_update(question=question, text="Colleagues keep their promises.")
    assert v2.number == 2 and v2.pk != v1.pk

    second = round_open(survey=survey)
    asked = set(
        RoundQuestion.objects.filter(round=second).values_list("question_version", flat=True)
    )
    assert v2.pk in asked and v1.pk not in asked
    for participation in people_in(org.platform, 5, second):
        answer_all(participation, value=4)
    close_and_roll_up(second)

    # Old answers still point at the words people saw; none moved to the new wording.
    assert set(Answer.objects.filter(response__round=first, question_version__question=question)
               .values_list("question_version", flat=True)) == {v1.pk}  # fmt: skip
    # One question, two versions, one trend line: round by round through the chain.
    trend = list(
        QuestionRollup.objects.filter(
            question_version__question=question, team=org.platform, includes_subteams=False
        )
        .order_by("round__number")
        .values_list("round__number", "question_version__number", "n", "total")
    )
    assert trend == [(first.number, 1, 5, 10.0), (second.number, 2, 5, 20.0)]
    # The dimension trend is unbroken by the rewording.
    assert (
        DimensionRollup.objects.filter(
            dimension__key="trust", team=org.platform, includes_subteams=False
        ).count()
        == 2
    )

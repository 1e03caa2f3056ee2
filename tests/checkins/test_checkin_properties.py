"""Properties of the check-in under arbitrary input and arbitrary sequences of actions.

Through the real view and database: whatever is posted, the answer is never a 5xx and the database
holds either the whole response or nothing; whatever people do (submit, submit again, go back,
the round closes), responses = participations marked answered, per team.
"""

from __future__ import annotations

from django.db.models import Count
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from checkins.models import Answer, Participation, Response, Round
from checkins.services.rounds import round_close, round_open
from checkins.services.tokens import participation_token
from tests.factories import PersonFactory, SurveyFactory, TeamFactory

_values = st.one_of(
    st.sampled_from(["", "skip", "0", "1", "3", "5", "6", "10", "11", "-1", "4.0", " 4", "1e3"]),
    st.text(max_size=12),
    st.integers(-(2**40), 2**40).map(str),
)


def _organisation():
    from checkins import default_bank
    from checkins.models import Dimension, Question, QuestionVersion

    default_bank.install(Dimension=Dimension, Question=Question, QuestionVersion=QuestionVersion)
    team_a, team_b = TeamFactory(), TeamFactory()
    people = [PersonFactory(team=team_a) for _ in range(3)] + [
        PersonFactory(team=team_b) for _ in range(2)
    ]
    survey = SurveyFactory()
    survey.questions.set(Question.objects.filter(is_active=True))
    rnd = round_open(survey=survey)
    return rnd, people


def _link(rnd: Round, person) -> str:
    return reverse(
        "checkins:form", args=[participation_token(round_id=rnd.pk, person_id=person.pk)]
    )


class SubmissionFuzz(TestCase):
    """Each example runs in its own transaction (hypothesis.extra.django.TestCase rolls it back)."""

    def setUp(self):
        self.rnd, self.people = _organisation()
        versions = self.rnd.question_versions.select_related("question")
        self.scale = {f"q{v.pk}": v.question.scale_points for v in versions}

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_any_payload_is_stored_whole_or_not_at_all(self, data):
        # Mostly valid payloads with a few wrong values, and wholly random ones.
        plausible = st.fixed_dictionaries(
            {
                field: st.one_of(st.integers(low, high).map(str), st.just("skip"), _values)
                for field, (low, high) in self.scale.items()
            }
        )
        noise = st.dictionaries(
            st.sampled_from([*self.scale, "q0", "qx", "answers"]), _values, max_size=10
        )
        answers = data.draw(st.one_of(plausible, noise), label="answers")
        comment = data.draw(st.one_of(st.just(""), st.text(max_size=50), st.just("x" * 2001)))
        page = Client().post(_link(self.rnd, self.people[0]), {**answers, "comment": comment})
        assert page.status_code < 500
        event(f"status {page.status_code}")  # --hypothesis-show-statistics shows both paths
        responses = Response.objects.filter(round=self.rnd)
        responded = Participation.objects.get(round=self.rnd, person=self.people[0]).responded
        if page.status_code == 302:
            assert responses.count() == 1 and responded
            stored = Answer.objects.filter(response__in=responses).count()
            skipped = sum(1 for f in self.scale if answers.get(f) == "skip")
            assert stored == len(self.scale) - skipped
        else:
            assert 400 <= page.status_code < 500
            assert responses.count() == 0 and not responded and Answer.objects.count() == 0


class CheckinMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.rnd, self.people = _organisation()
        self.data = {
            f"q{v.pk}": ("8" if v.question.scale == "zero_ten" else "4")
            for v in self.rnd.question_versions.select_related("question")
        }
        self.submitted: set[int] = set()

    people = st.integers(min_value=0, max_value=4)

    @rule(i=people)
    def submit(self, i):
        page = Client().post(_link(self.rnd, self.people[i]), self.data)
        if self.rnd.is_open and i not in self.submitted:
            assert page.status_code == 302
            self.submitted.add(i)
        else:
            assert page.status_code in (200, 410)

    @rule(i=people)
    def back_button_and_view(self, i):
        page = Client().get(_link(self.rnd, self.people[i]))
        assert page.status_code in (200, 410)

    @precondition(lambda self: self.rnd.is_open)
    @rule()
    def close(self):
        round_close(round=self.rnd)
        self.rnd.refresh_from_db()

    @invariant()
    def responses_equal_answered_participations_per_team(self):
        responses = dict(
            Response.objects.filter(round=self.rnd).values_list("team").annotate(n=Count("id"))
        )
        assert sum(responses.values()) == len(self.submitted)
        if not self.rnd.is_open:
            # A6: once the round closed, nothing stored says who answered.
            assert not Participation.objects.filter(round=self.rnd, responded__isnull=False)
            return
        answered = dict(
            Participation.objects.filter(round=self.rnd, responded=True)
            .values_list("team")
            .annotate(n=Count("id"))
        )
        assert responses == answered


class CheckinStateMachineTest(TestCase):
    def test_state_machine(self):
        from hypothesis.stateful import run_state_machine_as_test

        run_state_machine_as_test(
            CheckinMachine,
            settings=settings(max_examples=40, stateful_step_count=15, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow]),
        )  # fmt: skip

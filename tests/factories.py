"""One factory per model."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from checkins.models import Dimension, Participation, Question, QuestionVersion, Round, Survey
from checkins.services.tokens import participation_token, token_hash
from org.models import Person, Team

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    parent = None


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    team = factory.SubFactory(TeamFactory)
    time_zone = "Europe/Berlin"
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dimension
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"dimension-{n}")
    name = factory.Sequence(lambda n: f"Dimension {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    code = factory.Sequence(lambda n: f"q-{n}")
    dimension = factory.SubFactory(DimensionFactory)
    scale = Question.Scale.AGREE5
    position = factory.Sequence(lambda n: n)
    version = factory.RelatedFactory(
        "tests.factories.QuestionVersionFactory", factory_related_name="question"
    )


class QuestionVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionVersion

    question = factory.SubFactory(QuestionFactory, version=None)
    number = 1
    text = factory.Sequence(lambda n: f"Question wording {n}")


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"Pulse {n}")
    questions_per_round = 5


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    survey = factory.SubFactory(SurveyFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = Round.Status.OPEN
    period_start = factory.LazyFunction(lambda: timezone.now().date())
    opens_at = factory.LazyFunction(timezone.now)
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=5))
    min_group_size = 5


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    person = factory.SubFactory(PersonFactory)
    round = factory.SubFactory(RoundFactory)
    team = factory.LazyAttribute(lambda o: o.person.team)
    token_hash = factory.LazyAttribute(
        lambda o: token_hash(participation_token(round_id=o.round.pk, person_id=o.person.pk))
    )

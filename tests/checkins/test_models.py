"""The response tables have no path back to a person (promise A6)."""

from django.db import connection, models

from checkins.models import Answer, Participation, QuestionVersion, Response, Round
from org.models import Person, Team


def _related_models(model) -> set:
    return {
        field.related_model
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model is not None
    }


def test_response_relates_only_to_round_and_team():
    assert _related_models(Response) == {Round, Team}


def test_answer_relates_only_to_its_response_and_question_wording():
    assert _related_models(Answer) == {Response, QuestionVersion}


def test_nothing_links_people_or_participations_to_responses():
    for model in (Response, Answer):
        related = _related_models(model)
        assert Person not in related and Participation not in related
    for model in (Person, Participation):
        assert Response not in _related_models(model) and Answer not in _related_models(model)


def test_responses_and_answers_keep_no_time_and_use_random_keys():
    for model in (Response, Answer):
        for field in model._meta.concrete_fields:
            assert not isinstance(field, models.DateField | models.DateTimeField | models.TimeField)
        assert isinstance(model._meta.pk, models.UUIDField)


def test_response_table_columns_in_the_database(db):
    with connection.cursor() as cursor:
        columns = {
            col.name
            for col in connection.introspection.get_table_description(cursor, "checkins_response")
        }
    assert columns == {"id", "round_id", "team_id", "comment"}

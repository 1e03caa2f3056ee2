"""Bad input answers a clear 4xx and changes nothing: NUL in searches, deeply nested JSON, an
instrument import with overlong or multi-line fields, and CR/LF in every single-line name."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api.parsers import MAX_DEPTH
from checkins.models import Dimension, Question, QuestionVersion, Survey
from checkins.services.instrument_import import instrument_import
from checkins.services.questions import question_create, question_wording_update
from culture.models import FocusAction, FocusArea
from culture.services.focus import focus_action_add
from org.models import Person, Team
from org.services.people import team_create
from org.validators import SINGLE_LINE_MESSAGE, validate_single_line
from tests.api.conftest import client_for

BREAKS = ["a\nb", "a\rb", "a\r\nb", "a\tb", "a\x00b", "a\x1bb", "a\x85b", "a\u2028b", "a\x7fb"]


@pytest.fixture
def hr_client(client, hr_admin, password):
    client.login(username=hr_admin.email, password=password)
    return client


@pytest.mark.parametrize("value", BREAKS)
def test_the_validator_refuses_every_control_character(value):
    with pytest.raises(ValidationError) as caught:
        validate_single_line(value)
    assert caught.value.code == "single_line"


@pytest.mark.parametrize("value", ["R&D's pulse", "Équipe — Zürich", "東京チーム", "a b", ""])
def test_the_validator_lets_ordinary_names_through(value):
    validate_single_line(value)


# --- NUL and other junk in search and filter parameters --------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "named"),
    [
        ("org:hr-people", {"q": "\x00"}, "Search"),
        ("org:hr-people", {"q": "x" * 201}, "Search"),
        ("org:hr-people", {"team": "²"}, "Team"),
        ("org:hr-people", {"team": "9" * 30}, "Team"),
        ("org:hr-audit", {"q": "a\x00b"}, "Search"),
        ("org:hr-audit", {"actor": "²"}, "Who"),
        ("org:hr-audit", {"model": "org.\x00"}, "Kind of change"),
        ("checkins:hr-questions", {"q": "\x00"}, "Search"),
        ("culture:organisation", {"sort": "²"}, "Sort by"),
    ],
)
def test_a_bad_search_is_a_400_naming_the_parameter(hr_client, url, params, named):
    response = hr_client.get(reverse(url), params)
    assert response.status_code == 400
    assert named in response.content.decode()


def test_a_good_search_still_finds(hr_client, employee):
    response = hr_client.get(reverse("org:hr-people"), {"q": "Emma"})
    assert response.status_code == 200 and "Emma Employee" in response.content.decode()


@pytest.mark.parametrize("param", ["q", "email"])
def test_api_filters_refuse_nul(hr_admin, param):
    response = client_for(hr_admin).get("/api/v1/people/", {param: "a\x00b"})
    assert response.status_code == 400
    assert param in response.json()["fields"]


def test_api_team_name_filter_refuses_nul(hr_admin):
    response = client_for(hr_admin).get("/api/v1/teams/", {"name": "\x00"})
    assert response.status_code == 400 and "name" in response.json()["fields"]


# --- Deeply nested JSON ----------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 100_000])
def test_deeply_nested_json_is_refused_with_a_400(hr_admin, depth):
    teams = Team.objects.count()
    body = '{"name": ' + "[" * depth + "]" * depth + "}"
    response = client_for(hr_admin).post("/api/v1/teams/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "nests deeper than" in response.json()["detail"]
    assert Team.objects.count() == teams


def test_json_at_the_depth_limit_reaches_the_serializer(hr_admin):
    body = json.dumps({"name": json.loads("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))})
    response = client_for(hr_admin).post("/api/v1/teams/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["fields"]["name"] == ["Expected a string."]


# --- The instrument import --------------------------------------------------------------------

ITEM = {
    "code": "ok-1", "dimension": "trust", "scale": "agree5", "reverse": "no",
    "text_en": "We trust each other.", "source": "Acme", "licence": "Internal",
}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("source", "s" * 201, "source"),
        ("licence", "l" * 201, "licence"),
        ("code", "c" * 51, "code"),
        ("text_en", "t" * 501, "text_en"),
        ("text_de", "t" * 501, "text_de"),
        ("text_en", "two\nlines", "text_en"),
        ("text_de", "zwei\rZeilen", "text_de"),
        ("source", "Acme\x00", "source"),
        ("licence", "CC\u2028BY", "licence"),
    ],
)
def test_an_instrument_item_breaking_a_column_rule_is_named(survey, hr_client, field, value, named):
    questions = Question.objects.count()
    content = json.dumps([ITEM | {field: value}]).encode()
    result = instrument_import(content=content, filename="bank.json")
    assert result.created == []
    assert len(result.errors) == 1 and result.errors[0][1].startswith(f"{named}: "), result.errors
    # Through the page: a 400 with the item and the column named, nothing stored.
    upload = SimpleUploadedFile("bank.json", content, content_type="application/json")
    response = hr_client.post(reverse("checkins:hr-question-import"), {"file": upload})
    assert response.status_code == 400
    assert "Item 1" in response.content.decode() and named in response.content.decode()
    assert Question.objects.count() == questions


def test_a_deeply_nested_instrument_file_is_refused(survey, hr_client):
    upload = SimpleUploadedFile("bank.json", b"[" * 100_000 + b"]" * 100_000)
    response = hr_client.post(reverse("checkins:hr-question-import"), {"file": upload})
    assert response.status_code == 400 and "nests too deeply" in response.content.decode()


# --- CR/LF in every single-line name: forms, API, models ----------------------------------------


def test_the_survey_form_refuses_a_name_with_a_line_break(survey, hr_client):
    data = {
        "name": "Pulse\r\nBcc: everyone@example.com", "cadence": "weekly", "interval_weeks": 1,
        "weekday": 0, "send_time": "09:00", "window_days": 5, "questions_per_round": 3,
        "enps_every_n_rounds": 0,
        "questions": list(survey.questions.values_list("pk", flat=True)),
    }  # fmt: skip
    response = hr_client.post(reverse("checkins:hr-survey-edit", args=[survey.pk]), data)
    assert response.status_code == 400
    assert "one line" in response.content.decode()
    survey.refresh_from_db()
    assert survey.name == "Weekly pulse"


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("org:hr-team-new", {"name": "Ops\nTeam"}),
        ("org:hr-person-new", {"name": "Eve\rEvil", "email": "eve@example.com", "role": "employee",
                               "time_zone": "UTC", "language": "en"}),
        ("checkins:hr-dimensions", {"name": "Fair\nness", "key": "fairness"}),
        ("checkins:hr-dimensions", {"name": "Fairness", "name_de": "Fair\nness", "key": "fair"}),
        ("checkins:hr-question-new", {"code": "q-new", "scale": "zero_ten", "text": "How\nlikely",
                                      "source": "Acme", "licence": "Internal"}),
        ("checkins:hr-question-new", {"code": "q-new", "scale": "zero_ten", "text": "How likely",
                                      "source": "Ac\nme", "licence": "Internal"}),
        ("api:hr-api-tokens", {"name": "HRIS\nsync"}),
    ],
)  # fmt: skip
def test_hr_forms_refuse_line_breaks_in_names(survey, org, hr_client, url, data):
    before = (Team.objects.count(), Person.objects.count(), Dimension.objects.count(),
              Question.objects.count(), LogEntry.objects.count())  # fmt: skip
    data = dict(data)
    if url == "org:hr-person-new":
        data["team"] = org.platform.pk
    response = hr_client.post(reverse(url), data)
    assert response.status_code == 400
    assert "one line" in response.content.decode()
    after = (Team.objects.count(), Person.objects.count(), Dimension.objects.count(),
             Question.objects.count(), LogEntry.objects.count())  # fmt: skip
    assert after == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/surveys/", {"name": "Pulse\nX"}, "name"),
        ("/api/v1/teams/", {"name": "Ops\tTeam"}, "name"),
        ("/api/v1/dimensions/", {"key": "fair", "name": "Fair", "name_de": "Fa\nir"}, "name_de"),
        ("/api/v1/dimensions/", {"key": "fair", "name": "Fa\u2028ir"}, "name"),
        ("/api/v1/questions/", {"code": "q1", "scale": "zero_ten", "text": "Why\n?"}, "text"),
        ("/api/v1/questions/", {"code": "q1", "scale": "zero_ten", "text": "Why?",
                                "translations": {"de": "Wa\rrum?"}}, "translations.de"),
        ("/api/v1/questions/", {"code": "q1", "scale": "zero_ten", "text": "Why?",
                                "source": "A\nB"}, "source"),
    ],
)  # fmt: skip
def test_the_api_refuses_line_breaks_in_names(survey, hr_admin, path, body, field):
    before = (Survey.objects.count(), Team.objects.count(), Dimension.objects.count(),
              Question.objects.count())  # fmt: skip
    response = client_for(hr_admin).post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert str(SINGLE_LINE_MESSAGE) in response.json()["fields"][field]
    after = (Survey.objects.count(), Team.objects.count(), Dimension.objects.count(),
             Question.objects.count())  # fmt: skip
    assert after == before


def test_services_refuse_line_breaks_through_model_validation(survey, org):
    with pytest.raises(ValidationError) as caught:
        team_create(name="Ops\nTeam", parent=None)
    assert "name" in caught.value.message_dict
    with pytest.raises(ValidationError):
        question_create(code="q-x", text="Two\nlines", scale=Question.Scale.ZERO_TEN)
    assert not Question.objects.filter(code="q-x").exists()
    question = Question.objects.filter(scale=Question.Scale.AGREE5).first()
    with pytest.raises(ValidationError):
        question_wording_update(question=question, text="ok", translations={"de": "a\nb"})
    assert QuestionVersion.objects.filter(question=question, text="ok").count() == 0
    survey_model = Survey(name="Pulse\r\n")
    with pytest.raises(ValidationError) as caught:
        survey_model.full_clean(exclude=["audience", "questions"])
    assert "name" in caught.value.message_dict
    focus = FocusArea.objects.create(team=org.platform, dimension=Dimension.objects.first())
    with pytest.raises(ValidationError):
        focus_action_add(focus=focus, text="Talk\nmore", follow_up_on=survey.created_at.date())
    assert FocusAction.objects.count() == 0


# --- Numbers that str.isdigit() accepts but int() does not --------------------------------------


@pytest.mark.parametrize("value", ["²", "٣", "1" * 5000, "0", "-1"])
@pytest.mark.parametrize("param", ["page", "page_size"])
def test_api_page_numbers_are_ascii_whole_numbers(hr_admin, param, value):
    response = client_for(hr_admin).get("/api/v1/people/", {param: value})
    assert response.status_code == 400 and param in response.json()["fields"]


@pytest.mark.parametrize("value", ["²", "1" * 5000])
def test_an_unreadable_team_id_is_a_404(hr_admin, org, value):
    response = client_for(hr_admin).get("/api/v1/exports/scores.csv", {"team": value})
    assert response.status_code in (400, 404)
    response = client_for(hr_admin).get(f"/api/v1/teams/{value}/scores/")
    assert response.status_code == 404


def test_revoking_an_unreadable_token_id_is_a_404(hr_client, hr_admin):
    from api.services.tokens import api_token_create

    token = api_token_create(person=hr_admin, name="HRIS sync").token
    for value in ["²", "1" * 5000, "\x00"]:
        response = hr_client.post(reverse("api:hr-api-tokens"), {"revoke": value})
        assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("value", ["²", "1" * 30, "99999999999999999999"])
def test_a_check_in_for_an_unreadable_round_id_is_a_404(employee, value):
    response = client_for(employee).post(
        f"/api/v1/me/checkins/{value}/submit/", {"answers": []}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("param", ["period_to", "period_from", "rounds", "format"])
def test_an_empty_export_parameter_is_refused(hr_admin, org, param):
    client = client_for(hr_admin)  # creating the token is audited
    before = LogEntry.objects.count()
    response = client.get("/api/v1/exports/scores.csv", {"team": org.root.pk, param: ""})
    assert response.status_code == 400 and param in response.json()["fields"]
    assert LogEntry.objects.count() == before  # no export was recorded


def test_an_empty_scores_parameter_is_refused(hr_admin, org):
    response = client_for(hr_admin).get(f"/api/v1/teams/{org.root.pk}/scores/", {"period_to": ""})
    assert response.status_code == 400 and "period_to" in response.json()["fields"]


# --- A team path longer than its column -----------------------------------------------------------


@pytest.fixture
def deep_team(org):
    """A team whose path is nearly as long as the column (as a tree ~200 levels deep would have)."""
    deep = Team.objects.create(name="Deep", parent=org.root)
    long_path = org.root.path + "9" * (994 - len(org.root.path) - len(f"{deep.pk}/")) + "/"
    Team.objects.filter(pk=deep.pk).update(path=long_path + f"{deep.pk}/")
    deep.refresh_from_db()
    assert len(deep.path) == 995
    return deep


def test_a_team_below_a_too_deep_path_is_refused(deep_team, hr_client, hr_admin):
    teams = Team.objects.count()
    with pytest.raises(ValidationError):
        team_create(name="Deeper", parent=deep_team)
    page = hr_client.post(reverse("org:hr-team-new"), {"name": "Deeper", "parent": deep_team.pk})
    assert page.status_code == 400 and "too deep" in page.content.decode()
    response = client_for(hr_admin).post(
        "/api/v1/teams/", {"name": "Deeper", "parent": deep_team.pk}, format="json"
    )
    assert response.status_code == 400 and "too deep" in response.json()["detail"]
    assert Team.objects.count() == teams


def test_moving_a_subtree_below_a_too_deep_path_is_refused(deep_team, org, hr_client):
    page = hr_client.post(
        reverse("org:hr-team-edit", args=[org.engineering.pk]),
        {"name": "Engineering", "parent": deep_team.pk},
    )
    assert page.status_code == 400 and "too deep" in page.content.decode()
    org.engineering.refresh_from_db()
    org.platform.refresh_from_db()
    assert org.engineering.parent_id == org.root.pk
    assert org.platform.path.startswith(org.engineering.path)

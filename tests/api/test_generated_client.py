"""A Python client generated from the live schema drives the API's main flows.

openapi-python-client (offline: it reads the schema file, fetches nothing) generates a package
from `/api/v1/schema/` of a running server; the test imports it and, through it only: HR sets up
teams, a manager, people and a survey and opens an extra round; each employee reads their open
check-in and answers it; once the round has closed (the worker's job, done here directly), the
manager reads the figures, which decode into the named types (a shown figure for the big team, a
hidden one for the small team), and the team tree into typed nodes. A bad round request is a 4xx
that the client decodes as the one error body, and it changes nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess  # nosec B404: runs the generator installed with the dev extras
import sys

import httpx
import pytest
import time_machine
from auditlog.models import LogEntry

from api.services.tokens import api_token_create
from checkins.models import Question, Round
from org.models import Person
from tests.factories import PersonFactory
from tests.helpers import close_and_roll_up

PACKAGE = "relhealth_client"
TEAM = 12  # people in the team; k is 5
WEEK_1 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)  # a Tuesday morning


@pytest.fixture
def generated(live_server, tmp_path):
    """Generate the client from the live schema and import it; forget it afterwards."""
    schema = httpx.get(f"{live_server.url}/api/v1/schema/", timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.yaml").write_bytes(schema.content)
    # No post hooks (a formatter on PATH), no project metadata: the bare package.
    (tmp_path / "config.yaml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    done = subprocess.run(  # noqa: S603  # nosec B603: our interpreter, fixed arguments
        [sys.executable, "-m", "openapi_python_client", "generate",
         "--path", str(tmp_path / "schema.yaml"), "--output-path", str(tmp_path / PACKAGE),
         "--meta", "none", "--config", str(tmp_path / "config.yaml")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # A warning means a part of the schema the generator could not turn into code.
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _mod(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_drives_the_main_flows(generated, live_server):
    from checkins import default_bank
    from checkins.models import Dimension, QuestionVersion

    # Transactional tests start from empty tables: the question bank, and the first HR admin
    # (who is created on the command line, not through the API).
    default_bank.install(Dimension=Dimension, Question=Question, QuestionVersion=QuestionVersion)
    hr = PersonFactory(email="hr-client@example.com", role=Person.Role.HR_ADMIN)
    models = _mod("models")
    teams_api = _mod("api.teams")
    people_api = _mod("api.people")
    surveys_api = _mod("api.surveys")
    rounds_api = _mod("api.rounds")
    me_api = _mod("api.me")

    def client_of(person: Person):
        secret = api_token_create(person=person, name="generated client").secret
        return generated.AuthenticatedClient(base_url=live_server.url, token=secret)

    as_hr = client_of(hr)

    # HR setup: a team with a sub-team, a manager, people by bulk upsert (by team path), a survey.
    top = _call(teams_api, "teams_create", client=as_hr, body=models.TeamRequest(name="Platform"))
    assert top.status_code == 201 and isinstance(top.parsed, models.Team)
    assert top.parsed.parent is None  # required, nullable: present even at the top
    sub = _call(
        teams_api, "teams_create", client=as_hr,
        body=models.TeamRequest(name="SRE", parent=top.parsed.id),
    )  # fmt: skip
    assert sub.status_code == 201 and sub.parsed.parent == top.parsed.id
    lead = _call(
        people_api, "people_create", client=as_hr,
        body=models.PersonRequest(email="lead-client@example.com", name="Lena Lead", team=None,
                                  role=models.RoleEnum.MANAGER, managed_teams=[top.parsed.id]),
    )  # fmt: skip
    assert lead.status_code == 201 and isinstance(lead.parsed, models.Person)
    assert lead.parsed.managed_teams == [top.parsed.id] and lead.parsed.is_active is True
    rows = [
        models.BulkPersonRequest(email=f"p{i}@example.com", name=f"Person {i}", team="Platform/SRE")
        for i in range(TEAM)
    ]
    bulk = _call(
        people_api, "people_bulk_create", client=as_hr, body=models.PeopleBulkRequest(people=rows)
    )
    assert bulk.status_code == 200 and len(bulk.parsed.created) == TEAM
    # `subtree` takes a team id: everyone in the team or below.
    below = _call(people_api, "people_list", client=as_hr, subtree=top.parsed.id, page_size=100)
    assert isinstance(below.parsed, models.PaginatedPersonList) and below.parsed.count == TEAM
    direct = _call(people_api, "people_list", client=as_hr, team=top.parsed.id)
    assert direct.parsed.count == 0
    questions = [q.pk for q in Question.objects.filter(is_active=True, dimension__is_core=True)]
    survey = _call(
        surveys_api, "surveys_create", client=as_hr,
        body=models.SurveyRequest(name="Client pulse", audience=[top.parsed.id],
                                  questions=questions, questions_per_round=4,
                                  enps_every_n_rounds=0),
    )  # fmt: skip
    assert survey.status_code == 201 and isinstance(survey.parsed, models.Survey)
    assert survey.parsed.is_active is True

    # A bad request for a round is refused, decoded as the error body, and opens nothing.
    for body in (models.RoundOpenRequest(survey=survey.parsed.id + 1000),):
        refused = _call(rounds_api, "rounds_create", client=as_hr, body=body)
        assert refused.status_code == 400 and isinstance(refused.parsed, models.Error)
        assert list(refused.parsed.fields.additional_properties) == ["survey"]
    assert not Round.objects.exists()

    def one_round(answering: int) -> int:
        """HR opens an extra round, as on the HR page; `answering` people check in; it closes."""
        opened = _call(
            rounds_api, "rounds_create", client=as_hr,
            body=models.RoundOpenRequest(survey=survey.parsed.id),
        )  # fmt: skip
        assert opened.status_code == 201 and isinstance(opened.parsed, models.Round)
        assert opened.parsed.status == models.StatusEnum.OPEN
        # The same service as the page, audited with the actor.
        entry = LogEntry.objects.get(additional_data__round=opened.parsed.id)
        assert entry.actor == hr and entry.additional_data["event"] == "round opened"
        for i in range(answering):
            mine = client_of(Person.objects.get(email=f"p{i}@example.com"))
            page = _call(me_api, "me_checkins_list", client=mine)
            assert isinstance(page.parsed, models.PaginatedOpenCheckinList)
            (checkin,) = page.parsed.results
            assert checkin.round_ == opened.parsed.id
            answers = [
                models.AnswerRequest(question_version=q.question_version, value=q.high)
                if q.high is not None
                else models.AnswerRequest(question_version=q.question_version, text="")
                for q in checkin.questions
            ]
            receipt = _call(
                me_api, "me_checkins_submit_create", opened.parsed.id, client=mine,
                body=models.CheckinSubmitRequest(answers=answers),
            )  # fmt: skip
            assert receipt.status_code == 201 and receipt.parsed.recorded is True
            again = _call(
                me_api, "me_checkins_submit_create", opened.parsed.id, client=mine,
                body=models.CheckinSubmitRequest(answers=answers),
            )  # fmt: skip
            assert again.status_code == 409 and isinstance(again.parsed, models.Error)
        close_and_roll_up(Round.objects.get(pk=opened.parsed.id))  # the worker's job
        return opened.parsed.id

    # Week 1: two of twelve answer (hidden); week 2: all twelve (shown).
    with time_machine.travel(WEEK_1, tick=True):
        few = one_round(2)
    with time_machine.travel(WEEK_1 + dt.timedelta(days=7), tick=True):
        everyone = one_round(TEAM)

    # The manager reads the figures: newest first, each decoded into its named type.
    as_lead = client_of(Person.objects.get(email="lead-client@example.com"))
    scores = _call(teams_api, "teams_scores_retrieve", top.parsed.id, client=as_lead)
    assert scores.status_code == 200 and isinstance(scores.parsed, models.TeamScores)
    shown, hidden = scores.parsed.periods
    assert (shown.round_.id, hidden.round_.id) == (everyone, few)
    assert isinstance(shown.participation, models.ShownParticipation)
    assert shown.participation.responded == TEAM
    assert shown.dimensions and shown.questions
    for cell in shown.dimensions:
        assert isinstance(cell.figure, models.ShownFigure) and cell.figure.n == TEAM
    assert all(isinstance(q.figure, models.ShownQuestionFigure) for q in shown.questions)
    assert hidden.dimensions
    for cell in hidden.dimensions:
        assert isinstance(cell.figure, models.HiddenFigure)
        assert cell.figure.reason == models.ReasonEnum.FEWER_THAN_K
        assert cell.figure.additional_properties == {}  # no number rides along
    assert all(isinstance(q.figure, models.HiddenFigure) for q in hidden.questions)
    # The documented parameters work: a period range, and no question figures.
    only = _call(
        teams_api, "teams_scores_retrieve", top.parsed.id, client=as_lead,
        period_from=shown.round_.period_start, questions=False,
    )  # fmt: skip
    assert [p.round_.id for p in only.parsed.periods] == [everyone]
    assert only.parsed.periods[0].questions == []

    tree = _call(teams_api, "teams_tree_list", client=as_lead)
    assert isinstance(tree.parsed, models.PaginatedTeamTreeNodeList)
    (node,) = tree.parsed.results
    assert isinstance(node, models.TeamTreeNode) and node.name == "Platform"
    (child,) = node.children
    assert isinstance(child, models.TeamTreeNode) and (child.name, child.children) == ("SRE", [])

    csv = _call(_mod("api.exports"), "exports_scores_retrieve", client=as_lead, team=top.parsed.id)
    assert csv.status_code == 200 and isinstance(csv.parsed, str)
    assert csv.parsed.startswith("team_id,team,team_path,")


def _call(package, operation: str, *args, **kwargs):
    """`<package>.<operation>.sync_detailed(...)`: the status code and the decoded body."""
    module = importlib.import_module(f"{package.__name__}.{operation}")
    return module.sync_detailed(*args, **kwargs)

"""Governance: raw answers and comments expire after N months; a person can be erased.

Both keep every team figure: the roll-ups behind the dashboards are not touched.
"""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models import Q
from django.utils import timezone

from checkins.models import Answer, OutboundEmail, Participation, Response, Round, RoundQuestion
from checkins.services.questions import question_wording_update
from checkins.services.reshuffle import round_responses_reshuffle
from checkins.services.rounds import round_open
from culture import tasks as culture_tasks
from culture.models import DimensionRollup, ParticipationRollup, TeamRoundSummary
from culture.selectors import team_scores_get
from culture.services.retention import RETENTION_EVENT, raw_data_retention_apply
from culture.services.summaries import round_summaries_compute
from org.models import OrgSettings, Person
from org.services.erasure import ERASURE_EVENT, person_erase
from org.services.refusals import access_refusals_get
from tests.factories import PersonFactory
from tests.helpers import answer_all, close_and_roll_up

ZELDA = {"email": "zelda.quintessa@example.com", "name": "Zelda Quintessa"}


def _figures(team) -> list:
    """Everything a dashboard shows for a team: each round's cells and participation."""
    scores = team_scores_get(team=team)
    return [(row.round.pk, sorted(row.cells.items()), row.participation) for row in scores.rows]


def _rollups() -> list:
    return sorted(
        DimensionRollup.objects.values_list("round", "team", "includes_subteams", "dimension",
                                            "n", "total", "total_sq", "favourable")
    ) + sorted(ParticipationRollup.objects.values_list("round", "team", "invited", "responded"))  # fmt: skip


def _closed_round(survey, org, *, people: list[Person], comment: str = "A comment") -> Round:
    rnd = round_open(survey=survey)
    for participation in Participation.objects.filter(round=rnd, person__in=people):
        answer_all(participation, value=2 + participation.person.pk % 4, comment=comment)
    close_and_roll_up(rnd)
    rnd.refresh_from_db()
    assert round_summaries_compute(round=rnd)
    assert round_responses_reshuffle(round=rnd)
    return rnd


@pytest.fixture
def platform_people(org, manager):
    zelda = PersonFactory(team=org.platform, **ZELDA)
    return [zelda, *(PersonFactory(team=org.platform) for _ in range(11))]


def _age(rnd: Round, months: int) -> None:
    closed = timezone.now() - dt.timedelta(days=31 * months)
    Round.objects.filter(pk=rnd.pk).update(closes_at=closed, opens_at=closed - dt.timedelta(days=5))


# --- Retention ------------------------------------------------------------------------------


def test_retention_deletes_old_raw_data_and_keeps_every_figure(survey, org, platform_people):
    old = _closed_round(survey, org, people=platform_people)
    recent = _closed_round(survey, org, people=platform_people)
    current = round_open(survey=survey)
    answer_all(Participation.objects.filter(round=current).first(), comment="still open")
    _age(old, 25)
    before = (_figures(org.engineering), _figures(org.platform), _rollups(),
              list(TeamRoundSummary.objects.values_list("round", "team", "dimensions")))  # fmt: skip
    assert Response.objects.filter(round=old).count() == 12

    run = raw_data_retention_apply()

    assert run.rounds == [old.pk] and run.responses == 12 and run.months == 24
    assert not Response.objects.filter(round=old).exists()
    assert not Answer.objects.filter(response__round=old).exists()
    assert Response.objects.filter(round=recent).count() == 12
    assert Response.objects.filter(round=current).count() == 1
    after = (_figures(org.engineering), _figures(org.platform), _rollups(),
             list(TeamRoundSummary.objects.values_list("round", "team", "dimensions")))  # fmt: skip
    assert after == before
    assert any(cell.score is not None for _, cells, _ in before[0] for _, cell in cells)
    entry = LogEntry.objects.get(additional_data__event=RETENTION_EVENT)
    assert entry.additional_data["rounds"] == [old.pk]
    assert entry.additional_data["responses"] == 12
    # Running again finds nothing and writes no second entry.
    assert raw_data_retention_apply().rounds == []
    assert LogEntry.objects.filter(additional_data__event=RETENTION_EVENT).count() == 1


def test_retention_follows_the_setting_and_skips_rounds_not_yet_summarised(
    survey, org, platform_people
):
    rnd = _closed_round(survey, org, people=platform_people)
    _age(rnd, 7)
    assert raw_data_retention_apply().rounds == []  # 24 months by default
    OrgSettings.objects.filter(pk=1).update(raw_retention_months=6)
    unrolled = round_open(survey=survey)
    answer_all(Participation.objects.filter(round=unrolled).first())
    Round.objects.filter(pk=unrolled.pk).update(status=Round.Status.CLOSED, responses_shuffled=True)
    _age(unrolled, 8)
    # Through the beat task, as the schedule runs it.
    assert culture_tasks.raw_data_retention_apply() == 1
    assert not Response.objects.filter(round=rnd).exists()
    # Closed but never rolled up: its raw answers are the only copy of its figures.
    assert Response.objects.filter(round=unrolled).count() == 1


def test_the_retention_job_is_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "culture.tasks.raw_data_retention_apply" in tasks


def test_hr_sets_the_retention_period_and_it_is_audited(client, hr_admin):
    client.force_login(hr_admin)
    assert client.get("/hr/retention/").status_code == 200
    assert client.post("/hr/retention/", {"raw_retention_months": 0}).status_code == 400
    assert client.post("/hr/retention/", {"raw_retention_months": "x"}).status_code == 400
    assert OrgSettings.current().raw_retention_months == 24
    assert client.post("/hr/retention/", {"raw_retention_months": 12}).status_code == 302
    assert OrgSettings.current().raw_retention_months == 12
    entry = LogEntry.objects.get(
        changes__has_key="raw_retention_months", action=LogEntry.Action.UPDATE
    )
    assert entry.actor == hr_admin
    assert entry.changes["raw_retention_months"] == ["24", "12"]


# --- Erasure --------------------------------------------------------------------------------


def _text_columns_mentioning(*texts: str) -> dict[str, int]:
    """Every text-like column of every table, searched for the texts (case-insensitive)."""
    kinds = (models.CharField, models.TextField, models.JSONField, models.GenericIPAddressField)
    found = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, kinds):
                continue
            query = Q()
            for text in texts:
                query |= Q(**{f"{field.name}__icontains": text})
            count = model._default_manager.filter(query).count()
            if count:
                found[f"{model._meta.db_table}.{field.column}"] = count
    return found


@pytest.fixture
def zelda_history(client, survey, org, platform_people, hr_admin, password):
    """Zelda took part in a round, managed a team, was refused a page and mistyped a password."""
    zelda = platform_people[0]
    rnd = _closed_round(survey, org, people=platform_people, comment="Our standups help")
    zelda.role = Person.Role.MANAGER
    zelda.save()
    org.payments.managers.add(zelda)
    round_open(survey=survey)  # an open round with her invitation and ledger rows
    client.force_login(zelda)
    assert client.get("/hr/people/").status_code == 403
    AccessAttempt.objects.create(
        username=zelda.email, ip_address="10.0.0.7", user_agent="test", http_accept="*/*",
        path_info="/login/", failures_since_start=2, get_data="", post_data="",
    )  # fmt: skip
    assert _text_columns_mentioning(zelda.email, zelda.name)  # the scan finds her before
    return zelda, rnd


def test_erasure_leaves_no_trace_of_the_person_and_keeps_team_figures(zelda_history, org, hr_admin):
    zelda, rnd = zelda_history
    before = (_figures(org.engineering), _figures(org.platform), _rollups())
    responses = Response.objects.filter(round=rnd).count()

    report = person_erase(person=zelda, actor=hr_admin)

    assert _text_columns_mentioning(ZELDA["email"], ZELDA["name"]) == {}
    assert not Person.objects.filter(pk=report.person_id).exists()
    assert not Participation.objects.filter(person_id=report.person_id).exists()
    assert not OutboundEmail.objects.filter(recipient_id=report.person_id).exists()
    assert not org.payments.managers.exists()
    assert report.participations == 2 and report.sign_in_records == 1 and report.sessions == 1
    # Her answers were never hers on record: they stay, and so does every figure.
    assert Response.objects.filter(round=rnd).count() == responses
    assert (_figures(org.engineering), _figures(org.platform), _rollups()) == before
    entry = LogEntry.objects.get(additional_data__event=ERASURE_EVENT)
    assert entry.actor == hr_admin
    assert entry.additional_data["person_id"] == report.person_id


def test_erase_person_command(zelda_history, capsys):
    call_command("erase_person", ZELDA["email"].upper())
    assert "Erased person" in capsys.readouterr().out
    assert _text_columns_mentioning(ZELDA["email"], ZELDA["name"]) == {}
    with pytest.raises(CommandError, match="No person"):
        call_command("erase_person", ZELDA["email"])


def test_hr_erases_after_typing_the_email(client, zelda_history, hr_admin):
    zelda, _rnd = zelda_history
    client.force_login(hr_admin)
    url = f"/hr/people/{zelda.pk}/erase/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"email": "someone.else@example.com"}).status_code == 400
    assert Person.objects.filter(pk=zelda.pk).exists()
    assert client.post(url, {"email": ZELDA["email"]}).status_code == 302
    assert not Person.objects.filter(pk=zelda.pk).exists()


def test_erasure_refuses_oneself_and_the_last_hr_admin(client, hr_admin, employee):
    client.force_login(hr_admin)
    url = f"/hr/people/{hr_admin.pk}/erase/"
    response = client.post(url, {"email": hr_admin.email})
    assert response.status_code == 400
    assert Person.objects.filter(pk=hr_admin.pk).exists()
    with pytest.raises(CommandError, match="last HR admin"):
        call_command("erase_person", hr_admin.email)
    assert not access_refusals_get(actor=employee).exists()


def test_rewording_a_question_after_retention_still_starts_a_new_version(
    survey, org, platform_people
):
    rnd = _closed_round(survey, org, people=platform_people)
    _age(rnd, 25)
    assert raw_data_retention_apply().rounds == [rnd.pk]
    asked = RoundQuestion.objects.filter(round=rnd).first().question_version
    new = question_wording_update(question=asked.question, text="A new wording")
    # The roll-ups still point at the old wording, which must keep its words.
    assert new.pk != asked.pk
    asked.refresh_from_db()
    assert asked.text != "A new wording"

"""Surveys for HR: create from the default instrument, rotation, pause/resume, an extra round,
the threshold freeze, and nothing about who answered."""

from __future__ import annotations

import datetime as dt
import math

from auditlog.models import LogEntry
from django.urls import reverse

from checkins.models import Participation, Question, Round, RoundQuestion, Survey
from checkins.selectors import survey_rotation_preview
from checkins.services.rounds import round_open, round_questions_pick
from checkins.services.surveys import survey_first_round_at, survey_resume
from org.models import OrgSettings
from tests.helpers import answer_all


def _login(client, person, password):
    client.login(username=person.email, password=password)


def test_hr_creates_a_survey_from_the_default_instrument(client, hr_admin, password, org):
    _login(client, hr_admin, password)
    form = client.get(reverse("checkins:hr-survey-new")).context["form"]
    bank = list(Question.objects.filter(is_active=True).values_list("pk", flat=True))
    assert sorted(q.pk for q in form.initial["questions"]) == sorted(bank)
    page = client.post(
        reverse("checkins:hr-survey-new"),
        {
            "name": "Engineering pulse",
            "audience": [org.engineering.pk],
            "cadence": "every_n_weeks",
            "interval_weeks": 2,
            "weekday": 2,
            "send_time": "10:30",
            "window_days": 4,
            "questions_per_round": 4,
            "enps_every_n_rounds": 3,
            "questions": bank,
        },
    )
    survey = Survey.objects.get(name="Engineering pulse")
    assert page.status_code == 302 and page["Location"] == reverse(
        "checkins:hr-survey", args=[survey.pk]
    )
    assert list(survey.audience.all()) == [org.engineering]
    assert survey.next_round_at.weekday() == 2 and survey.next_round_at.strftime("%H:%M") == "10:30"
    assert LogEntry.objects.get_for_object(survey).filter(actor=hr_admin).exists()


def test_survey_needs_a_scored_question(client, hr_admin, password, org):
    _login(client, hr_admin, password)
    enps = Question.objects.filter(scale=Question.Scale.ZERO_TEN).values_list("pk", flat=True)
    page = client.post(
        reverse("checkins:hr-survey-new"),
        {"name": "Only eNPS", "cadence": "weekly", "interval_weeks": 1, "weekday": 0,
         "send_time": "09:00", "window_days": 5, "questions_per_round": 5,
         "enps_every_n_rounds": 4, "questions": list(enps)},
    )  # fmt: skip
    assert page.status_code == 400 and "questions" in page.context["form"].errors
    assert not Survey.objects.filter(name="Only eNPS").exists()


def test_rotation_asks_every_item_once_per_cycle(survey):
    scored = [q for q in survey.questions.all() if q.scale == Question.Scale.AGREE5]
    per_round = survey.questions_per_round
    cycle = math.ceil(len(scored) / per_round)
    for start in range(0, 5 * cycle, cycle):
        seen = set()
        for number in range(start + 1, start + cycle + 1):
            seen |= {v.question_id for v in round_questions_pick(survey=survey, number=number)}
        assert {q.pk for q in scored} <= seen


def test_preview_matches_the_rounds_that_open(
    client, hr_admin, password, survey, employee, manager
):
    preview = survey_rotation_preview(survey=survey)
    scored = survey.questions.exclude(scale__in=["zero_ten", "text"]).count()
    assert preview.scored_items == scored
    assert preview.cycle == math.ceil(scored / 5)
    first_number, first_versions = preview.rounds[0]
    rnd = round_open(survey=survey)
    assert rnd.number == first_number
    assert [rq.question_version for rq in RoundQuestion.objects.filter(round=rnd)] == first_versions
    # Everyone in the round is asked the same set: the round holds one list, not one per person.
    assert Participation.objects.filter(round=rnd).count() >= 2
    _login(client, hr_admin, password)
    page = client.get(reverse("checkins:hr-survey", args=[survey.pk])).content.decode()
    assert (
        f"With {scored} items and 5 per round, every item is asked at least once every {preview.cycle} rounds"
        in page
    )
    assert f"Round {rnd.number + 1}" in page


def test_pause_resume_and_an_extra_round(client, hr_admin, password, survey, employee):
    _login(client, hr_admin, password)
    client.post(reverse("checkins:hr-survey-pause", args=[survey.pk]))
    survey.refresh_from_db()
    assert not survey.is_active
    client.post(reverse("checkins:hr-survey-resume", args=[survey.pk]))
    survey.refresh_from_db()
    assert survey.is_active and survey.next_round_at is not None
    page = client.post(reverse("checkins:hr-survey-round", args=[survey.pk]))
    assert page.status_code == 302
    rnd = Round.objects.get(survey=survey)
    assert rnd.is_open and Participation.objects.filter(round=rnd, person=employee).exists()


def test_resume_does_not_make_up_missed_rounds_in_a_burst(survey):
    now = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)  # a Wednesday
    survey.is_active, survey.next_round_at = False, now - dt.timedelta(weeks=3)
    survey.save()
    survey_resume(survey=survey, now=now)
    assert survey.next_round_at == survey_first_round_at(survey=survey, now=now) > now


def test_threshold_change_applies_only_to_rounds_not_yet_open(client, hr_admin, password, survey):
    before = round_open(survey=survey)
    _login(client, hr_admin, password)
    client.post(reverse("org:hr-threshold"), {"min_group_size": 8})
    after = round_open(survey=survey)
    before.refresh_from_db()
    assert (before.min_group_size, after.min_group_size) == (5, 8)
    client.post(reverse("org:hr-threshold"), {"min_group_size": 3})
    before.refresh_from_db()
    after.refresh_from_db()
    assert (before.min_group_size, after.min_group_size, OrgSettings.current().min_group_size) == (
        5,
        8,
        3,
    )


def test_hr_screens_never_show_who_or_how_many_answered(
    client, hr_admin, password, open_round, employee
):
    """One respondent (below k): the survey page and audit log show no count and no name (A1, A7)."""
    participation = Participation.objects.get(round=open_round, person=employee)
    answer_all(participation)
    invited = Participation.objects.filter(round=open_round).count()
    _login(client, hr_admin, password)
    page = client.get(reverse("checkins:hr-survey", args=[open_round.survey.pk])).content.decode()
    for leak in ("responded", "1 response", f"1 / {invited}", f"1/{invited}", "participation"):
        assert leak not in page.lower()
    audit = client.get(reverse("org:hr-audit")).content.decode()
    assert "participation" not in audit.lower() and "response" not in audit.lower()
    assert not LogEntry.objects.filter(
        content_type__model__in=["participation", "response", "answer"]
    ).exists()


def test_audit_entries_hold_only_the_configured_fields(survey):
    entry = LogEntry.objects.get_for_object(survey).get(action=LogEntry.Action.CREATE)
    assert "rounds" not in entry.changes_dict and "id" not in entry.changes_dict
    assert entry.changes_dict["name"][1] == "Weekly pulse"

"""Surveys as HR configures them: create, edit, pause, resume, and an extra round now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from checkins.models import Question, Round, Survey
from checkins.services.rounds import round_open
from org.models import Person, Team
from org.services.audit import audit_event_record


def survey_first_round_at(*, survey: Survey, now: dt.datetime) -> dt.datetime:
    """The next time the survey's weekday and send time come round after `now`."""
    send_time = survey.send_time
    if isinstance(send_time, str):  # the model default before the row is read back
        send_time = dt.time.fromisoformat(send_time)
    candidate = now + dt.timedelta(days=(survey.weekday - now.weekday()) % 7)
    candidate = candidate.replace(
        hour=send_time.hour, minute=send_time.minute, second=0, microsecond=0
    )
    return candidate if candidate > now else candidate + dt.timedelta(weeks=1)


@transaction.atomic
def survey_save(
    *,
    survey: Survey,
    audience: Iterable[Team],
    questions: Iterable[Question],
    now: dt.datetime | None = None,
) -> Survey:
    """Create or update a survey. A new or rescheduled active survey gets its next opening."""
    now = now or timezone.now()
    if survey.pk is not None:
        before = Survey.objects.get(pk=survey.pk)
        rescheduled = (before.weekday, before.send_time) != (survey.weekday, survey.send_time)
    else:
        rescheduled = True
    survey.full_clean(exclude=["audience", "questions"])
    if survey.is_active and (rescheduled or survey.next_round_at is None):
        survey.next_round_at = survey_first_round_at(survey=survey, now=now)
    survey.save()
    survey.audience.set(list(audience))
    survey.questions.set(list(questions))
    return survey


def survey_pause(*, survey: Survey) -> Survey:
    survey.is_active = False
    survey.save(update_fields=["is_active"])
    return survey


def survey_resume(*, survey: Survey, now: dt.datetime | None = None) -> Survey:
    """Resume from the next regular opening: rounds missed while paused are not made up in a burst."""
    now = now or timezone.now()
    survey.is_active = True
    if survey.next_round_at is None or survey.next_round_at <= now:
        survey.next_round_at = survey_first_round_at(survey=survey, now=now)
    survey.save(update_fields=["is_active", "next_round_at"])
    return survey


def survey_round_start_now(
    *, survey: Survey, actor: Person | None, on_emails: Callable | None = None
) -> Round:
    """An extra round outside the rhythm; the regular schedule carries on unchanged. Written to
    the audit log with who started it (the HR page and the API alike)."""
    with transaction.atomic():
        rnd = round_open(survey=survey, on_emails=on_emails)
        audit_event_record(
            actor=actor,
            event="round opened",
            summary=f"Extra round {rnd.number} of the survey {survey.name} opened",
            details={"survey": survey.pk, "round": rnd.pk},
        )
    return rnd

"""Read-side helpers of the collection app."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from checkins.models import (
    OutboundEmail,
    Participation,
    Question,
    QuestionVersion,
    Round,
    Survey,
)
from checkins.services.rounds import round_questions_pick, survey_audience_queryset
from checkins.services.tokens import participation_token
from org.models import Person


@dataclass(frozen=True)
class OpenCheckin:
    round: Round
    url: str


def open_checkins_get(*, person: Person) -> list[OpenCheckin]:
    """The person's open, unanswered check-ins, each with its link."""
    participations = Participation.objects.filter(
        person=person, responded=False, round__status=Round.Status.OPEN
    ).select_related("round__survey")
    return [
        OpenCheckin(
            round=p.round,
            url=reverse(
                "checkins:form",
                args=[participation_token(round_id=p.round_id, person_id=person.pk)],
            ),
        )
        for p in participations
    ]


def next_checkin_get(*, person: Person) -> dt.datetime | None:
    """When the person's next check-in opens: the earliest scheduled round of an active survey
    that asks them (None when none is scheduled)."""
    # An opening already due (the scheduler's next sweep takes it) has no date worth showing.
    upcoming = Survey.objects.filter(is_active=True, next_round_at__gt=timezone.now()).order_by(
        "next_round_at"
    )
    for survey in upcoming:
        if survey_audience_queryset(survey=survey).filter(pk=person.pk).exists():
            return survey.next_round_at
    return None


@dataclass(frozen=True)
class RotationPreview:
    scored_items: int
    per_round: int
    cycle: int
    enps_every: int
    rounds: list[tuple[int, list[QuestionVersion]]]


def survey_rotation_preview(*, survey: Survey) -> RotationPreview:
    """The next full cycle of rounds, computed by the same picker that opens real rounds."""
    scored = (
        survey.questions.filter(is_active=True)
        .exclude(scale__in=[Question.Scale.ZERO_TEN, Question.Scale.TEXT])
        .count()
    )
    per_round = min(survey.questions_per_round, scored) if scored else 0
    cycle = math.ceil(scored / per_round) if per_round else 0
    last = survey.rounds.order_by("-number").values_list("number", flat=True).first() or 0
    shown = max(cycle, survey.enps_every_n_rounds or 0, 1)
    rounds = [
        (number, round_questions_pick(survey=survey, number=number))
        for number in range(last + 1, last + 1 + min(shown, 12))
    ]
    return RotationPreview(
        scored_items=scored,
        per_round=per_round,
        cycle=cycle,
        enps_every=survey.enps_every_n_rounds,
        rounds=rounds,
    )


def surveys_list_get() -> QuerySet[Survey]:
    return Survey.objects.annotate(
        question_count=Count("questions", filter=Q(questions__is_active=True), distinct=True),
        round_count=Count("rounds", distinct=True),
    ).prefetch_related("audience")


# Reminders are left out: a reminder is tried only while its person has not answered, so a
# failed one would tell HR who had not answered (A7). A refused address shows on the invitation.
FAILED_EMAILS_SHOWN = 50


def emails_failed_get(*, survey: Survey) -> QuerySet[OutboundEmail]:
    """The survey's messages that failed for good, newest first, each with its reason: what HR
    reads to correct an address or ask the operator to look at the mail server."""
    return (
        OutboundEmail.objects.filter(round__survey=survey, status=OutboundEmail.Status.FAILED)
        .exclude(kind=OutboundEmail.Kind.REMINDER)
        .select_related("recipient", "round")
        .order_by("-claimed_at", "-pk")[:FAILED_EMAILS_SHOWN]
    )

"""Opening and closing rounds.

Work is claimed with a conditional UPDATE ("another process got there first"), so two beats or a
redelivered task open each round once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import cast

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from checkins.models import (
    OutboundEmail,
    Participation,
    Question,
    QuestionVersion,
    Round,
    RoundQuestion,
    Survey,
)
from checkins.services.tokens import participation_token, token_hash
from org.models import OrgSettings, Person


def survey_audience(*, survey: Survey) -> list[Person]:
    people = Person.objects.filter(is_active=True, team__isnull=False)
    teams = list(survey.audience.all())
    if teams:
        within = Q()
        for team in teams:
            within |= Q(team__path__startswith=team.path)
        people = people.filter(within)
    return list(people.only("id", "team_id"))


def round_questions_pick(*, survey: Survey, number: int) -> list[QuestionVersion]:
    """The questions of round `number`: the next window of the bank, the same for everyone.

    The bank is ordered with the dimensions interleaved; round r takes the items from (r-1)*q
    onwards, wrapping, so every item comes back once per cycle of ceil(n/q) rounds; the eNPS item joins every `enps_every_n_rounds` rounds on its own.
    """
    items = list(
        survey.questions.filter(is_active=True)
        .exclude(scale__in=[Question.Scale.ZERO_TEN, Question.Scale.TEXT])
        .select_related("dimension")
        .order_by("position", "code")
    )
    # Interleave the dimensions (b1, t1, p1, b2, ...) so each round touches every dimension.
    rank: dict[int | None, int] = {}
    keyed = []
    for question in items:
        index = rank.get(question.dimension_id, 0)
        rank[question.dimension_id] = index + 1
        dim_position = question.dimension.position if question.dimension else 999
        keyed.append(((index, dim_position, question.position, question.code), question))
    bank = [question for _, question in sorted(keyed, key=lambda pair: pair[0])]
    picked: list[Question] = []
    if bank:
        q = min(survey.questions_per_round, len(bank))
        start = ((number - 1) * q) % len(bank)
        picked = [bank[(start + i) % len(bank)] for i in range(q)]
    every = survey.enps_every_n_rounds
    if every and (number - 1) % every == 0:
        picked += list(survey.questions.filter(is_active=True, scale=Question.Scale.ZERO_TEN)[:1])
    return [question.current_version() for question in picked]


def next_round_time(*, survey: Survey, after: dt.datetime) -> dt.datetime:
    """The next opening after `after`, on the survey's weekday and send time (UTC for now)."""
    weeks = survey.interval_weeks if survey.cadence == Survey.Cadence.EVERY_N_WEEKS else 1
    if survey.cadence == Survey.Cadence.MONTHLY:
        weeks = 4
    candidate = after + dt.timedelta(weeks=weeks)
    candidate = candidate - dt.timedelta(days=(candidate.weekday() - survey.weekday) % 7)
    if candidate <= after:
        candidate += dt.timedelta(weeks=1)
    return candidate.replace(
        hour=survey.send_time.hour, minute=survey.send_time.minute, second=0, microsecond=0
    )


def round_open(
    *, survey: Survey, now: dt.datetime | None = None, on_emails: Callable | None = None
) -> Round:
    """Open a round now: questions, frozen threshold, participations and invitation ledger rows."""
    now = now or timezone.now()
    with transaction.atomic():
        last = Round.objects.filter(survey=survey).order_by("-number").first()
        number = (last.number if last else 0) + 1
        rnd = Round.objects.create(
            survey=survey,
            number=number,
            status=Round.Status.OPEN,
            period_start=(now - dt.timedelta(days=now.weekday())).date(),
            opens_at=now,
            closes_at=now + dt.timedelta(days=survey.window_days),
            min_group_size=OrgSettings.current().min_group_size,
        )
        RoundQuestion.objects.bulk_create(
            RoundQuestion(round=rnd, question_version=version, position=i)
            for i, version in enumerate(round_questions_pick(survey=survey, number=number))
        )
        people = survey_audience(survey=survey)
        Participation.objects.bulk_create(
            (
                Participation(
                    person_id=person.pk,
                    round=rnd,
                    team_id=cast(int, person.team_id),  # the audience has a team
                    token_hash=token_hash(
                        participation_token(round_id=rnd.pk, person_id=person.pk)
                    ),
                )
                for person in people
            ),
            batch_size=1000,
        )
        participations = Participation.objects.filter(round=rnd).values_list("pk", "person_id")
        OutboundEmail.objects.bulk_create(
            (
                OutboundEmail(
                    key=f"invitation:round={rnd.pk}:person={person_id}",
                    kind=OutboundEmail.Kind.INVITATION,
                    recipient_id=person_id,
                    participation_id=participation_id,
                )
                for participation_id, person_id in participations
            ),
            batch_size=1000,
        )
        if on_emails is not None:
            transaction.on_commit(lambda: on_emails(rnd.pk))
    return rnd


def surveys_open_due(*, now: dt.datetime | None = None, on_emails: Callable | None = None) -> list:
    """Open a round for every active survey that is due; safe to run twice or concurrently."""
    now = now or timezone.now()
    opened = []
    for survey in Survey.objects.filter(is_active=True, next_round_at__lte=now):
        with transaction.atomic():
            claimed = Survey.objects.filter(
                pk=survey.pk, is_active=True, next_round_at=survey.next_round_at
            ).update(next_round_at=next_round_time(survey=survey, after=now))
            if claimed != 1:
                continue  # another process got there first
            opened.append(round_open(survey=survey, now=now, on_emails=on_emails))
    return opened


def rounds_close_due(*, now: dt.datetime | None = None) -> int:
    """Close the rounds whose window has ended. Their figures appear only after this (A5)."""
    now = now or timezone.now()
    return Round.objects.filter(status=Round.Status.OPEN, closes_at__lte=now).update(
        status=Round.Status.CLOSED
    )


def round_close(*, round: Round) -> bool:
    return (
        Round.objects.filter(pk=round.pk, status=Round.Status.OPEN).update(
            status=Round.Status.CLOSED
        )
        == 1
    )

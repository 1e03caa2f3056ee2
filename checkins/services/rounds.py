"""Opening and closing rounds.

Work is claimed with a conditional UPDATE ("another process got there first"), so two beats or a
redelivered task open each round once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.db.models import Q, QuerySet
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
from checkins.services import schedule
from checkins.services.tokens import participation_token, token_hash
from checkins.services.tree import round_tree_freeze
from org.models import OrgSettings, Person, subtree_q

# A reminder needs time left to act on it, and two reminders need a gap between them.
REMINDER_MARGIN = dt.timedelta(hours=2)
REMINDER_GAP = dt.timedelta(hours=20)
STALE_OPENING = dt.timedelta(days=1)


def survey_audience_queryset(*, survey: Survey) -> QuerySet[Person]:
    """The active people a survey asks: everyone with a team, or the audience teams' subtrees."""
    people = Person.objects.filter(is_active=True, team__isnull=False)
    teams = list(survey.audience.all())
    if teams:
        within = Q()
        for team in teams:
            within |= subtree_q(team, via="team__")
        people = people.filter(within)
    return people


def survey_audience(*, survey: Survey) -> list[Person]:
    return list(survey_audience_queryset(survey=survey).only("id", "team_id", "time_zone"))


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


def _cadence_weeks(survey: Survey) -> int:
    if survey.cadence == Survey.Cadence.MONTHLY:
        return 4
    return survey.interval_weeks if survey.cadence == Survey.Cadence.EVERY_N_WEEKS else 1


def survey_zones(*, survey: Survey) -> set[str]:
    zones = {person.time_zone for person in survey_audience(survey=survey)}
    return zones or {"UTC"}


def next_round_time(*, survey: Survey, after: dt.datetime) -> dt.datetime:
    """The UTC instant the next round opens after `after`: the earliest zone of the audience
    reaching the survey's local weekday and send time, stepping by the survey's cadence from the
    round whose date is nearest `after`."""
    zones = survey_zones(survey=survey)
    day = schedule.round_local_date(weekday=survey.weekday, near=after)
    while True:
        instants = schedule.send_instants(day=day, at=survey.send_time, zones=zones)
        opening = min(instants.values())
        if opening > after:
            return opening
        day += dt.timedelta(weeks=_cadence_weeks(survey))


def _local_plus_days(moment: dt.datetime, days: int, zone: str) -> dt.datetime:
    """`days` later on the local calendar, at the same local wall-clock time (DST-proof)."""
    local = moment.astimezone(schedule.zone_get(zone))
    return schedule.local_instant(
        day=local.date() + dt.timedelta(days=days), at=local.time(), zone=zone
    )


def reminder_times(
    *, invited_at: dt.datetime, closes_at: dt.datetime, zone: str
) -> list[dt.datetime]:
    """At most two reminders: halfway through the window and a day before it closes, each moved
    into the person's working hours, and dropped when that leaves too little time to answer."""
    wanted = [invited_at + (closes_at - invited_at) / 2, closes_at - dt.timedelta(days=1)]
    times: list[dt.datetime] = []
    for target in wanted:
        moment = schedule.next_working_moment(moment=target, zone=zone)
        too_late = moment > closes_at - REMINDER_MARGIN
        too_soon = moment < (times[-1] if times else invited_at) + REMINDER_GAP
        if not too_late and not too_soon:
            times.append(moment)
    return times


@dataclass(frozen=True)
class _SendMoments:
    """When each time zone is invited and reminded, and when the round closes for everyone."""

    invite_at: dict[str, dt.datetime]
    reminders: dict[str, list[dt.datetime]]
    closes_at: dt.datetime


def _send_moments(
    *, survey: Survey, zones: set[str], now: dt.datetime, local_date: dt.date | None
) -> _SendMoments:
    if local_date is not None:
        at = schedule.send_instants(day=local_date, at=survey.send_time, zones=zones)
        invite_at = {
            zone: schedule.next_working_moment(moment=max(at[zone], now), zone=zone)
            for zone in zones
        }
    else:
        invite_at = {zone: schedule.next_working_moment(moment=now, zone=zone) for zone in zones}
    # The window is the same length for everyone, so it closes when the last zone's window ends.
    closes_at = max(
        _local_plus_days(moment, survey.window_days, zone) for zone, moment in invite_at.items()
    )
    reminders = {
        zone: reminder_times(invited_at=moment, closes_at=closes_at, zone=zone)
        for zone, moment in invite_at.items()
    }
    return _SendMoments(invite_at=invite_at, reminders=reminders, closes_at=closes_at)


def _participations_create(*, rnd: Round, people: list[Person]) -> None:
    Participation.objects.bulk_create(
        (
            Participation(
                person_id=person.pk,
                round=rnd,
                team_id=cast(int, person.team_id),  # the audience has a team
                token_hash=token_hash(participation_token(round_id=rnd.pk, person_id=person.pk)),
            )
            for person in people
        ),
        batch_size=1000,
    )


def _round_emails_create(*, rnd: Round, people: list[Person], moments: _SendMoments) -> None:
    """The ledger rows of every invitation and reminder, each due at its zone's moment."""
    zone_of = {person.pk: person.time_zone for person in people}
    rows = []
    for participation_id, person_id in Participation.objects.filter(round=rnd).values_list(
        "pk", "person_id"
    ):
        zone = zone_of[person_id]
        rows.append(
            OutboundEmail(
                key=f"invitation:round={rnd.pk}:person={person_id}",
                kind=OutboundEmail.Kind.INVITATION,
                recipient_id=person_id,
                participation_id=participation_id,
                round=rnd,
                send_after=moments.invite_at[zone],
            )
        )
        # Reminders are written now with their moments; the sender skips anyone who has
        # answered by then, so "who has not answered" never leaves the system.
        rows += [
            OutboundEmail(
                key=f"reminder:round={rnd.pk}:person={person_id}:n={n}",
                kind=OutboundEmail.Kind.REMINDER,
                recipient_id=person_id,
                participation_id=participation_id,
                round=rnd,
                send_after=moment,
            )
            for n, moment in enumerate(moments.reminders[zone], start=1)
        ]
    OutboundEmail.objects.bulk_create(rows, batch_size=1000)


def round_open(
    *,
    survey: Survey,
    now: dt.datetime | None = None,
    local_date: dt.date | None = None,
    on_emails: Callable | None = None,
) -> Round:
    """Open a round: questions, frozen threshold, participations and the ledger rows of its
    invitations and reminders, each due at a moment of the recipient's own time zone.

    `local_date` is the round's calendar date (invitations at the survey's send time that day in
    every zone); without it (an extra round started by HR) invitations go at the next local
    working moment.
    """
    now = now or timezone.now()
    people = survey_audience(survey=survey)
    zones = {person.time_zone for person in people} or {"UTC"}
    moments = _send_moments(survey=survey, zones=zones, now=now, local_date=local_date)
    day = local_date or now.date()
    with transaction.atomic():
        last = Round.objects.filter(survey=survey).order_by("-number").first()
        number = (last.number if last else 0) + 1
        rnd = Round.objects.create(
            survey=survey,
            number=number,
            status=Round.Status.OPEN,
            period_start=day - dt.timedelta(days=day.weekday()),
            opens_at=now,
            closes_at=moments.closes_at,
            min_group_size=OrgSettings.current().min_group_size,
        )
        RoundQuestion.objects.bulk_create(
            RoundQuestion(round=rnd, question_version=version, position=i)
            for i, version in enumerate(round_questions_pick(survey=survey, number=number))
        )
        _participations_create(rnd=rnd, people=people)
        _round_emails_create(rnd=rnd, people=people, moments=moments)
        if on_emails is not None:
            transaction.on_commit(lambda: on_emails(rnd.pk))
    return rnd


def _next_after(*, survey: Survey, due: dt.datetime, now: dt.datetime) -> dt.datetime:
    # After downtime, skip the openings already missed rather than opening them all at once.
    following = next_round_time(survey=survey, after=due)
    while following <= now:
        following = next_round_time(survey=survey, after=following)
    return following


def surveys_open_due(*, now: dt.datetime | None = None, on_emails: Callable | None = None) -> list:
    """Open a round for every active survey that is due; safe to run twice or concurrently."""
    now = now or timezone.now()
    opened = []
    for survey in Survey.objects.filter(is_active=True, next_round_at__lte=now):
        due = cast(dt.datetime, survey.next_round_at)
        with transaction.atomic():
            claimed = Survey.objects.filter(
                pk=survey.pk, is_active=True, next_round_at=survey.next_round_at
            ).update(next_round_at=_next_after(survey=survey, due=due, now=now))
            if claimed != 1:
                continue  # another process got there first
            # After a long outage the missed date's window may be over: open this week's instead.
            near = due if now - due < STALE_OPENING else now
            day = schedule.round_local_date(weekday=survey.weekday, near=near)
            opened.append(round_open(survey=survey, now=now, local_date=day, on_emails=on_emails))
    return opened


def rounds_close_due(*, now: dt.datetime | None = None) -> int:
    """Close the rounds whose window has ended. Their figures appear only after this (A5)."""
    now = now or timezone.now()
    due = Round.objects.filter(status=Round.Status.OPEN, closes_at__lte=now).order_by("number")
    return sum(round_close(round=rnd) for rnd in due)


def round_close(*, round: Round) -> bool:
    """Close an open round and, in the same transaction, freeze its tree, group its invitees and
    forget who answered (`tree.round_tree_freeze`, A3 and A6). False if it was not open."""
    with transaction.atomic():
        closed = (
            Round.objects.filter(pk=round.pk, status=Round.Status.OPEN).update(
                status=Round.Status.CLOSED
            )
            == 1
        )
        if closed:
            round_tree_freeze(round=round)
    return closed

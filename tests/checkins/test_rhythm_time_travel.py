"""Eight weeks of the rhythm, tick by tick, across the 2026 clock changes (time-machine).

People in Europe/Berlin and America/New_York; two beats tick every hour (every step runs twice).
Each person gets exactly one invitation per round on the survey's local weekday and send time,
at most two reminders and only while they have not answered, all inside local working hours and
never at a weekend; no email is sent twice.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from checkins.models import OutboundEmail, Participation, Round
from checkins.services.emails import email_send, emails_due_now_ids, emails_sweep
from checkins.services.responses import response_submit
from checkins.services.rounds import next_round_time, rounds_close_due, surveys_open_due
from culture.services.digests import digests_queue
from culture.services.rollups import round_rollup_compute, rounds_rollup_pending
from culture.services.summaries import round_summaries_compute, rounds_summary_pending
from org.models import OrgSettings, Person
from tests.factories import PersonFactory, TeamFactory

UTC = dt.UTC
ZONES = ("Europe/Berlin", "America/New_York")


@pytest.fixture
def office_hours(settings):
    settings.RELHEALTH_WORKING_HOURS = (9, 17)
    settings.RELHEALTH_WORKING_WEEKDAYS = (0, 1, 2, 3, 4)


@pytest.fixture
def people(db):
    team = TeamFactory(name="Travellers")
    # Four people answer each round: a threshold of 3 lets the digest carry figures.
    OrgSettings.objects.update_or_create(pk=1, defaults={"min_group_size": 3})
    lead = PersonFactory(
        email="lead@example.com", team=team, time_zone="America/New_York", role=Person.Role.MANAGER
    )
    team.managers.add(lead)
    found = {}
    for zone in ZONES:
        city = zone.split("/")[1].lower()
        for habit in ("eager", "late", "never"):
            found[(zone, habit)] = PersonFactory(
                email=f"{habit}.{city}@example.com", team=team, time_zone=zone
            )
    return found


def _invite_due_now(round_id: int) -> None:
    """What `round_invitations_send` does on commit, without the broker."""
    rows = OutboundEmail.objects.filter(round_id=round_id, kind=OutboundEmail.Kind.INVITATION)
    for email_id in emails_due_now_ids(ids_from=rows):
        email_send(email_id=email_id)


def _tick(now: dt.datetime, capture) -> None:
    """What the beat does every tick, run here by two beats at once."""
    for _beat in range(2):
        with capture(execute=True):
            surveys_open_due(now=now, on_emails=_invite_due_now)
        rounds_close_due(now=now)
        # What the reporting tasks do after a close: roll up, summarise, queue the digests.
        for round_id in rounds_rollup_pending():
            round_rollup_compute(round=Round.objects.get(pk=round_id))
        for round_id in rounds_summary_pending():
            rnd = Round.objects.get(pk=round_id)
            with transaction.atomic():
                if round_summaries_compute(round=rnd):
                    digests_queue(round=rnd, now=now)
        for email_id in emails_sweep(now=now):
            email_send(email_id=email_id)


def _answer_as_their_habit(people) -> None:
    """The eager answer after the invitation, the late after the first reminder, some never."""
    for (_zone, habit), person in people.items():
        kind, key_end = {
            "eager": (OutboundEmail.Kind.INVITATION, ""),
            "late": (OutboundEmail.Kind.REMINDER, ":n=1"),
        }.get(habit, (None, ""))
        if kind is None:
            continue
        for participation in Participation.objects.filter(
            person=person, responded=False, round__status=Round.Status.OPEN
        ):
            prompted = OutboundEmail.objects.filter(
                recipient=person,
                kind=kind,
                round=participation.round,
                key__endswith=key_end,
                status=OutboundEmail.Status.SENT,
            ).exists()
            if prompted:
                rnd = participation.round
                answers = {
                    v.pk: (8 if v.question.scale == "zero_ten" else 4)
                    for v in rnd.question_versions.select_related("question")
                }
                response_submit(participation=participation, answers=answers)


@pytest.mark.parametrize(
    "start",
    [
        dt.datetime(2026, 3, 1, 0, 7, tzinfo=UTC),  # New York 8 Mar, Berlin 29 Mar
        dt.datetime(2026, 10, 11, 0, 7, tzinfo=UTC),  # Berlin 25 Oct, New York 1 Nov
    ],
    ids=["spring", "autumn"],
)
def test_eight_weeks_across_clock_changes(
    start, survey, people, office_hours, django_capture_on_commit_callbacks
):
    survey.weekday, survey.send_time, survey.window_days = 0, dt.time(9, 0), 5
    survey.next_round_at = next_round_time(survey=survey, after=start)
    survey.save()
    with time_machine.travel(start, tick=False) as traveller:
        now = start
        for _hour in range(8 * 7 * 24):
            traveller.move_to(now)
            _tick(now, django_capture_on_commit_callbacks)
            _answer_as_their_habit(people)
            now += dt.timedelta(hours=1)

    rounds = list(Round.objects.filter(survey=survey).order_by("number"))
    assert len(rounds) == 8
    assert [r.period_start.weekday() for r in rounds] == [0] * 8
    assert all((b.period_start - a.period_start).days == 7 for a, b in itertools.pairwise(rounds))

    sent = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).select_related("recipient")
    )
    # No duplicates: one message handed to the backend per sent ledger row, two beats or not.
    assert len(mail.outbox) == len(sent)
    for email in sent:
        local = email.sent_at.astimezone(zoneinfo.ZoneInfo(email.recipient.time_zone))
        assert local.weekday() < 5, (email.key, local)
        assert 9 <= local.hour < 17, (email.key, local)
        if email.kind == OutboundEmail.Kind.INVITATION:
            # The survey's local weekday and send time, whatever the clocks did that week.
            assert (local.weekday(), local.hour) == (0, 9), (email.key, local)

    digests = [e for e in sent if e.kind == OutboundEmail.Kind.DIGEST]
    closed = [r for r in rounds if r.status == Round.Status.CLOSED]
    # One digest per closed round, i.e. per week, each in a different local week.
    assert len(digests) >= len(closed) - 1 >= 6
    weeks = Counter(
        e.sent_at.astimezone(zoneinfo.ZoneInfo(e.recipient.time_zone)).isocalendar()[:2]
        for e in digests
    )
    assert set(weeks.values()) == {1}
    assert {e.recipient.email for e in digests} == {"lead@example.com"}

    invitations = Counter(
        (e.recipient_id, e.round_id) for e in sent if e.kind == OutboundEmail.Kind.INVITATION
    )
    reminders = Counter(
        (e.recipient_id, e.round_id) for e in sent if e.kind == OutboundEmail.Kind.REMINDER
    )
    for (_zone, habit), person in people.items():
        for rnd in rounds:
            assert invitations[(person.pk, rnd.pk)] == 1
            expected = {"eager": 0, "late": 1, "never": 2}[habit]
            # The last round is still open when the eight weeks end: its reminders may be due.
            if rnd.status == Round.Status.CLOSED:
                assert reminders[(person.pk, rnd.pk)] == expected, (habit, person.time_zone)
            assert reminders[(person.pk, rnd.pk)] <= expected


def test_a_round_stays_open_until_the_last_zone_has_had_its_window(survey, people, office_hours):
    survey.weekday, survey.send_time, survey.window_days = 0, dt.time(9, 0), 5
    monday = dt.date(2026, 3, 9)
    survey.next_round_at = next_round_time(survey=survey, after=dt.datetime(2026, 3, 7, tzinfo=UTC))
    survey.save()
    with time_machine.travel(survey.next_round_at, tick=False):
        (rnd,) = surveys_open_due()
        not_yet = OutboundEmail.objects.filter(
            round=rnd, kind=OutboundEmail.Kind.INVITATION, recipient__time_zone="America/New_York"
        )
        assert not_yet.count() == 4  # three of `people` and their lead
        # Nobody in New York is woken at 04:00: their invitations are not due yet.
        assert all(email_send(email_id=e.pk) == "not-claimed" for e in not_yet)
    berlin_open = dt.datetime(2026, 3, 9, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    new_york_close = dt.datetime(2026, 3, 14, 9, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    assert survey.next_round_at == berlin_open
    assert rnd.closes_at == new_york_close
    assert rnd.period_start == monday

"""Local moments: working hours, weekends and clock changes, per person's zone (zoneinfo)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.core import mail

from checkins.models import OutboundEmail
from checkins.services import schedule
from checkins.services.emails import email_send
from checkins.services.rounds import reminder_times
from checkins.tasks import emails_send

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def office_hours(settings):
    settings.RELHEALTH_WORKING_HOURS = (9, 17)
    settings.RELHEALTH_WORKING_WEEKDAYS = (0, 1, 2, 3, 4)


@pytest.mark.parametrize(
    ("local", "zone", "expected"),
    [
        # Friday evening in Berlin: Monday 09:00.
        (dt.datetime(2026, 3, 27, 18, 0, tzinfo=BERLIN), "Europe/Berlin",
         dt.datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)),
        # Saturday night before Berlin springs forward: Monday 09:00 summer time (07:00 UTC).
        (dt.datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN), "Europe/Berlin",
         dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC)),
        # Early Monday in New York, the day after it fell back: 09:00 EST (14:00 UTC).
        (dt.datetime(2026, 11, 2, 6, 0, tzinfo=NEW_YORK), "America/New_York",
         dt.datetime(2026, 11, 2, 14, 0, tzinfo=dt.UTC)),
        # Inside working hours: unchanged.
        (dt.datetime(2026, 3, 10, 11, 30, tzinfo=NEW_YORK), "America/New_York",
         dt.datetime(2026, 3, 10, 11, 30, tzinfo=NEW_YORK)),
    ],
)  # fmt: skip
def test_next_working_moment(local, zone, expected):
    assert schedule.next_working_moment(moment=local, zone=zone) == expected


def test_an_unknown_zone_falls_back_to_utc():
    moment = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)
    assert schedule.next_working_moment(moment=moment, zone="Mars/Olympus") == moment.replace(
        hour=9
    )


def test_reminders_fall_in_working_hours_and_at_most_two():
    invited = dt.datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)
    closes = dt.datetime(2026, 3, 14, 9, 0, tzinfo=NEW_YORK)
    times = reminder_times(invited_at=invited, closes_at=closes, zone="Europe/Berlin")
    assert len(times) == 2
    for moment in times:
        assert schedule.is_working_moment(moment=moment, zone="Europe/Berlin")
        assert invited < moment < closes


def test_a_one_day_window_gets_no_reminder():
    invited = dt.datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)
    closes = invited + dt.timedelta(days=1)
    assert reminder_times(invited_at=invited, closes_at=closes, zone="Europe/Berlin") == []


def test_a_due_row_outside_working_hours_is_given_back_for_the_next_morning(
    open_round, employee, time_machine
):
    reminder = OutboundEmail.objects.get(round=open_round, recipient=employee, key__endswith=":n=1")
    saturday = dt.datetime(2026, 12, 5, 12, 0, tzinfo=BERLIN)
    OutboundEmail.objects.filter(pk=reminder.pk).update(send_after=saturday)
    time_machine.move_to(saturday)
    assert email_send(email_id=reminder.pk) == "deferred"
    reminder.refresh_from_db()
    assert reminder.status == OutboundEmail.Status.PENDING and reminder.attempts == 0
    assert reminder.send_after == dt.datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)
    assert mail.outbox == []


WEDNESDAY_MORNING = dt.datetime(2026, 3, 11, 10, 0, tzinfo=BERLIN)


def test_a_reminder_names_nobody_but_its_recipient(
    open_round, employee, manager, outsider, time_machine
):
    time_machine.move_to(WEDNESDAY_MORNING)  # a working moment whenever the suite runs
    reminder = OutboundEmail.objects.get(round=open_round, recipient=employee, key__endswith=":n=1")
    OutboundEmail.objects.filter(pk=reminder.pk).update(send_after=None)
    assert email_send(email_id=reminder.pk) == OutboundEmail.Status.SENT
    (message,) = mail.outbox
    body = message.body + message.alternatives[0][0]
    assert employee.name in body
    for other in (manager, outsider):
        assert other.name not in body and other.email not in body
    assert not re.search(r"\b\d+ (people|colleagues) (have|has)n?'?t? answered", body)


def test_a_reminder_to_someone_who_answered_is_skipped(open_round, employee, time_machine):
    time_machine.move_to(WEDNESDAY_MORNING)
    from checkins.models import Participation

    Participation.objects.filter(round=open_round, person=employee).update(responded=True)
    reminder = OutboundEmail.objects.get(round=open_round, recipient=employee, key__endswith=":n=1")
    OutboundEmail.objects.filter(pk=reminder.pk).update(send_after=None)
    assert email_send(email_id=reminder.pk) == OutboundEmail.Status.SKIPPED
    assert mail.outbox == []


def test_tasks_tolerate_rows_that_are_gone(db):
    from culture.tasks import round_rollup_compute, round_summarise

    assert emails_send.run([987654]) == 0
    assert round_rollup_compute.run(987654) is False
    assert round_summarise.run(987654) is False


# Public holidays: each zone's own country (the time-zone database's zone.tab) by default.


@pytest.mark.parametrize(
    ("local", "zone", "expected"),
    [
        # Thanksgiving 2026 (Thu 26 Nov) in New York: the Friday after, 09:00 EST.
        (dt.datetime(2026, 11, 26, 10, 0, tzinfo=NEW_YORK), "America/New_York",
         dt.datetime(2026, 11, 27, 9, 0, tzinfo=NEW_YORK)),
        # Thanksgiving is an ordinary Thursday in Berlin.
        (dt.datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN), "Europe/Berlin",
         dt.datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)),
        # Christmas Eve evening in Berlin: 25 and 26 Dec are holidays, 27 is a Sunday -> Mon 28.
        (dt.datetime(2026, 12, 24, 18, 0, tzinfo=BERLIN), "Europe/Berlin",
         dt.datetime(2026, 12, 28, 9, 0, tzinfo=BERLIN)),
        # German Unity Day (Sat 3 Oct 2026) falls on a weekend anyway: Monday 5 Oct.
        (dt.datetime(2026, 10, 2, 18, 0, tzinfo=BERLIN), "Europe/Berlin",
         dt.datetime(2026, 10, 5, 9, 0, tzinfo=BERLIN)),
    ],
)  # fmt: skip
def test_public_holidays_of_each_zones_country_are_days_off(settings, local, zone, expected):
    settings.RELHEALTH_HOLIDAYS = "auto"
    assert schedule.next_working_moment(moment=local, zone=zone) == expected


def test_one_calendar_for_everyone_and_holidays_off(settings):
    thanksgiving = dt.datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)
    settings.RELHEALTH_HOLIDAYS = "US"
    assert not schedule.is_working_moment(moment=thanksgiving, zone="Europe/Berlin")
    settings.RELHEALTH_HOLIDAYS = "none"
    new_york = dt.datetime(2026, 11, 26, 10, 0, tzinfo=NEW_YORK)
    assert schedule.is_working_moment(moment=new_york, zone="America/New_York")


def test_a_regional_calendar_and_an_unknown_one(settings):
    # Epiphany (6 Jan) is a holiday in Bavaria, not in Berlin.
    epiphany = dt.datetime(2027, 1, 6, 10, 0, tzinfo=BERLIN)
    settings.RELHEALTH_HOLIDAYS = "DE-BY"
    assert not schedule.is_working_moment(moment=epiphany, zone="Europe/Berlin")
    settings.RELHEALTH_HOLIDAYS = "DE"
    assert schedule.is_working_moment(moment=epiphany, zone="Europe/Berlin")
    settings.RELHEALTH_HOLIDAYS = "XX"  # no such calendar: weekdays only, never a crash
    assert schedule.is_working_moment(moment=epiphany, zone="Europe/Berlin")


def test_invitations_on_a_holiday_wait_for_the_next_working_day(settings, survey, org):
    from checkins.services.rounds import round_open
    from tests.factories import PersonFactory

    settings.RELHEALTH_HOLIDAYS = "auto"
    berlin = PersonFactory(team=org.platform, time_zone="Europe/Berlin")
    new_york = PersonFactory(team=org.platform, time_zone="America/New_York")
    survey.refresh_from_db()
    rnd = round_open(
        survey=survey,
        now=dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC),
        local_date=dt.date(2026, 11, 26),
    )
    invite = {
        row.recipient_id: row.send_after.astimezone(schedule.zone_get(row.recipient.time_zone))
        for row in OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.INVITATION)
    }
    assert invite[berlin.pk].date() == dt.date(2026, 11, 26)
    assert invite[new_york.pk].date() == dt.date(2026, 11, 27)  # Thanksgiving: the day after
    reminders = OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.REMINDER)
    for row in reminders:
        local = row.send_after.astimezone(schedule.zone_get(row.recipient.time_zone))
        assert schedule.is_working_day(day=local.date(), zone=row.recipient.time_zone)

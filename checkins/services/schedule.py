"""When things happen in each person's own time zone.

The beat ticks in UTC. A survey's rhythm is a local calendar date (its weekday) at a local send
time, the same wall-clock moment in every zone; `zoneinfo` turns it into a UTC instant per zone,
so clock changes (DST) move the UTC instant and never the local hour. Nothing here writes.

Working days are the configured weekdays minus public holidays. `RELHEALTH_HOLIDAYS` chooses the
calendar: "auto" (the default) takes each zone's country from the time-zone database's zone.tab
(Europe/Berlin -> DE, America/New_York -> US), a code such as "DE" or "DE-BY" applies one
calendar to everyone, and "none" switches holidays off. The `holidays` package knows the dates.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import zoneinfo
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

import holidays
from django.conf import settings

logger = logging.getLogger(__name__)

UTC = dt.UTC


def zone_get(name: str) -> zoneinfo.ZoneInfo:
    """The person's zone, or UTC for a name the system does not know (never a crash at 3 am)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _working_hours() -> tuple[int, int]:
    start, end = settings.RELHEALTH_WORKING_HOURS
    return int(start), int(end)


def _working_weekdays() -> set[int]:
    return set(settings.RELHEALTH_WORKING_WEEKDAYS)


@functools.cache
def _zone_countries() -> Mapping[str, str]:
    """Zone name -> ISO country code, from zone.tab of the tzdata package or the system."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        system = Path("/usr/share/zoneinfo/zone.tab")
        text = system.read_text() if system.exists() else ""
    countries = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                countries[fields[2]] = fields[0]
    return countries


@functools.cache
def _calendar(code: str) -> holidays.HolidayBase | None:
    country, _sep, subdivision = code.upper().partition("-")
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        logger.warning("No public-holiday calendar for %r: only weekdays count", code)
        return None


def holiday_calendar(zone: str) -> holidays.HolidayBase | None:
    """The public holidays that apply to people in `zone`, or None."""
    choice = (settings.RELHEALTH_HOLIDAYS or "none").strip()
    if choice.lower() == "none":
        return None
    if choice.lower() == "auto":
        country = _zone_countries().get(zone)
        return _calendar(country) if country else None
    return _calendar(choice)


def is_working_day(*, day: dt.date, zone: str) -> bool:
    """A configured working weekday that is not a public holiday in the zone's calendar."""
    if day.weekday() not in _working_weekdays():
        return False
    calendar = holiday_calendar(zone)
    return calendar is None or day not in calendar


def local_instant(*, day: dt.date, at: dt.time, zone: str) -> dt.datetime:
    """The UTC instant of a local wall-clock time. A time skipped by a clock change (02:30 on the
    spring-forward night) resolves forward, as zoneinfo's fold=0 does."""
    local = dt.datetime.combine(day, at, tzinfo=zone_get(zone))
    # Round-trip through UTC normalises a non-existent local time to a real instant.
    return local.astimezone(UTC)


def is_working_moment(*, moment: dt.datetime, zone: str) -> bool:
    """True inside local working hours on a local working day (e.g. Mon-Fri 09:00-17:00)."""
    local = moment.astimezone(zone_get(zone))
    start, end = _working_hours()
    return start <= local.hour < end and is_working_day(day=local.date(), zone=zone)


def next_working_moment(*, moment: dt.datetime, zone: str) -> dt.datetime:
    """`moment` itself if it is within local working hours, else the next local opening time."""
    if is_working_moment(moment=moment, zone=zone):
        return moment
    tz = zone_get(zone)
    local = moment.astimezone(tz)
    start, _end = _working_hours()
    day = local.date()
    if local.hour >= start:
        day += dt.timedelta(days=1)  # too late today (or a day off): from tomorrow on
    for _ in range(LOOKAHEAD_DAYS):
        if is_working_day(day=day, zone=zone):
            return local_instant(day=day, at=dt.time(start), zone=zone)
        day += dt.timedelta(days=1)
    return moment  # no working day configured at all: send when asked


# Longer than any run of weekends and holidays (Christmas to New Year plus a weekend).
LOOKAHEAD_DAYS = 21


def working_day_on_or_after(day: dt.date, zone: str) -> dt.date:
    for _ in range(LOOKAHEAD_DAYS):
        if is_working_day(day=day, zone=zone):
            return day
        day += dt.timedelta(days=1)
    return day


def round_local_date(*, weekday: int, near: dt.datetime) -> dt.date:
    """The local date a round belongs to: the survey's weekday nearest the UTC instant `near`.

    Zones differ from UTC by at most 14 hours, so the opening instant of a round is always within
    a day of its local date, and the nearest matching weekday is unambiguous.
    """
    base = near.astimezone(UTC).date()
    offset = (weekday - base.weekday()) % 7
    if offset > 3:
        offset -= 7
    return base + dt.timedelta(days=offset)


def send_instants(*, day: dt.date, at: dt.time, zones: Iterable[str]) -> dict[str, dt.datetime]:
    """The UTC instant of `day` at `at` in each zone; a day off there (a weekend day or a public
    holiday of the zone's calendar) moves to the zone's next working day."""
    return {
        zone: local_instant(day=working_day_on_or_after(day, zone), at=at, zone=zone)
        for zone in set(zones)
    }

"""When things happen in each person's own time zone.

The beat ticks in UTC. A survey's rhythm is a local calendar date (its weekday) at a local send
time, the same wall-clock moment in every zone; `zoneinfo` turns it into a UTC instant per zone,
so clock changes (DST) move the UTC instant and never the local hour. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.conf import settings

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
    return local.weekday() in _working_weekdays() and start <= local.hour < end


def next_working_moment(*, moment: dt.datetime, zone: str) -> dt.datetime:
    """`moment` itself if it is within local working hours, else the next local opening time."""
    if is_working_moment(moment=moment, zone=zone):
        return moment
    tz = zone_get(zone)
    local = moment.astimezone(tz)
    start, _end = _working_hours()
    day = local.date()
    if local.hour >= start:
        day += dt.timedelta(days=1)  # too late today (or a weekend day): from tomorrow on
    for _ in range(8):
        if day.weekday() in _working_weekdays():
            return local_instant(day=day, at=dt.time(start), zone=zone)
        day += dt.timedelta(days=1)
    return moment  # no working weekday configured at all: send when asked


def working_day_on_or_after(day: dt.date) -> dt.date:
    for _ in range(7):
        if day.weekday() in _working_weekdays():
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
    """The UTC instant of `day` at `at` in each zone; a weekend day moves to the next working day."""
    working = working_day_on_or_after(day)
    return {zone: local_instant(day=working, at=at, zone=zone) for zone in set(zones)}

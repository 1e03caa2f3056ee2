"""Every time an email states is in the recipient's zone and language, the zone named.

A round closing at 14:59 UTC on Friday 6 March 2026 closes at 09:59 in New York (west of UTC),
15:59 in Berlin and 20:29 in Kolkata (east of it, half an hour off). The expectations are data:
a new language adds its column, and the first test fails until it does.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from checkins.models import OutboundEmail, Round
from checkins.services.emails import RENDERERS, moment_text, zone_place
from org.models import Person

CLOSES_AT = dt.datetime(2026, 3, 6, 14, 59, tzinfo=dt.UTC)
EXPECTED = {
    "en": {
        "America/New_York": "Friday 6 March, 09:59 (New York time)",
        "Europe/Berlin": "Friday 6 March, 15:59 (Berlin time)",
        "Asia/Kolkata": "Friday 6 March, 20:29 (Kolkata time)",
        "UTC": "Friday 6 March, 14:59 (UTC)",
    },
    "de": {
        "America/New_York": "Freitag, 6. März, 09:59 (Ortszeit New York)",
        "Europe/Berlin": "Freitag, 6. März, 15:59 (Ortszeit Berlin)",
        "Asia/Kolkata": "Freitag, 6. März, 20:29 (Ortszeit Kolkata)",
        "UTC": "Freitag, 6. März, 14:59 (UTC)",
    },
    "fr": {
        "America/New_York": "vendredi 6 mars, 09:59 (heure de New York)",
        "Europe/Berlin": "vendredi 6 mars, 15:59 (heure de Berlin)",
        "Asia/Kolkata": "vendredi 6 mars, 20:29 (heure de Kolkata)",
        "UTC": "vendredi 6 mars, 14:59 (UTC)",
    },
}
CASES = [(lang, zone, text) for lang, zones in EXPECTED.items() for zone, text in zones.items()]


def test_every_shipped_language_has_its_expectations():
    assert set(EXPECTED) == {code for code, _name in settings.LANGUAGES}


@pytest.mark.parametrize(("language", "zone", "expected"), CASES)
def test_a_moment_reads_in_the_zone_and_language(language, zone, expected):
    assert moment_text(moment=CLOSES_AT, zone=zone, language=language) == expected


def test_the_day_follows_the_zone_across_midnight():
    late = dt.datetime(2026, 3, 6, 23, 0, tzinfo=dt.UTC)
    assert moment_text(moment=late, zone="Asia/Kolkata", language="en") == (
        "Saturday 7 March, 04:30 (Kolkata time)"
    )
    assert moment_text(moment=late, zone="America/New_York", language="de") == (
        "Freitag, 6. März, 18:00 (Ortszeit New York)"
    )


def test_summer_time_is_the_zone_s_own():
    summer = dt.datetime(2026, 7, 3, 14, 59, tzinfo=dt.UTC)
    assert moment_text(moment=summer, zone="Europe/Berlin", language="en") == (
        "Friday 3 July, 16:59 (Berlin time)"
    )


def test_zone_places():
    assert zone_place("America/Argentina/Buenos_Aires") == "Buenos Aires"
    assert zone_place("Asia/Calcutta") == "Kolkata"
    assert zone_place("Etc/UTC") is None


@pytest.mark.parametrize(("language", "zone", "expected"), CASES)
@pytest.mark.parametrize("kind", [OutboundEmail.Kind.INVITATION, OutboundEmail.Kind.REMINDER])
def test_invitations_and_reminders_state_the_closing_time_so(
    clock, open_round, employee, kind, language, zone, expected
):
    Round.objects.filter(pk=open_round.pk).update(closes_at=CLOSES_AT)
    Person.objects.filter(pk=employee.pk).update(time_zone=zone, language=language)
    row = OutboundEmail.objects.select_related("recipient").get(
        participation__round=open_round, recipient=employee, kind=OutboundEmail.Kind.INVITATION
    )
    row.kind = kind  # a reminder renders from the same participation
    message = RENDERERS[kind](row)
    assert message is not None
    html = message.alternatives[0][0]
    assert expected in message.body and expected in html
    assert "14:59" not in message.body or zone == "UTC"  # never the UTC time unlabelled
    with translation.override(language):
        nudge = gettext("A friendly reminder: this week's check-in is still open for you.")
    reminder = kind == OutboundEmail.Kind.REMINDER
    assert (nudge in message.body, nudge in html) == (reminder, reminder)

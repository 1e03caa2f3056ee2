"""The weekly manager digest and the HR alert: ledger rows written after a round's summaries, and
the renderers that build each message at send time from what the anonymity rules allow.

Keys are (kind, recipient, ISO week of the round), so a second survey, a second beat or a rerun
in the same week adds nothing (promise D3).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from checkins.models import OutboundEmail, Round
from checkins.services import schedule
from checkins.services.emails import RENDERERS, email_render
from culture.models import TeamRoundSummary
from culture.selectors_digest import alert_get, digest_get
from org.models import Person
from org.selectors import teams_led_by_everyone

# A digest about an old round would mislead (e.g. the first tick after a long outage, or the
# history of a freshly seeded demo): only the latest round of a survey, closed recently, has one.
DIGEST_MAX_AGE = dt.timedelta(days=14)


def iso_week(*, round: Round) -> str:
    year, week, _day = round.period_start.isocalendar()
    return f"{year}-W{week:02d}"


def _is_latest_recent(*, round: Round, now: dt.datetime) -> bool:
    if round.closes_at < now - DIGEST_MAX_AGE:
        return False
    later = Round.objects.filter(
        survey_id=round.survey_id, status=Round.Status.CLOSED, period_start__gt=round.period_start
    )
    return not later.exists()


def digests_queue(*, round: Round, now: dt.datetime | None = None) -> list[int]:
    """Write the digest rows (one per manager) and the HR alert rows for a summarised round.

    Returns the ids of its pending rows; rows that already existed are left as they are.
    """
    now = now or timezone.now()
    if not _is_latest_recent(round=round, now=now):
        return []
    week = iso_week(round=round)
    rows = []
    # A manager has a digest when one of the top-most teams they lead has a summary of the round
    # (what `digest_get` finds, for every manager in three queries).
    summarised = set(TeamRoundSummary.objects.filter(round=round).values_list("team", flat=True))
    led = teams_led_by_everyone()
    with_digest = [pk for pk, teams in led.items() if any(t.pk in summarised for t in teams)]
    for manager in Person.objects.filter(pk__in=with_digest).order_by("pk"):
        rows.append((OutboundEmail.Kind.DIGEST, manager))
    if alert_get(round=round):
        for hr in Person.objects.filter(is_active=True, role=Person.Role.HR_ADMIN):
            rows.append((OutboundEmail.Kind.ALERT, hr))
    with transaction.atomic():
        created = OutboundEmail.objects.bulk_create(
            [
                OutboundEmail(
                    key=f"{kind}:person={person.pk}:week={week}",
                    kind=kind,
                    recipient=person,
                    round=round,
                    send_after=schedule.next_working_moment(moment=now, zone=person.time_zone),
                )
                for kind, person in rows
            ],
            ignore_conflicts=True,
        )
    # With ignore_conflicts the created rows carry no ids: look the keys up. A row another run
    # wrote is harmless to dispatch again; the sender claims each row once.
    return list(
        OutboundEmail.objects.filter(
            key__in=[row.key for row in created], status=OutboundEmail.Status.PENDING
        ).values_list("pk", flat=True)
    )


def _base_context(email: OutboundEmail) -> dict:
    base = settings.RELHEALTH_BASE_URL.rstrip("/")
    return {
        "person": email.recipient,
        "round": email.round,
        "week": iso_week(round=email.round) if email.round else "",
        "dashboard_url": base + reverse("culture:dashboard"),
        "privacy_url": base + reverse("privacy"),
    }


def hr_contact() -> str:
    """The address a manager writes to about their digest: RELHEALTH_HR_CONTACT_EMAIL, else the
    first HR admin's ("" when there is none)."""
    if settings.RELHEALTH_HR_CONTACT_EMAIL:
        return str(settings.RELHEALTH_HR_CONTACT_EMAIL)
    first = (
        Person.objects.filter(is_active=True, role=Person.Role.HR_ADMIN)
        .order_by("pk")
        .values_list("email", flat=True)
        .first()
    )
    return first or ""


def _unsubscribe(*, contact: str, language: str) -> dict[str, str]:
    """`List-Unsubscribe` for a digest: there is no opt-out page (a manager's digest is HR's
    call), so it writes to HR, the subject saying what is asked (RFC 2369, mailto)."""
    if not contact:
        return {}
    with translation.override(language):
        subject = quote(gettext("Please stop my Relhealth digest"))
    return {"List-Unsubscribe": f"<mailto:{quote(contact, safe='@')}?subject={subject}>"}


def render_digest(email: OutboundEmail) -> EmailMultiAlternatives | None:
    if email.round is None or not email.recipient.is_active:
        return None
    digest = digest_get(manager=email.recipient, round=email.round)
    if digest is None:
        return None  # they lead no team with a summary any more
    contact = hr_contact()
    context = _base_context(email) | {
        "lines": digest.lines,
        "k": email.round.min_group_size,
        "reason": "digest",
        "hr_contact": contact,
    }
    return email_render(
        template="digest",
        context=context,
        to=email.recipient.email,
        language=email.recipient.language,
        headers=_unsubscribe(contact=contact, language=email.recipient.language),
    )


def render_alert(email: OutboundEmail) -> EmailMultiAlternatives | None:
    if email.round is None or not email.recipient.is_hr_admin:
        return None
    lines = alert_get(round=email.round)
    if not lines:
        return None
    context = _base_context(email) | {
        "lines": lines,
        "k": email.round.min_group_size,
        "low_pct": settings.RELHEALTH_LOW_PARTICIPATION_PCT,
        "reason": "alert",
    }
    return email_render(
        template="alert",
        context=context,
        to=email.recipient.email,
        language=email.recipient.language,
    )


def renderers_register() -> None:
    """Called from CultureConfig.ready(): collection sends what reporting renders."""
    RENDERERS[OutboundEmail.Kind.DIGEST] = render_digest
    RENDERERS[OutboundEmail.Kind.ALERT] = render_alert

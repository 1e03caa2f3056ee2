"""The email ledger: every message is a row with a unique key before it is sent (promise D3).

A sender claims a row with a conditional UPDATE, sends, then marks it sent, so two workers, two
beats or a redelivered task send it once. Only a worker killed between sending and marking can
send twice; such rows are reclaimed after `STALE_AFTER`.

A failure that belongs to one message (it cannot be rendered, a bad header, the server refuses
its recipient) is written on that row with its reason, and the row waits `retry_delay` before
the sweep tries it again, `MAX_ATTEMPTS` times in all; the rows behind it go out meanwhile.
Only a failure of the mail connection itself (the relay is down) stops the chunk, and the task
retries it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
from collections.abc import Callable, Collection, Sequence
from email import charset as Charset
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from checkins.models import OutboundEmail, Round, RoundQuestion
from checkins.services import schedule
from checkins.services.tokens import participation_token
from dialect import row_update_unflushed, rows_claim
from org.models import Person

STALE_AFTER = dt.timedelta(minutes=15)
LEFT_BEHIND_AFTER = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 8
# The wait after a failed attempt doubles from RETRY_FIRST up to RETRY_LONGEST: 2, 4, 8 ... 64,
# 120 minutes, so a row gives up about four hours after its first try (a relay away for a while
# is outlasted, a refused address does not go on for days). The sweep runs every tick, so a
# wait is rounded up to the next tick (5 minutes in production).
RETRY_FIRST = LEFT_BEHIND_AFTER
RETRY_LONGEST = dt.timedelta(hours=2)
REASON_MAX_LENGTH = 500

logger = logging.getLogger(__name__)

# The template engine without autoescaping, for plain-text parts (settings.TEMPLATES).
TEXT_ENGINE = "text"

Renderer = Callable[[OutboundEmail], "EmailMultiAlternatives | None"]
# Kind -> function building the message, or None when it should no longer go out. The reporting
# side registers its digest renderers here (collection never imports reporting).
RENDERERS: dict[str, Renderer] = {}
# Context the reporting side adds to every invitation (collection never imports reporting): each
# takes the recipient and the round and must say the same to every invitee of a group, since the
# ledger row is the person's (e.g. the "answered" line of conversations, ADR 0037).
InvitationContext = Callable[[Person, Round], dict]
INVITATION_CONTEXT: list[InvitationContext] = []
# Someone waiting for a set-password link gets it at once, whatever the hour.
ANY_HOUR_KINDS = {OutboundEmail.Kind.SIGN_IN_INVITATION, OutboundEmail.Kind.PASSWORD_RESET}


# Zones whose last IANA part is not the name people use for their time (most are: "Europe/Berlin"
# is Berlin time, "America/New_York" New York time).
ZONE_NAMES = {"Asia/Calcutta": "Kolkata", "Asia/Saigon": "Ho Chi Minh City"}
# Zones that are no place: the moment is labelled "UTC".
UTC_ZONES = {"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}


def zone_place(zone: str) -> str | None:
    """The place a zone is named after ("America/New_York" -> "New York"), None for UTC."""
    if zone in UTC_ZONES or "/" not in zone:
        return None
    return ZONE_NAMES.get(zone, zone.rsplit("/", 1)[-1].replace("_", " "))


# Django's French catalogue capitalises day names ("Vendredi"); French writes them in lower case
# within a sentence ("jusqu'au vendredi 6 mars").
LOWERCASE_DAY_NAMES = {"fr"}


def moment_text(*, moment: dt.datetime, zone: str, language: str) -> str:
    """A moment as the recipient reads it: in their zone and language, the zone named.

    "Friday 11 December, 15:59 (Berlin time)", "Freitag, 11. Dezember, 15:59 (Ortszeit Berlin)".
    The format and the label come from the language's catalogue, so a new language needs only
    its translations; the day and month names are Django's own."""
    tz = schedule.zone_get(zone)
    local = moment.astimezone(tz)
    place = zone_place(tz.key)
    with translation.override(language):
        # Translators: a date format of Django's `date` filter (l = weekday, j = day of the month,
        # F = month, H:i = 24-hour time), for the moment a link stops working.
        shown = formats.date_format(local, gettext("l j F, H:i"))
        if language in LOWERCASE_DAY_NAMES:
            shown = shown[:1].lower() + shown[1:]
        if place is None:
            return gettext("%(moment)s (UTC)") % {"moment": shown}
        return gettext("%(moment)s (%(place)s time)") % {"moment": shown, "place": place}


# Bodies go out quoted-printable: 7-bit clean, so a relay without 8BITMIME carries them as they
# are (Django's default for utf-8 sends raw 8-bit lines the envelope does not declare).
MAIL_CHARSET = Charset.Charset("utf-8")
MAIL_CHARSET.header_encoding = Charset.QP
MAIL_CHARSET.body_encoding = Charset.QP


def sending_domain() -> str:
    """The domain of the sender address (DEFAULT_FROM_EMAIL), else of RELHEALTH_BASE_URL."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2]
    return domain or urlsplit(settings.RELHEALTH_BASE_URL).hostname or "localhost"


def email_render(
    *,
    template: str,
    context: dict,
    to: str,
    language: str,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """Build a message from the three files `emails/<template>-subject.txt|-body.txt|-body.html`.

    The subject and the text body are plain text: rendered by the `text` engine, which does not
    HTML-escape ("R&D's pulse", not "R&amp;D&#x27;s pulse"). The subject is one line whatever a
    name holds (a line break in a header would refuse the whole message).

    Every message says it was sent by a machine (`Auto-Submitted`, so out-of-office replies stay
    away) and carries a Message-ID on the sending domain; `headers` adds the kind's own."""
    context = {"language": language, **context}
    with translation.override(language):
        subject: str = render_to_string(
            f"emails/{template}-subject.txt", context, using=TEXT_ENGINE
        )
        text = render_to_string(f"emails/{template}-body.txt", context, using=TEXT_ENGINE)
        html = render_to_string(f"emails/{template}-body.html", context | {"subject": subject})
    subject = " ".join(subject.split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={
            "Auto-Submitted": "auto-generated",
            "Message-ID": make_msgid(domain=sending_domain()),
            **(headers or {}),
        },
    )
    message.encoding = MAIL_CHARSET
    message.attach_alternative(html, "text/html")
    return message


def checkin_link(*, round_id: int, person_id: int) -> str:
    token = participation_token(round_id=round_id, person_id=person_id)
    return settings.RELHEALTH_BASE_URL.rstrip("/") + reverse("checkins:form", args=[token])


def _render_invitation(email: OutboundEmail) -> EmailMultiAlternatives | None:
    participation = email.participation
    if participation is None:
        return None
    rnd = participation.round
    if not rnd.is_open or participation.responded:
        return None  # the round closed or they answered: a late invitation would mislead
    person = email.recipient
    context = {
        "person": person,
        "round": rnd,
        "survey": rnd.survey,
        "link": checkin_link(round_id=rnd.pk, person_id=person.pk),
        "closes_at_text": moment_text(
            moment=rnd.closes_at, zone=person.time_zone, language=person.language
        ),
        "reason": "checkin",
        "question_count": (
            email.question_count
            if hasattr(email, "question_count")
            else rnd.question_versions.count()
        ),
        "min_group_size": rnd.min_group_size,
        "privacy_url": settings.RELHEALTH_BASE_URL.rstrip("/") + reverse("privacy"),
    }
    reminder = email.kind == OutboundEmail.Kind.REMINDER
    context["reminder"] = reminder
    if not reminder:  # a reminder goes to those who have not answered: it adds nothing
        for contribution in INVITATION_CONTEXT:
            context.update(contribution(person, rnd))
    template = "reminder" if reminder else "invitation"
    return email_render(
        template=template, context=context, to=person.email, language=person.language
    )


RENDERERS[OutboundEmail.Kind.INVITATION] = _render_invitation
RENDERERS[OutboundEmail.Kind.REMINDER] = _render_invitation


def _due(now: dt.datetime) -> Q:
    """Rows whose moment has come: no `send_after`, or one that has passed."""
    return Q(send_after__isnull=True) | Q(send_after__lte=now)


def _claim(*, email_ids: Sequence[int], now: dt.datetime) -> list[int]:
    """Take the pending, due rows among `email_ids` for this sender, skipping rows another sender
    holds (`rows_claim`: one short transaction per batch where rows can be locked)."""
    return rows_claim(
        OutboundEmail.objects.filter(_due(now), status=OutboundEmail.Status.PENDING),
        ids=email_ids,
        values={
            "status": OutboundEmail.Status.SENDING,
            "claimed_at": now,
            "attempts": F("attempts") + 1,
        },
    )


def _mark(*, email_id: int, status: str, sent_at: dt.datetime | None = None) -> None:
    """Record one row's outcome straight after its send, so a worker killed mid-batch can have
    sent at most the one message it was handing over without marking it (dup <= kills).

    The commit does not wait for the disk (`row_update_unflushed`): a database crash could
    forget the last few marks (those messages would go out again), a trade we accept for a commit
    per row that costs a fraction of a millisecond instead of a disk flush.
    """
    row_update_unflushed(OutboundEmail, pk=email_id, values={"status": status, "sent_at": sent_at})


def _is_connection_fault(error: BaseException) -> bool:
    """True when the mail connection failed (every message would), False when this message did:
    it could not be built, or the server refused it or its recipient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
        return False
    # Sender refused, disconnected, authentication, refused connection, a timeout: all OSError.
    return isinstance(error, OSError)


_TOKEN_LIKE = re.compile(r"[0-9A-Fa-f]{32,}")


def failure_reason(error: BaseException) -> str:
    """What HR and the operator read about a failed message: the server's answer ("550 5.1.1
    User unknown") or the error's kind and text, without anything shaped like a check-in token
    (an error message may quote the rendered link, and tokens are stored nowhere)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, answer = next(iter(error.recipients.values()))
        text = f"{code} {_smtp_text(answer)}"
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_smtp_text(error.smtp_error)}"
    else:
        text = f"{type(error).__name__}: {error}"
    text = _TOKEN_LIKE.sub("[redacted]", " ".join(text.split()))
    return text[:REASON_MAX_LENGTH]


def _smtp_text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


def retry_delay(*, attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: doubling, at most RETRY_LONGEST."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_LONGEST)


def _fail(*, email: OutboundEmail, error: BaseException, now: dt.datetime, wait: bool) -> str:
    """Record a failed attempt on the row: failed for good after MAX_ATTEMPTS, else pending again
    (after its wait when `wait`; at once for the task's own retry of a connection fault)."""
    reason = failure_reason(error)
    logger.warning(
        "email %s (%s) failed on attempt %s: %s", email.pk, email.kind, email.attempts, reason
    )
    changes: dict[str, object] = {"last_error": reason}
    if email.attempts >= MAX_ATTEMPTS:
        changes["status"] = OutboundEmail.Status.FAILED
        if email.kind != OutboundEmail.Kind.REMINDER:
            # HR reads it on the person (never from a reminder: it would tell who had not
            # answered).
            Person.objects.filter(pk=email.recipient_id).update(
                email_undeliverable=reason, email_undeliverable_at=now
            )
    else:
        changes["status"] = OutboundEmail.Status.PENDING
        if wait:
            changes["send_after"] = now + retry_delay(attempts=email.attempts)
    OutboundEmail.objects.filter(pk=email.pk).update(**changes)
    return str(changes["status"])


def _release(*, email_ids: Collection[int]) -> None:
    """Give claimed rows that were never tried back to the queue, their attempt not counted."""
    OutboundEmail.objects.filter(pk__in=email_ids, status=OutboundEmail.Status.SENDING).update(
        status=OutboundEmail.Status.PENDING, attempts=F("attempts") - 1
    )


def _claimed_rows(*, claimed: Collection[int]) -> QuerySet[OutboundEmail]:
    """The claimed rows with what rendering them needs, in one query."""
    return (
        OutboundEmail.objects.select_related("recipient", "round", "participation__round__survey")
        .annotate(
            question_count=Coalesce(
                Subquery(
                    RoundQuestion.objects.filter(round_id=OuterRef("participation__round_id"))
                    .order_by()
                    .values("round_id")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            )
        )
        .filter(pk__in=claimed)
        .order_by("pk")
    )


def _defer(*, email: OutboundEmail, now: dt.datetime) -> bool:
    """A row that became due while workers were down must not land at night or at a weekend:
    give it back with the next local working moment. False when it may go now."""
    zone = email.recipient.time_zone
    if email.kind in ANY_HOUR_KINDS or schedule.is_working_moment(moment=now, zone=zone):
        return False
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.PENDING,
        attempts=F("attempts") - 1,
        send_after=schedule.next_working_moment(moment=now, zone=zone),
    )
    return True


class _MailSession:
    """A chunk's one mail connection. Opened by the first message that goes out, not before, so a
    relay that is down counts as that row's attempt. Left open, it carries the whole chunk (a
    refused recipient or message resets the session, not the connection)."""

    def __init__(self) -> None:
        self.mail = get_connection()
        self.opened = False

    def send(self, message: EmailMultiAlternatives) -> None:
        if not self.opened:
            self.mail.open()
            self.opened = True
        message.connection = self.mail
        message.send()

    def close(self) -> None:
        self.mail.close()


def _render_and_send(*, email: OutboundEmail, session: _MailSession) -> bool:
    """Render the row's message and send it. False when there is nothing to send any more."""
    renderer = RENDERERS.get(email.kind)
    message = renderer(email) if renderer else None
    if message is None:
        return False
    session.send(message)
    return True


def _mark_done(*, email: OutboundEmail, sent: bool) -> str:
    if not sent:
        _mark(email_id=email.pk, status=OutboundEmail.Status.SKIPPED)
        return OutboundEmail.Status.SKIPPED
    _mark(email_id=email.pk, status=OutboundEmail.Status.SENT, sent_at=timezone.now())
    return OutboundEmail.Status.SENT


def emails_send(*, email_ids: Sequence[int]) -> dict[int, str]:
    """Send the ledger rows nobody else has, over one mail connection. Returns each id's outcome:
    a status ("pending" for a row that failed and waits for its retry), "deferred" (not a local
    working moment) or "not-claimed" (someone else has it, it is done, or it is not due yet).
    Raises only when the mail connection fails; rows not reached then go back untried."""
    now = timezone.now()
    outcome = dict.fromkeys(email_ids, "not-claimed")
    claimed = _claim(email_ids=email_ids, now=now)
    if not claimed:
        return outcome
    pending = set(claimed)
    delivered_to: set[int] = set()  # recipients of messages that went out, reminders aside
    session = _MailSession()
    try:
        for email in _claimed_rows(claimed=claimed):
            pending.discard(email.pk)
            if _defer(email=email, now=now):
                outcome[email.pk] = "deferred"
                continue
            try:
                sent = _render_and_send(email=email, session=session)
            except Exception as error:
                # Nothing went out. A fault of this message waits for its retry while the rows
                # behind it go on; a fault of the connection stops the chunk (raised, so the task
                # retries it) and gives back the rows not reached.
                connection_fault = _is_connection_fault(error)
                outcome[email.pk] = _fail(
                    email=email, error=error, now=now, wait=not connection_fault
                )
                if connection_fault:
                    raise
                continue
            outcome[email.pk] = _mark_done(email=email, sent=sent)
            if sent and email.kind != OutboundEmail.Kind.REMINDER:
                delivered_to.add(email.recipient_id)
    finally:
        _release(email_ids=pending)  # rows not reached: a connection fault, or deleted meanwhile
        session.close()
        if delivered_to:
            # The address works again (a full mailbox emptied, a relay fixed): one query a chunk.
            Person.objects.filter(pk__in=delivered_to).exclude(email_undeliverable="").update(
                email_undeliverable="", email_undeliverable_at=None
            )
    return outcome


def email_send(*, email_id: int) -> str:
    """Send one ledger row if nobody else has. Returns the row's final status."""
    return emails_send(email_ids=[email_id])[email_id]


def emails_due_now_ids(*, ids_from: QuerySet[OutboundEmail]) -> list[int]:
    """The pending rows of a queryset whose moment has come (used right after a round opens)."""
    now = timezone.now()
    return list(
        ids_from.filter(status=OutboundEmail.Status.PENDING)
        .filter(_due(now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def emails_sweep(*, now: dt.datetime | None = None, limit: int = 5000) -> list[int]:
    """Release the rows of workers that died (claimed longer ago than STALE_AFTER), then return
    the rows to send now: due (their `send_after` has passed) and either left behind by a dispatch,
    claimed by a worker that died, or waiting to retry. Untried rows written in the last minutes
    are excluded: their own on_commit dispatch is on its way."""
    now = now or timezone.now()
    OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, claimed_at__lt=now - STALE_AFTER
    ).update(status=OutboundEmail.Status.PENDING)
    return list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING)
        # A row tried a while ago (`claimed_at`) waits for no dispatch but this sweep: its retry.
        .filter(
            Q(created_at__lt=now - LEFT_BEHIND_AFTER) | Q(claimed_at__lt=now - LEFT_BEHIND_AFTER)
        )
        .filter(_due(now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )

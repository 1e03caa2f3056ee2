"""Anonymous two-way conversations about a comment (issue 18, ADR 0031).

Nothing here knows who the author is. A thread is created in the transaction that stores the
comment and is reached by its author only through a long random secret, of which the thread keeps
the sha256. The author's messages carry one time only: the delivery batch (twice a working day, at
fixed local hours), and staff see them from that moment on, so when they were written is not
stored and not shown. Staff act by role and sign with their name; the author is never named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zoneinfo
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from checkins.models import Message, Response, Round, Thread
from checkins.services import schedule

MESSAGE_MAX_LENGTH = 2000
HIDE_REASON_MAX_LENGTH = 500
SECRET_BYTES = 32  # token_urlsafe(32): 43 characters, 256 bits
SECRET_MAX_LENGTH = 100


class ConversationError(Exception):
    """Bad input or a state that forbids the action. `status` is the HTTP answer."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def thread_start(*, response: Response) -> str:
    """Open a thread on a response's comment; return the secret, which is stored nowhere.

    Called inside the transaction that writes the response, so the thread is exactly as linkable
    as the comment: until the close, when the reshuffle rewrites both (A6)."""
    if not response.comment:
        raise ConversationError(_("A conversation needs a comment."))
    secret = secrets.token_urlsafe(SECRET_BYTES)
    Thread.objects.create(response=response, secret_hash=secret_hash(secret))
    return secret


def thread_for_secret(*, secret: str) -> Thread | None:
    """The thread a secret opens, or None: lost, mistyped and revoked look the same."""
    if not secret or len(secret) > SECRET_MAX_LENGTH:
        return None
    return (
        Thread.objects.select_related("response__round")
        .filter(secret_hash=secret_hash(secret))
        .exclude(secret_hash="")
        .first()
    )


def thread_is_live(thread: Thread) -> bool:
    """Messages are exchanged only once the round closed and its responses were reshuffled: before
    that the comment is not shown to anyone, and the thread is still linkable in order (A5, A6)."""
    rnd: Round = thread.response.round
    return rnd.status == Round.Status.CLOSED and rnd.responses_shuffled


# --- delivery batches ---------------------------------------------------------------------


def batch_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.RELHEALTH_CONVERSATION_TIME_ZONE)


def batch_time_next(*, now: dt.datetime) -> dt.datetime:
    """The first batch time after `now`: one of the fixed local hours of a working day, which is
    the schedule's one rule (`schedule.is_working_day`: the working weekdays minus the public
    holidays `RELHEALTH_HOLIDAYS` chooses for the conversation zone, ADR 0037)."""
    zone = batch_zone()
    local = now.astimezone(zone)
    hours = sorted(settings.RELHEALTH_CONVERSATION_BATCH_HOURS)
    day = local.date()
    for _day in range(schedule.LOOKAHEAD_DAYS):  # longer than any run of days off
        if schedule.is_working_day(day=day, zone=zone.key):
            for hour in hours:
                moment = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
                if moment > local:
                    return moment.astimezone(dt.UTC)
        day += dt.timedelta(days=1)
    raise ConversationError(_("No working day ahead to deliver on."), status=500)  # misconfigured


# --- messages -----------------------------------------------------------------------------


def _body_clean(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ConversationError(_("Write a message first."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ConversationError(
            _("A message is limited to %(max)s characters (this one has %(n)s).")
            % {"max": MESSAGE_MAX_LENGTH, "n": len(body)}
        )
    if "\x00" in body:
        raise ConversationError(_("The message contains a character that cannot be stored."))
    return body


def message_post(
    *, thread: Thread, role: str, body: str, signature: str = "", now: dt.datetime | None = None
) -> Message:
    """Add a message. The author's is timed by its delivery batch only; staff messages are signed.

    Refused (nothing stored) for an empty or oversized body, a closed thread, or a thread whose
    round has not closed yet."""
    now = now or timezone.now()
    body = _body_clean(body)
    if role not in Message.Role.values:
        raise ConversationError(_("Unknown role."))
    if role != Message.Role.AUTHOR and not signature:
        raise ConversationError(_("A reply is signed with the writer's name."))
    with transaction.atomic():
        locked = Thread.objects.select_for_update().select_related("response__round")
        current = locked.get(pk=thread.pk)
        if current.is_closed:
            raise ConversationError(_("This conversation is closed."), status=409)
        if not thread_is_live(current):
            raise ConversationError(
                _("The conversation opens once the check-in has closed."), status=409
            )
        if role == Message.Role.AUTHOR:
            at, signature = batch_time_next(now=now), ""
        else:
            at = now.replace(second=0, microsecond=0)
        last = current.messages.filter(role=role).aggregate(last=Max("seq"))["last"] or 0
        return Message.objects.create(
            thread=current, role=role, body=body, signature=signature, at=at, seq=last + 1,
            delivered=role != Message.Role.AUTHOR,
        )  # fmt: skip


def thread_heard(*, thread: Thread, signature: str, now: dt.datetime | None = None) -> Thread:
    """One click: the comment was heard. The first name (and minute) to acknowledge it stays."""
    if not signature:
        raise ConversationError(_("Acknowledging is signed with the writer's name."))
    if not thread_is_live(thread):
        raise ConversationError(
            _("The conversation opens once the check-in has closed."), status=409
        )
    at = (now or timezone.now()).replace(second=0, microsecond=0)
    Thread.objects.filter(pk=thread.pk, heard_by="").update(heard_by=signature[:200], heard_at=at)
    thread.refresh_from_db()
    return thread


def thread_close(*, thread: Thread, by: str) -> Thread:
    """Close a thread for good. Closed by its author, the link is revoked as well."""
    if by not in {c.value for c in Thread.Closer if c.value}:
        raise ConversationError(_("Unknown role."))
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk, closed_by="").update(closed_by=by)
        if by == Thread.Closer.AUTHOR:
            # Even when staff closed it first: the author may always throw the key away.
            Thread.objects.filter(pk=thread.pk).update(secret_hash="")
    thread.refresh_from_db()
    return thread


def message_hide(*, message: Message, reason: str) -> Message:
    """HR hides a message that breaks the organisation's rules; the reason is shown in its place.
    The caller records the audit entry (it knows the actor)."""
    reason = (reason or "").strip()
    if not reason:
        raise ConversationError(_("Give the reason the message is hidden."))
    if len(reason) > HIDE_REASON_MAX_LENGTH or "\n" in reason or "\x00" in reason:
        raise ConversationError(
            _("The reason is one line of at most %(max)s characters.")
            % {"max": HIDE_REASON_MAX_LENGTH}
        )
    if message.hidden_reason:
        raise ConversationError(_("This message is hidden already."), status=409)
    Message.objects.filter(pk=message.pk).update(hidden_reason=reason)
    message.refresh_from_db()
    return message


@dataclass(frozen=True)
class ShownMessage:
    message: Message
    delivered: bool  # for the author's own messages: has the batch time passed


def messages_for_author(*, thread: Thread, now: dt.datetime | None = None) -> list[ShownMessage]:
    now = now or timezone.now()
    return [ShownMessage(m, m.delivered) for m in thread.messages.order_by("at", "seq")]


@dataclass(frozen=True)
class ThreadStatus:
    """What the author's browser may ask with the secret alone (the home page's notice)."""

    replies: int  # messages by a manager or HR
    heard: bool
    closed: bool


def thread_status_get(*, thread: Thread) -> ThreadStatus:
    return ThreadStatus(
        replies=thread.messages.exclude(role=Message.Role.AUTHOR).count(),
        heard=bool(thread.heard_by),
        closed=thread.is_closed,
    )


def messages_for_staff(*, thread: Thread, now: dt.datetime | None = None) -> list[Message]:
    """What a manager or HR sees: the author's messages only once their batch time has come
    and the batch was delivered (rewritten)."""
    return messages_for_staff_many(threads=[thread], now=now).get(thread.pk, [])


def messages_for_staff_many(
    *, threads: list[Thread], now: dt.datetime | None = None
) -> dict[object, list[Message]]:
    """`messages_for_staff` for many threads in one query (the team page), by thread key."""
    now = now or timezone.now()
    shown = ~Q(role=Message.Role.AUTHOR) | Q(delivered=True, at__lte=now)
    out: dict[object, list[Message]] = {}
    rows = Message.objects.filter(shown, thread__in=[t.pk for t in threads]).order_by("at", "seq")
    for message in rows:
        out.setdefault(message.thread_id, []).append(message)
    return out


def messages_deliver(*, now: dt.datetime | None = None) -> int:
    """Deliver every author message whose batch time has come: rewrite them all in one
    transaction, in random order, under new keys, so that neither their keys, their position in
    the table nor the transaction that wrote them tells when (or in which request) each was
    written, as the reshuffle does for responses (A6). Safe to run twice or concurrently."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Message.objects.select_for_update(skip_locked=True).filter(
            role=Message.Role.AUTHOR, delivered=False, at__lte=now
        )
        rows = list(due.values_list("pk", "thread_id", "body", "at", "seq", "hidden_reason"))
        if not rows:
            return 0
        Message.objects.filter(pk__in=[row[0] for row in rows]).delete()
        secrets.SystemRandom().shuffle(rows)
        Message.objects.bulk_create(
            Message(
                thread_id=thread_id,
                role=Message.Role.AUTHOR,
                body=body,
                at=at,
                seq=seq,
                hidden_reason=hidden,
                delivered=True,
            )
            for _pk, thread_id, body, at, seq, hidden in rows
        )
    return len(rows)


# --- the close and retention --------------------------------------------------------------


def threads_rewrite(*, kept: list[tuple], new_response_of: dict) -> None:
    """Inside the reshuffle's transaction: write a closed round's threads again, in random order
    under new keys, pointing at their responses' new keys, so they are as unlinkable as the
    responses (A6). `kept` are (response id, secret hash, closed by, heard by, heard at) rows
    read before the old ones were deleted: threads of an unshuffled round hold no messages
    (nothing is exchanged before, see `thread_is_live`)."""
    rows = list(kept)
    secrets.SystemRandom().shuffle(rows)
    Thread.objects.bulk_create(
        Thread(
            response_id=new_response_of[response_id],
            secret_hash=hashed,
            closed_by=closed_by,
            heard_by=heard_by,
            heard_at=heard_at,
        )
        for response_id, hashed, closed_by, heard_by, heard_at in rows
    )


def threads_purge(*, now: dt.datetime | None = None, months: int) -> int:
    """Delete threads (and their messages) whose round closed more than `months` ago. The
    comment stays until its own retention; the conversation goes earlier if the operator asks."""
    now = now or timezone.now()
    if months < 1:
        raise ConversationError(_("Keep conversations at least one month."))
    cutoff = now - relativedelta(months=months)
    _deleted, per_model = Thread.objects.filter(response__round__closes_at__lt=cutoff).delete()
    return per_model.get(Thread._meta.label, 0)

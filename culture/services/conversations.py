"""What a manager or HR does to a conversation, for the pages and the API alike (ADR 0031, 0037).

The thread has already been found among the comments the team's page shows the caller
(`culture.selectors.comment_thread_get`). Here: which role the caller acts in, who may hide a
message, the audit entry of a hide (naming the thread, never a person: the author is unknown),
and the refusal of acting on a closed thread. Bad input raises `ConversationError`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.utils.translation import gettext as _

from checkins.models import Message, Thread
from checkins.services.conversations import (
    ConversationError,
    message_hide,
    message_post,
    thread_close,
    thread_heard,
)
from org.models import Person
from org.services.audit import audit_event_record


def staff_role(person: Person) -> str:
    return Message.Role.HR if person.is_hr_admin else Message.Role.MANAGER


def staff_message_post(*, thread: Thread, person: Person, body: str) -> Message:
    return message_post(thread=thread, role=staff_role(person), body=body, signature=person.name)


def staff_thread_heard(*, thread: Thread, person: Person) -> Thread:
    """One click: the comment was heard (the first name stays)."""
    return thread_heard(thread=thread, signature=person.name)


def staff_thread_close(*, thread: Thread, person: Person) -> Thread:
    """Close the thread for good in the caller's role; a closed thread refuses (409)."""
    if thread.is_closed:
        raise ConversationError(_("This conversation is closed."), status=409)
    return thread_close(thread=thread, by=staff_role(person))


# The one-click acts on a thread, by the name in their URL (`.../heard/`, `.../close/`).
THREAD_ACTS: dict[str, Callable[..., Thread]] = {
    "heard": staff_thread_heard,
    "close": staff_thread_close,
}


def staff_message_hide(
    *, thread: Thread, person: Person, message_id: uuid.UUID, reason: str
) -> Message | None:
    """HR hides a message of the thread with a reason shown in its place, audited. None when the
    thread holds no such message; a caller who is not HR is the caller's to refuse first."""
    if not person.is_hr_admin:
        raise ConversationError(_("Only HR hides a message."), status=403)
    message = thread.messages.filter(pk=message_id).first()
    if message is None:
        return None
    message = message_hide(message=message, reason=reason)
    audit_event_record(
        actor=person,
        event="conversation_message_hidden",
        summary=f"message hidden: {message.hidden_reason}",
        details={"thread": str(thread.pk), "message": str(message.pk)},
    )
    return message

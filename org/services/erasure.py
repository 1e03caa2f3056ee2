"""Erasure of a person (the right to be forgotten).

Deletes the person and everything that names them: their participation records and ledger
emails (by cascade), their sign-in bookkeeping (django-axes), their sessions, their own audit history, and
their name and email wherever other audit entries quoted them. Their past answers were never
linked to them (promise A6), so they stay inside the responses and roll-ups: team figures do not
change. The erasure itself is audited without naming them.

An erasure while a round they were invited to is open lowers that round's invited count by one
(their invitation is gone); any answer they already gave stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Person
from org.services.audit import audit_event_record

ERASED = "[erased]"
ERASURE_EVENT = "person_erased"


@dataclass(frozen=True)
class ErasureReport:
    person_id: int
    participations: int
    audit_entries_deleted: int
    audit_entries_redacted: int
    sign_in_records: int
    sessions: int


def _redact(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_redact(item, pattern) for item in value]
    if isinstance(value, dict):
        return {_redact(k, pattern): _redact(v, pattern) for k, v in value.items()}
    return value


def _audit_history_purge(*, person: Person, identifiers: list[str]) -> tuple[int, int]:
    """Delete the entries about the person; scrub their name and email from every other entry."""
    person_type = ContentType.objects.get_for_model(Person)
    own = LogEntry.objects.filter(
        Q(content_type=person_type, object_pk=str(person.pk))
        | Q(actor=person, additional_data__event="access_refused")
    )
    deleted, _by_model = own.delete()
    # Changes they made stay (an organisation's history), without who made them or from where.
    LogEntry.objects.filter(actor=person).update(
        actor=None, actor_email=None, remote_addr=None, remote_port=None
    )
    pattern = re.compile("|".join(re.escape(text) for text in identifiers), re.IGNORECASE)
    mentions = Q()
    for text in identifiers:
        mentions |= (
            Q(object_repr__icontains=text) | Q(changes_text__icontains=text)
            | Q(changes__icontains=text) | Q(additional_data__icontains=text)
            | Q(serialized_data__icontains=text) | Q(actor_email__icontains=text)
        )  # fmt: skip
    redacted = 0
    for entry in LogEntry.objects.filter(mentions).iterator():
        for name in ("object_repr", "changes_text", "changes", "additional_data",
                     "serialized_data", "actor_email"):  # fmt: skip
            setattr(entry, name, _redact(getattr(entry, name), pattern))
        # save() of a LogEntry must not itself be audited; update keeps the timestamp.
        LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=entry.object_repr, changes_text=entry.changes_text, changes=entry.changes,
            additional_data=entry.additional_data, serialized_data=entry.serialized_data,
            actor_email=entry.actor_email,
        )  # fmt: skip
        redacted += 1
    return deleted, redacted


def _sessions_end(*, person: Person) -> int:
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(person.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def person_erase(*, person: Person, actor: Person | None) -> ErasureReport:
    if actor is not None and actor.pk == person.pk:
        raise ValidationError(_("You cannot erase yourself; ask another HR admin."))
    other_hr = Person.objects.filter(role=Person.Role.HR_ADMIN, is_active=True).exclude(
        pk=person.pk
    )
    if person.is_hr_admin and not other_hr.exists():
        raise ValidationError(_("This is the last HR admin; make someone else HR admin first."))
    identifiers = [text for text in {person.email, person.name} if text and len(text) >= 3]
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        participations = person.participations.count()
        deleted, redacted = _audit_history_purge(person=person, identifiers=identifiers)
        sign_ins = 0
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            count, _by_model = model.objects.filter(username__iexact=person.email).delete()
            sign_ins += count
        sessions = _sessions_end(person=person)
        person_id = person.pk
        # Without auditlog: its delete entry would copy the name and email into the log again.
        with disable_auditlog():
            person.delete()
        audit_event_record(
            actor=actor,
            event=ERASURE_EVENT,
            summary=f"Erased person #{person_id} and their participation records",
            details={"person_id": person_id, "participations": participations},
        )
    return ErasureReport(
        person_id=person_id,
        participations=participations,
        audit_entries_deleted=deleted,
        audit_entries_redacted=redacted,
        sign_in_records=sign_ins,
        sessions=sessions,
    )

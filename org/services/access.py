"""Access that follows the organisation: ending a person's sessions and tokens, setting a
password, and asking for set-password emails (ADR 0023).

Raising `Person.auth_version` voids every session hash, API token and set-password link issued
before, for good: reactivating someone later does not bring any of them back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import F

from org.models import OrgSettings, Person
from org.selectors import person_may_sign_in
from org.signals import INVITATION, RESET, access_ended, sign_in_link_wanted


def person_access_end(*, person: Person, save: bool = True) -> None:
    """Void the person's sessions, tokens and links. With `save=False` the caller saves the row
    (person_update does, in the same statement as the change that caused it)."""
    person.auth_version += 1
    if save:
        person.save(update_fields=["auth_version"])
    access_ended.send(sender=Person, person_ids=[person.pk])


def people_access_end(*, person_ids: Collection[int]) -> None:
    """`person_access_end` for many people in one statement (a sync's leavers, a setting)."""
    if not person_ids:
        return
    Person.objects.filter(pk__in=person_ids).update(auth_version=F("auth_version") + 1)
    access_ended.send(sender=Person, person_ids=list(person_ids))


@transaction.atomic
def person_password_set(*, person: Person, password: str) -> Person:
    """A new password ends every other session and every API token of the person; the caller
    keeps the current session with `update_session_auth_hash` (or signs them in afresh)."""
    person.set_password(password)
    person.auth_version += 1
    person.save(update_fields=["password", "auth_version"])
    access_ended.send(sender=Person, person_ids=[person.pk])
    return person


# People collected by `sign_in_invitations_batched` (None outside a batch).
_batch: ContextVar[list[Person] | None] = ContextVar("sign_in_invitations_batch", default=None)


def sign_in_invitations_send(*, people: Iterable[Person]) -> list[Person]:
    """Queue a set-password email for each person who may sign in and has no password yet.
    Inside `sign_in_invitations_batched` they are collected and asked for at its end."""
    batch = _batch.get()
    if batch is not None:
        batch.extend(people)
        return []
    allowed = OrgSettings.current().employees_may_sign_in
    invited = [
        p
        for p in people
        if not p.has_usable_password()
        and person_may_sign_in(person=p, employees_may_sign_in=allowed)
    ]
    if invited:
        sign_in_link_wanted.send(sender=Person, people=invited, purpose=INVITATION)
    return invited


@contextmanager
def sign_in_invitations_batched() -> Iterator[None]:
    """One request for a whole import's invitations: one ledger insert and one dispatch after
    the commit, instead of one of each per person. Nothing is asked for if the block raises."""
    batch: list[Person] = []
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    # A person changed twice in the batch is asked for once, in their final state.
    latest = {person.pk: person for person in batch}
    sign_in_invitations_send(people=latest.values())


def password_reset_send(*, email: str) -> bool:
    """Queue a reset email if the address belongs to someone who may sign in. The caller shows
    the same answer either way, so the form never tells whether an address exists."""
    person = Person.objects.filter(email=email.strip().lower()).first()
    if person is None or not person_may_sign_in(person=person):
        return False
    sign_in_link_wanted.send(sender=Person, people=[person], purpose=RESET)
    return True


@transaction.atomic
def org_sign_in_update(*, employees_may_sign_in: bool) -> OrgSettings:
    """Turning employee sign-in on invites the active employees without a password; turning it
    off ends the employees' sessions and tokens."""
    org = OrgSettings.current()
    if org.employees_may_sign_in == employees_may_sign_in:
        return org
    org.employees_may_sign_in = employees_may_sign_in
    org.save(update_fields=["employees_may_sign_in"])
    employees = Person.objects.filter(role=Person.Role.EMPLOYEE, is_active=True)
    if employees_may_sign_in:
        sign_in_invitations_send(people=employees.order_by("pk"))
    else:
        people_access_end(person_ids=list(employees.values_list("pk", flat=True)))
    return org

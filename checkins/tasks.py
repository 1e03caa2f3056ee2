"""Celery tasks of the collection side: each takes ids, looks rows up again and calls a service.

Every task is safe to run twice or concurrently: the services claim work with conditional UPDATEs.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from checkins.models import OutboundEmail, Round
from checkins.services import access_emails, conversations, emails, reshuffle, rounds

CHUNK = 200


def _dispatch(ids: list[int]) -> None:
    for start in range(0, len(ids), CHUNK):
        emails_send.delay(ids[start : start + CHUNK])


def emails_send_later(ids: list[int]) -> None:
    """Queue sending for ledger rows another app wrote (call it from on_commit)."""
    _dispatch(ids)


logger = logging.getLogger(__name__)


def round_invitations_queue(round_id: int) -> bool:
    """Queue a new round's invitations from a request; False when the broker is down.

    The round and its ledger rows are committed before this runs (on_commit), so a dead broker
    loses nothing: beat's sweep sends the rows once it returns. Raising here would show an error
    for a round that did open, and invite a second click that opens another one.
    """
    try:
        round_invitations_send.delay(round_id)
    except BrokerUnavailable:
        logger.warning("broker unavailable; round %s invitations wait for the sweep", round_id)
        return False
    return True


@shared_task
def round_invitations_send(round_id: int) -> int:
    # Only the rows already due (zones past their send time); the others go out with the sweep
    # on a later tick, when their local moment has come.
    ids = emails.emails_due_now_ids(
        ids_from=OutboundEmail.objects.filter(round_id=round_id, kind=OutboundEmail.Kind.INVITATION)
    )
    _dispatch(ids)
    return len(ids)


@shared_task
def surveys_open_due() -> list[int]:
    opened = rounds.surveys_open_due(on_emails=round_invitations_send.delay)
    return [rnd.pk for rnd in opened]


@shared_task
def rounds_close_due() -> int:
    return rounds.rounds_close_due()


# Only a failure of the mail connection reaches the task (SMTPException and socket errors are
# OSError): a message that fails on its own is recorded on its row and retried by the sweep
# after its wait (services/emails.py), so it never holds back the rest of the chunk.
@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def emails_send(email_ids: list[int]) -> int:
    outcome = emails.emails_send(email_ids=email_ids)
    return sum(status == OutboundEmail.Status.SENT for status in outcome.values())


@shared_task
def emails_due_send() -> int:
    ids = emails.emails_sweep()
    _dispatch(ids)
    return len(ids)


@shared_task
def round_responses_reshuffle(round_id: int) -> bool:
    rnd = Round.objects.filter(pk=round_id).first()
    # A missing round is a normal outcome: there is nothing left to unlink.
    return rnd is not None and reshuffle.round_responses_reshuffle(round=rnd)


@shared_task
def rounds_reshuffle_due() -> int:
    pending = reshuffle.rounds_to_reshuffle()
    for round_id in pending:
        round_responses_reshuffle.delay(round_id)
    return len(pending)


@shared_task
def messages_deliver() -> int:
    """Every tick: deliver the author messages whose batch time has come (ADR 0031)."""
    return conversations.messages_deliver()


def sign_in_emails_dispatch(ids: list[int]) -> None:
    """Queue set-password emails after the commit that wrote them. A broker outage loses
    nothing: the rows wait in the ledger for `emails_due_send`."""
    try:
        _dispatch(ids)
    except BrokerUnavailable:
        logger.warning("broker unavailable; %s set-password emails wait for the sweep", len(ids))


def sign_in_link_wanted_receive(sender, *, people, purpose: str, **kwargs) -> None:
    """org.signals.sign_in_link_wanted: write the ledger rows now, send after the commit."""
    ids = access_emails.sign_in_emails_queue(people=people, purpose=purpose)
    if ids:
        transaction.on_commit(partial(sign_in_emails_dispatch, ids))

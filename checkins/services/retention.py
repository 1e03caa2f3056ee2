"""Retention on the collection side: delete a closed round's raw answers and comments.

What may be deleted is decided by the reporting side (only rounds whose roll-ups and summaries
exist, so no figure depends on the raw rows any more); this module only knows how to delete them
safely: closed and reshuffled rounds only, one transaction per round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import QuerySet

from checkins.models import Answer, Response, Round, Thread


@dataclass(frozen=True)
class Purged:
    responses: int = 0
    answers: int = 0


def retention_cutoff(*, now: dt.datetime, months: int) -> dt.datetime:
    return now - relativedelta(months=months)


def rounds_past_retention(*, now: dt.datetime, months: int) -> QuerySet[Round]:
    """Closed rounds that closed before the cutoff and still hold raw responses."""
    return (
        Round.objects.filter(
            status=Round.Status.CLOSED,
            closes_at__lt=retention_cutoff(now=now, months=months),
            responses__isnull=False,
        )
        .distinct()
        .order_by("closes_at")
    )


def round_raw_data_purge(*, round: Round) -> Purged:
    """Delete every answer and comment of a closed, reshuffled round. Nothing if it is not."""
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        # An open round is still being answered; an unshuffled one is reshuffled first (A6).
        if locked.status != Round.Status.CLOSED or not locked.responses_shuffled:
            return Purged()
        answers, _ = Answer.objects.filter(response__round=locked).delete()
        # Conversations on the comments go with them (ADR 0031); counted apart from responses.
        Thread.objects.filter(response__round=locked).delete()
        responses, _ = Response.objects.filter(round=locked).delete()
    return Purged(responses=responses, answers=answers)

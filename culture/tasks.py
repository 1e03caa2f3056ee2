"""Celery tasks of the reporting side, started by beat after rounds close."""

from celery import shared_task

from checkins.models import Round
from culture.services.rollups import round_rollup_compute, rounds_rollup_pending


@shared_task
def rollup_round(round_id: int) -> bool:
    rnd = Round.objects.filter(pk=round_id).first()
    if rnd is None:
        return False  # deleted since: nothing to summarise
    return round_rollup_compute(round=rnd)


@shared_task
def rollup_closed_rounds() -> int:
    pending = rounds_rollup_pending()
    for round_id in pending:
        rollup_round.delay(round_id)
    return len(pending)

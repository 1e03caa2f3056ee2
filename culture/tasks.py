"""Celery tasks of the reporting side: roll-ups, summaries and digests after rounds close.

Each task takes ids, looks rows up again, treats a missing row as normal and is safe to run twice:
the roll-ups and summaries are guarded by a state row, the emails by the ledger's unique keys.
"""

from celery import shared_task
from django.db import OperationalError, transaction

from checkins.models import Round
from checkins.tasks import send_emails_later
from culture.organisation_page import heatmap_warm
from culture.services.decisions import round_decisions_compute
from culture.services.digests import digests_queue
from culture.services.reliability import round_reliability_compute, rounds_reliability_pending
from culture.services.retention import raw_data_retention_apply
from culture.services.rollups import round_rollup_compute, rounds_rollup_pending
from culture.services.summaries import round_summaries_compute, rounds_summary_pending
from culture.services.themes import round_themes_compute


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def rollup_round(round_id: int) -> bool:
    rnd = Round.objects.filter(pk=round_id).first()
    if rnd is None:
        return False  # deleted since: nothing to summarise
    done = round_rollup_compute(round=rnd)
    if done:
        # Decide the round's window once, so pages and the summaries only read the decision,
        # and keep the sums Cronbach's alpha needs (they need each respondent's items together).
        round_decisions_compute(round=rnd)
        round_reliability_compute(round=rnd)
        summarise_round.delay_on_commit(round_id)
    return done


@shared_task
def rollup_closed_rounds() -> int:
    pending = rounds_rollup_pending()
    for round_id in pending:
        rollup_round.delay(round_id)
    # Rounds rolled up without the task (the demo seed, or before alpha existed).
    for round_id in rounds_reliability_pending():
        reliability_round.delay(round_id)
    return len(pending)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def reliability_round(round_id: int) -> int:
    rnd = Round.objects.filter(pk=round_id).first()
    return 0 if rnd is None else round_reliability_compute(round=rnd)


# SQLite (the demo) answers "database is locked" while another worker writes: try again shortly.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def summarise_round(round_id: int) -> bool:
    """Trend summaries for a rolled-up round, then the digests and the HR alert."""
    rnd = Round.objects.filter(pk=round_id).first()
    if rnd is None:
        return False
    with transaction.atomic():
        done = round_summaries_compute(round=rnd)
        if done:
            ids = digests_queue(round=rnd)
            transaction.on_commit(lambda: send_emails_later(ids))
            # HR's heatmap changed: render it now, so HR's first view is a cached one.
            warm_heatmap.delay_on_commit()
            themes_round.delay_on_commit(round_id)
    return done


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def themes_round(round_id: int) -> int:
    """The comment themes of a closed, rolled-up round, once its summaries exist."""
    rnd = Round.objects.filter(pk=round_id).first()
    return 0 if rnd is None else round_themes_compute(round=rnd)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def warm_heatmap() -> int:
    return heatmap_warm()


@shared_task
def summarise_rolled_up_rounds() -> int:
    pending = rounds_summary_pending()
    for round_id in pending:
        summarise_round.delay(round_id)
    return len(pending)


@shared_task
def purge_expired_raw_data() -> int:
    """Daily: delete raw answers and comments past the retention period (figures stay)."""
    return len(raw_data_retention_apply().rounds)

"""Celery tasks of the reporting side: roll-ups, summaries and digests after rounds close.

Each task takes ids, looks rows up again, treats a missing row as normal and is safe to run twice:
the roll-ups and summaries are guarded by a state row, the emails by the ledger's unique keys.
"""

from celery import shared_task
from django.db import OperationalError, transaction

from checkins.models import Round
from checkins.tasks import emails_send_later
from culture import organisation_page
from culture.services import reliability, retention, rollups, themes
from culture.services.decisions import round_decisions_compute
from culture.services.digests import digests_queue
from culture.services.summaries import round_summaries_compute, rounds_summary_pending


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def round_rollup_compute(round_id: int) -> bool:
    rnd = Round.objects.filter(pk=round_id).first()
    if rnd is None:
        return False  # deleted since: nothing to summarise
    done = rollups.round_rollup_compute(round=rnd)
    if done:
        # Decide the round's window once, so pages and the summaries only read the decision,
        # and keep the sums Cronbach's alpha needs (they need each respondent's items together).
        round_decisions_compute(round=rnd)
        reliability.round_reliability_compute(round=rnd)
        round_summarise.delay_on_commit(round_id)
    return done


@shared_task
def rounds_rollup_due() -> int:
    pending = rollups.rounds_rollup_pending()
    for round_id in pending:
        round_rollup_compute.delay(round_id)
    # Rounds rolled up without the task (the demo seed, or before alpha existed).
    for round_id in reliability.rounds_reliability_pending():
        round_reliability_compute.delay(round_id)
    return len(pending)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def round_reliability_compute(round_id: int) -> int:
    rnd = Round.objects.filter(pk=round_id).first()
    return 0 if rnd is None else reliability.round_reliability_compute(round=rnd)


# SQLite (the demo) answers "database is locked" while another worker writes: try again shortly.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def round_summarise(round_id: int) -> bool:
    """Trend summaries and comment themes for a rolled-up round, then the digests and the HR
    alert."""
    rnd = Round.objects.filter(pk=round_id).first()
    if rnd is None:
        return False
    with transaction.atomic():
        done = round_summaries_compute(round=rnd)
        if done:
            # The themes before the digests, so a digest about the round can name them.
            themes.round_themes_compute(round=rnd)
            ids = digests_queue(round=rnd)
            transaction.on_commit(lambda: emails_send_later(ids))
            # HR's heatmap changed: render it now, so HR's first view is a cached one.
            heatmap_warm.delay_on_commit()
    return done


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def round_themes_compute(round_id: int) -> int:
    """The comment themes of a closed, rolled-up round again (`round_summarise` finds them
    first; this is for a rerun, e.g. after the stop words changed)."""
    rnd = Round.objects.filter(pk=round_id).first()
    return 0 if rnd is None else themes.round_themes_compute(round=rnd)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def heatmap_warm() -> int:
    return organisation_page.heatmap_warm()


@shared_task
def rounds_summarise_due() -> int:
    pending = rounds_summary_pending()
    for round_id in pending:
        round_summarise.delay(round_id)
    return len(pending)


@shared_task
def raw_data_retention_apply() -> int:
    """Daily: delete raw answers and comments past the retention period (figures stay)."""
    return len(retention.raw_data_retention_apply().rounds)

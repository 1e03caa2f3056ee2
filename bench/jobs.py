"""The background work, through the public tasks and a real Celery worker (started by the bench).

`open`: open a round for everyone (the service beat calls), then hand its invitations to the
worker with `send_round_invitations` and wait until every one is rendered and given to the mail
backend. `close`: close the round and roll it up and summarise it through the beat's own tasks,
waiting for the summaries. Each reports wall time, or says plainly that it did not finish.
"""

from __future__ import annotations

import argparse
import time

from bench.common import django_setup, emit


def _wait(condition, *, since: float, timeout: float) -> float | None:
    """Seconds from `since` until the condition held, or None after `timeout` from `since`."""
    while time.perf_counter() - since < timeout:
        if condition():
            return round(time.perf_counter() - since, 2)
        time.sleep(0.25)
    return None


def invitations(timeout: float) -> dict:
    from checkins.models import OutboundEmail, Participation, Survey
    from checkins.services.rounds import round_open
    from checkins.tasks import send_round_invitations

    survey = Survey.objects.order_by("pk").first()
    assert survey is not None
    started = time.perf_counter()
    rnd = round_open(survey=survey)
    open_s = round(time.perf_counter() - started, 2)
    rows = OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.INVITATION)
    total = rows.count()
    finished = [
        OutboundEmail.Status.SENT,
        OutboundEmail.Status.SKIPPED,
        OutboundEmail.Status.FAILED,
    ]
    started = time.perf_counter()
    send_round_invitations.delay(rnd.pk)
    waited = _wait(
        lambda: rows.filter(status__in=finished).count() >= total, since=started, timeout=timeout
    )
    wall = round(time.perf_counter() - started, 2)
    sent = rows.filter(status=OutboundEmail.Status.SENT).count()
    return {
        "round_id": rnd.pk,
        "round_open_s": open_s,
        "participations": Participation.objects.filter(round=rnd).count(),
        "invitations": total,
        "sent": sent,
        "wall_s": waited if waited is not None else None,
        "finished": waited is not None,
        "note": "" if waited is not None else f"not finished after {wall} s: {sent} sent",
    }


def close(timeout: float) -> dict:
    from django.utils import timezone

    from checkins.models import Response, Round
    from checkins.tasks import close_due_rounds
    from culture.models import RoundRollupState, RoundSummaryState
    from culture.tasks import rollup_closed_rounds

    rnd = Round.objects.filter(status=Round.Status.OPEN).order_by("-number").first()
    assert rnd is not None
    responses = Response.objects.filter(round=rnd).count()
    Round.objects.filter(pk=rnd.pk).update(closes_at=timezone.now())
    started = time.perf_counter()
    close_due_rounds.delay()
    closed = _wait(
        lambda: Round.objects.filter(pk=rnd.pk, status=Round.Status.CLOSED).exists(),
        since=started,
        timeout=timeout,
    )
    rollup_closed_rounds.delay()  # the beat's sweep: rollup_round, which queues summarise_round
    rolled = _wait(
        lambda: RoundRollupState.objects.filter(round=rnd).exists(), since=started, timeout=timeout
    )
    summarised = _wait(
        lambda: RoundSummaryState.objects.filter(round=rnd).exists(),
        since=started,
        timeout=timeout,
    )
    wall = round(time.perf_counter() - started, 2)
    return {
        "round_id": rnd.pk,
        "responses": responses,
        "closed_s": closed,
        "rolled_up_s": rolled,
        "wall_s": summarised,
        "finished": summarised is not None,
        "note": "" if summarised is not None else f"summaries not finished after {wall} s",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["open", "close"])
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    django_setup()
    emit(invitations(args.timeout) if args.what == "open" else close(args.timeout))


if __name__ == "__main__":
    main()

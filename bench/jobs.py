"""The background work, through the public tasks and a real Celery worker (started by the bench).

`open`: open a round for everyone (the service beat calls), then hand its invitations to the
worker with `round_invitations_send` and wait until every one is rendered and given to the mail
backend. `close`: close the round and roll it up and summarise it through the beat's own tasks,
waiting for the summaries. `answered` (the growth series, where posting 100,000 check-ins over
HTTP is not what is measured): open a round and have a share of everyone answer it, written in
bulk as the seed writes history, without sending the invitations. `themes`: comment themes for
10,000 comments, the model alone, and the worker's step on the newest closed round (every slice
whose comments are shown). Each reports wall time, or says plainly that it did not finish.
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
    from checkins.tasks import round_invitations_send

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
    round_invitations_send.delay(rnd.pk)
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


def answered(share: float, seed: int) -> dict:
    import numpy as np
    from django.db import connection, transaction

    from checkins.models import Answer, Participation, Question, Response, RoundQuestion, Survey
    from checkins.services.rounds import round_open
    from demo.services.rows import (
        ANSWER_COLUMNS,
        RESPONSE_COLUMNS,
        binary_rows_copy,
        binary_rows_encode,
        uuids_draw,
    )

    survey = Survey.objects.order_by("pk").first()
    assert survey is not None
    started = time.perf_counter()
    rnd = round_open(survey=survey)
    open_s = round(time.perf_counter() - started, 2)
    invited = np.array(
        Participation.objects.filter(round=rnd).order_by("pk").values_list("pk", "team_id"),
        dtype=np.int64,
    ).reshape(-1, 2)
    draw = np.random.default_rng([seed, rnd.pk])  # new ids for each round answered
    chosen = invited[draw.random(len(invited)) < share]
    count = len(chosen)
    response_ids = uuids_draw(draw, count)
    asked = [
        rq.question_version
        for rq in RoundQuestion.objects.filter(round=rnd).select_related(
            "question_version__question"
        )
    ]
    scored = [v for v in asked if v.question.scale != Question.Scale.TEXT]
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Participation._meta.db_table} SET responded = true "  # noqa: S608  # nosec B608
                "WHERE id = ANY(%s)",
                [chosen[:, 0].tolist()],
            )
        binary_rows_copy(
            table=Response._meta.db_table, columns=RESPONSE_COLUMNS,
            chunks=[binary_rows_encode([("uuid", response_ids), ("bigint", np.full(count, rnd.pk)),
                                 ("bigint", chosen[:, 1]), ("bytes", b"")], count)],
        )  # fmt: skip
        for version in scored:
            top = 10 if version.question.scale == Question.Scale.ZERO_TEN else 5
            low = 0 if top == 10 else 1
            binary_rows_copy(
                table=Answer._meta.db_table, columns=(*ANSWER_COLUMNS, "text"),
                chunks=[binary_rows_encode(
                    [("uuid", uuids_draw(draw, count)), ("uuid", response_ids),
                     ("bigint", np.full(count, version.pk)),
                     ("smallint", draw.integers(low, top + 1, count)), ("bytes", b"")],
                    count,
                )],
            )  # fmt: skip
    return {
        "round_id": rnd.pk,
        "round_open_s": open_s,
        "participations": len(invited),
        "responses": count,
        "answers": count * len(scored),
        "write_s": round(time.perf_counter() - started, 2),
    }


def close(timeout: float) -> dict:
    from django.utils import timezone

    from checkins.models import Response, Round
    from checkins.tasks import rounds_close_due
    from culture.models import RoundRollupState, RoundSummaryState
    from culture.tasks import rounds_rollup_due

    rnd = Round.objects.filter(status=Round.Status.OPEN).order_by("-number").first()
    assert rnd is not None
    responses = Response.objects.filter(round=rnd).count()
    Round.objects.filter(pk=rnd.pk).update(closes_at=timezone.now())
    started = time.perf_counter()
    rounds_close_due.delay()
    closed = _wait(
        lambda: Round.objects.filter(pk=rnd.pk, status=Round.Status.CLOSED).exists(),
        since=started,
        timeout=timeout,
    )
    rounds_rollup_due.delay()  # the beat's sweep: round_rollup_compute, which queues round_summarise
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


def themes(count: int) -> dict:
    from checkins.models import Response, Round
    from culture.models import CommentTheme
    from culture.services.themes import round_themes_compute
    from culture.themes import themes_find
    from demo.services.history import COMMENTS

    # The demo's wordings, each with a word of its own (so no two comments are the same text).
    texts = [f"{COMMENTS[i % len(COMMENTS)]} note{i % 97}" for i in range(count)]
    started = time.perf_counter()
    found = themes_find(texts=texts, k=5)
    model_s = round(time.perf_counter() - started, 2)
    rnd = Round.objects.filter(status=Round.Status.CLOSED).order_by("-period_start").first()
    assert rnd is not None
    comments = Response.objects.filter(round=rnd).exclude(comment="").count()
    started = time.perf_counter()
    stored = round_themes_compute(round=rnd)
    worker_s = round(time.perf_counter() - started, 2)
    slices = CommentTheme.objects.filter(round=rnd).values("node").distinct().count()
    return {
        "comments": count,
        "themes": len(found),
        "model_s": model_s,
        "round_comments": comments,
        "round_themes": stored,
        "round_slices": slices,
        "worker_s": worker_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["open", "answered", "close", "themes"])
    parser.add_argument("--comments", type=int, default=10_000, help="themes: how many")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--share", type=float, default=0.75, help="answered: who answers")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    django_setup()
    if args.what == "open":
        emit(invitations(args.timeout))
    elif args.what == "answered":
        emit(answered(args.share, args.seed))
    elif args.what == "themes":
        emit(themes(args.comments))
    else:
        emit(close(args.timeout))


if __name__ == "__main__":
    main()

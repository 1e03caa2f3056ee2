"""One refused address in a round of N invitations: how much later do the others arrive?

`python -m bench.refused_mail --people 10000` makes a scratch database (relhealth_bench_mail),
N people and a round, starts a local SMTP server (aiosmtpd, tests/mailserver.py) and sends the
round's invitations through the ledger's sender in the worker's chunks (checkins.tasks.CHUNK),
twice: every address accepted, then with the first invitee's address refused (550 User
unknown). Reports both wall times, the difference (the delay the refused address cost everyone
else) and the gap between the deliveries just before and just after the refused row.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

from bench.common import (
    database_drop,
    database_recreate,
    django_setup,
    emit,
    manage,
    run_step,
)

DATABASE = "relhealth_bench_mail"


def _people(count: int) -> None:
    from checkins.models import Question, Survey
    from org.models import Person, Team

    team = Team.objects.create(name="Everyone")
    Person.objects.bulk_create(
        [
            # "!" is Django's mark for "no usable password".
            Person(email=f"person{n}@acme-corp.eu", name=f"Person {n}", team=team, password="!")  # noqa: S106
            for n in range(count)
        ],
        batch_size=2000,
    )
    survey = Survey.objects.create(name="Weekly pulse", questions_per_round=5)
    survey.questions.set(Question.objects.filter(is_active=True))


def _send_all(ids: list[int], mailbox) -> dict:
    from checkins.services.emails import emails_send
    from checkins.tasks import CHUNK

    mailbox.arrived.clear()
    started = time.perf_counter()
    for start in range(0, len(ids), CHUNK):
        emails_send(email_ids=ids[start : start + CHUNK])
    wall = time.perf_counter() - started
    arrived = [moment - started for moment in mailbox.arrived]
    gaps = [b - a for a, b in itertools.pairwise(arrived)]
    return {
        "delivered": len(arrived),
        "wall_s": round(wall, 3),
        "first_delivery_s": round(arrived[0], 4) if arrived else None,
        "last_delivery_s": round(arrived[-1], 3) if arrived else None,
        "median_gap_ms": round(statistics.median(gaps) * 1000, 2) if gaps else None,
        "first_gap_ms": round(gaps[0] * 1000, 2) if gaps else None,
    }


def measure(people: int) -> dict:
    from django.conf import settings
    from django.utils import timezone

    from checkins.models import OutboundEmail, Survey
    from checkins.services.rounds import round_open
    from checkins.tasks import CHUNK
    from tests.mailserver import smtp_server

    _people(people)
    rnd = round_open(survey=Survey.objects.get())  # nothing dispatched: sent below
    rows = OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.INVITATION)
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    first = rows.select_related("recipient").order_by("pk").first()
    assert first is not None
    results: dict = {"people": people, "invitations": len(ids)}

    def rows_reset() -> None:
        rows.update(
            status=OutboundEmail.Status.PENDING, attempts=0, sent_at=None, claimed_at=None,
            send_after=None, last_error="",
        )  # fmt: skip

    with smtp_server(settings) as mailbox:
        _send_all(ids[:CHUNK], mailbox)  # warm up: templates, catalogues, connections
        rows_reset()
        results["clean"] = _send_all(ids, mailbox)
        rows_reset()
        mailbox.refuse.add(first.recipient.email)
        results["one_refused"] = _send_all(ids, mailbox)
    refused = rows.get(pk=first.pk)
    results["refused_row"] = {"status": refused.status, "last_error": refused.last_error}
    results["others_sent"] = rows.filter(status=OutboundEmail.Status.SENT).count()
    clean, one_refused = results["clean"], results["one_refused"]
    # Everyone behind the refused row waits for it once: the later first delivery says how long.
    results["delay_first_s"] = round(one_refused["first_delivery_s"] - clean["first_delivery_s"], 4)
    # The same for the whole round, noisier (two runs on a shared machine).
    results["delay_last_s"] = round(one_refused["last_delivery_s"] - clean["last_delivery_s"], 3)
    results["measured_at"] = timezone.now().isoformat()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--measure", action="store_true", help="the step itself (a subprocess)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if args.measure:
        django_setup()
        emit(measure(args.people))
        return
    database_recreate(DATABASE)
    try:
        migrate_s = manage("migrate", "--noinput", database=DATABASE)
        result = run_step(
            "refused_mail", "--measure", "--people", str(args.people),
            database=DATABASE, timeout=3600,
        )  # fmt: skip
        result["migrate_s"] = migrate_s
        emit(result)
    finally:
        if not args.keep:
            database_drop(DATABASE)


if __name__ == "__main__":
    main()

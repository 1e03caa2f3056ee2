"""Kill the Celery worker (SIGKILL) while it sends invitations; count duplicates and losses.

Not part of the default suite: it needs PostgreSQL and Redis, a database of its own (dropped and
recreated), and takes a minute. Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relhealth_kill REDIS_URL=redis://127.0.0.1:6379/13 \
        .venv/bin/python scripts/kill_worker_harness.py --people 1000 --kills 3
    ... --people 10000 --kills 0     # the time to send 10,000 invitations

Emails go to a file backend in a temporary folder, so every message handed to the backend is
counted outside the database. A killed worker leaves its claimed rows `sending`; the sweeper
reclaims them after `STALE_AFTER`, which the harness fast-forwards by asking it about a moment
that far ahead (no waiting a quarter of an hour).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _env(outbox: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="relhealth.settings.local",
        # This checkout first: the local settings install the demo app, which an older editable
        # install of the virtualenv does not map (ADR 0038).
        PYTHONPATH=str(ROOT),
        DJANGO_DEBUG="0",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=outbox,
        RELHEALTH_WORKING_HOURS="0,24",
        RELHEALTH_WORKING_WEEKDAYS="0,1,2,3,4,5,6",
        RELHEALTH_HOLIDAYS="none",
    )
    return env


def _recreate_database(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    base = ["psql", "-h", parts.hostname or "127.0.0.1", "-U", parts.username or "postgres", "-q"]
    subprocess.run([*base, "-c", f'DROP DATABASE IF EXISTS "{name}"'], check=True)  # noqa: S603
    subprocess.run([*base, "-c", f'CREATE DATABASE "{name}"'], check=True)  # noqa: S603


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/celery"), "-A", "relhealth", "worker", "-l", "WARNING",
         "--concurrency=2", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip


def _kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool children, nothing else
    worker.wait()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url.startswith("postgres") or not redis_url.startswith("redis"):
        print("Set DATABASE_URL (a throwaway PostgreSQL database) and REDIS_URL.", file=sys.stderr)
        return 2
    outbox = tempfile.mkdtemp(prefix="relhealth-kill-")
    env = _env(outbox)
    os.environ.update(env)
    _recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from checkins.models import OutboundEmail, Survey
    from checkins.services.emails import STALE_AFTER, emails_sweep
    from checkins.services.rounds import round_open
    from checkins.tasks import emails_send, round_invitations_send
    from org.models import Person, Team
    from relhealth.celery import app

    call_command("migrate", verbosity=0)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    team = Team.objects.create(name="Everyone")
    Person.objects.bulk_create(
        [
            Person(email=f"p{i}@example.com", name=f"Person {i}", team=team, password="!",  # noqa: S106 - unusable
                   time_zone=("Europe/Berlin", "America/New_York")[i % 2])
            for i in range(args.people)
        ],
        batch_size=2000,
    )  # fmt: skip
    survey = Survey.objects.create(name="Harness pulse")
    rnd = round_open(survey=survey)
    rows = OutboundEmail.objects.filter(round=rnd, kind=OutboundEmail.Kind.INVITATION)

    rng = random.Random(args.seed)  # noqa: S311 - kill timing, not security
    started = time.perf_counter()
    round_invitations_send.delay(rnd.pk)
    worker = _start_worker(env)
    for _ in range(args.kills):
        # Kill only once it is sending, so every kill lands in the middle of the work.
        mark = rows.filter(status=OutboundEmail.Status.SENT).count()
        while rows.filter(status=OutboundEmail.Status.SENT).count() <= mark:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.1, 1.0))
        _kill(worker)
        counts = Counter(rows.values_list("status", flat=True))
        print(f"SIGKILL: sent={counts['sent']} sending={counts['sending']}", flush=True)
        worker = _start_worker(env)
    try:
        deadline = time.monotonic() + 600
        before = -1
        while time.monotonic() < deadline:
            left = rows.exclude(status=OutboundEmail.Status.SENT).count()
            if left == 0:
                break
            if left == before:
                # No progress: the worker has finished what it received. What is left was held
                # or queued by a killed worker: sweep as the beat would once STALE_AFTER passed.
                ids = emails_sweep(now=timezone.now() + STALE_AFTER + dt.timedelta(minutes=1))
                for start in range(0, len(ids), 200):
                    emails_send.delay(ids[start : start + 200])
            before = left
            time.sleep(2)
        elapsed = time.perf_counter() - started
    finally:
        _kill(worker)

    sent_to = Counter()
    for path in Path(outbox).glob("*.log"):
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                sent_to[line[4:].strip()] += 1
    duplicates = sum(count - 1 for count in sent_to.values() if count > 1)
    lost = args.people - len(sent_to)
    print(f"people={args.people} kills={args.kills} handed_to_backend={sum(sent_to.values())} "
          f"duplicates={duplicates} lost={lost} ledger_not_sent="
          f"{rows.exclude(status=OutboundEmail.Status.SENT).count()} seconds={elapsed:.1f}")  # fmt: skip
    return 0 if lost == 0 and duplicates <= args.kills else 1


if __name__ == "__main__":
    sys.exit(main())

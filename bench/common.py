"""Shared pieces of the benchmark: scratch databases, the environment of each step, statistics.

Every step that needs Django runs in its own process with its own DATABASE_URL, so one run can
measure several scratch databases (full history, a tenth of it, the peer's workload).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess  # nosec B404 - the benchmark starts our own tools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PYTHON = sys.executable
# The web server of both apps in the submission runs: the same gunicorn settings as production
# (threaded workers, ADR 0018), so the peer is served exactly as we are.
GUNICORN_WORKERS = ["--workers", "4", "--worker-class", "gthread", "--threads", "4"]


def database_url(name: str) -> str:
    return f"{PG.rstrip('/')}/{name}"


def database_recreate(name: str, *, template: str | None = None) -> None:
    """Drop and create a scratch database (names always start with the bench prefix), empty or
    as a copy of a migrated template (much faster than migrating again)."""
    import psycopg2

    assert name.startswith("relhealth_bench"), name  # never touch anything else
    conn = psycopg2.connect(database_url("postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        )
    conn.close()


def database_exists(name: str) -> bool:
    import psycopg2

    conn = psycopg2.connect(database_url("postgres"))
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def database_drop(name: str) -> None:
    import psycopg2

    assert name.startswith("relhealth_bench"), name
    conn = psycopg2.connect(database_url("postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def django_env(database: str) -> dict[str, str]:
    """Our app as it runs in production, on a scratch database, with the bench's own knobs."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="relhealth.settings.local",
        DJANGO_DEBUG="0",
        RELHEALTH_DEMO="0",
        DATABASE_URL=database_url(database),
        REDIS_URL=REDIS,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        # Invitations go out whenever the bench runs (not only in local working hours).
        RELHEALTH_WORKING_HOURS="0,24",
        RELHEALTH_WORKING_WEEKDAYS="0,1,2,3,4,5,6",
        # One client address sends every check-in of the load test; the per-link limit stays.
        RELHEALTH_CHECKIN_RATE_PER_IP="10000000/m",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(VAR / "outbox"),
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def run_step(module: str, *args: str, database: str, timeout: float) -> dict:
    """Run `python -m bench.<module>` against a database; its last stdout line is JSON."""
    started = time.perf_counter()
    done = subprocess.run(  # nosec B603 - our own interpreter and module
        [PYTHON, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=django_env(database),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.{module} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.setdefault("wall_s", round(time.perf_counter() - started, 2))
    return result


def manage(*args: str, database: str, timeout: float = 1800) -> float:
    """Run a manage.py command on a database; returns its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(  # nosec B603
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=django_env(database),
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
    )
    return round(time.perf_counter() - started, 2)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 7 runs is the slowest run)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "runs": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "min_ms": round(min(ms), 2),
    }


def emit(result: dict) -> None:
    """A step's answer to the orchestrator: one JSON line, last on stdout."""
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


def django_setup() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()


def older_writers_wait(*, since: float, timeout: float) -> dict:
    """Wait until no transaction that began before `since` (epoch seconds) and wrote anything is
    still open anywhere in the cluster, at most `timeout` seconds.

    The seed updates responses while their indexes are dropped (HOT updates), so PostgreSQL
    marks the rebuilt indexes usable only by transactions that start after every older writer
    has ended (pg_index.indcheckxmin). Until then each lookup by those indexes, foreign-key
    checks included, is a sequential scan: a test left idle in a transaction on a shared machine
    once made writing 37,500 answers at 10,000 people take over 8 minutes instead of seconds.
    """
    import psycopg2

    conn = psycopg2.connect(database_url("postgres"))
    conn.autocommit = True
    started = time.perf_counter()
    open_writers = -1
    try:
        while True:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL "
                    "AND xact_start < to_timestamp(%s) AND pid <> pg_backend_pid()",
                    [since],
                )
                open_writers = cursor.fetchone()[0]
            if open_writers == 0 or time.perf_counter() - started > timeout:
                break
            time.sleep(2)
    finally:
        conn.close()
    return {"waited_s": round(time.perf_counter() - started, 1), "still_open": open_writers}

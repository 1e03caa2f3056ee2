"""Readiness for `/readyz`: is the database reachable, is the broker? Cheap for any caller.

The endpoint is public (a load balancer asks it), so it must cost little whatever the services
do: the checks run in two threads of a small pool with short connect and socket timeouts, the
answers are kept in this process for `RELHEALTH_READY_CACHE_SECONDS` and refreshed in the
background, and a request waits for a check at most `READY_WAIT_SECONDS` (a check still running
then counts as unavailable). A flood of calls therefore starts at most one check of each kind at
a time, one round every few seconds per process.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from kombu import Connection

from dialect import database_ping

# How long a request waits for the checks, and the timeouts each check runs under (a check that
# outlives the wait finishes in its thread and its answer serves the next callers).
READY_WAIT_SECONDS = 0.05
# Until a check has answered once in this process (the web process starts them when it loads,
# so normally before the first probe), a caller waits a little longer for that first answer.
FIRST_WAIT_SECONDS = 1.0
CHECK_TIMEOUT_SECONDS = 0.5
CHECKS = ("database", "broker")

OK, UNAVAILABLE = "ok", "unavailable"


def _database_check() -> str:
    try:
        database_ping(timeout=CHECK_TIMEOUT_SECONDS)
        return OK
    except Exception:
        return UNAVAILABLE


def _broker_check() -> str:
    from relhealth.celery import app

    options = {
        **(app.conf.broker_transport_options or {}),
        # Read by kombu's Redis transport; the filesystem and memory transports ignore them.
        "socket_connect_timeout": CHECK_TIMEOUT_SECONDS,
        "socket_timeout": CHECK_TIMEOUT_SECONDS,
    }
    try:
        with Connection(
            app.conf.broker_url,
            connect_timeout=CHECK_TIMEOUT_SECONDS,
            transport_options=options,
        ) as conn:
            # No retries: one refused or timed-out attempt is the answer.
            conn.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT_SECONDS)
        return OK
    except Exception:
        return UNAVAILABLE


_RUN = {"database": _database_check, "broker": _broker_check}


_pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
_lock = threading.RLock()
# Each check's last answer and when it was given (time.monotonic), and the checks in flight.
_answers: dict[str, tuple[str, float]] = {}
_running: dict[str, Future[str]] = {}


def _remember(name: str, future: Future[str]) -> None:
    with _lock:
        _answers[name] = (future.result(), time.monotonic())
        _running.pop(name, None)


def _start(name: str) -> Future[str]:
    """The check in flight for `name`, started if none is (call with the lock held)."""
    future = _running.get(name)
    if future is None:
        future = _running[name] = _pool.submit(_RUN[name])
        # Runs here, under the lock we hold, when the check is already done (hence an RLock).
        future.add_done_callback(lambda f: _remember(name, f))
    return future


def readiness_warm() -> None:
    """Start the checks in the background (the web process does at start), so the first probe
    finds answers."""
    with _lock:
        for name in CHECKS:
            _start(name)


def readiness_get() -> dict[str, str]:
    """Each check's answer ("ok" or "unavailable"), from this process's memory.

    A fresh answer is used as it is. An older one is still used while its refresh runs in the
    background, for at most `CHECK_TIMEOUT_SECONDS` more (the longest a refresh can take unless
    the service hangs). Without a usable answer the caller waits `READY_WAIT_SECONDS` for the
    check (`FIRST_WAIT_SECONDS` before its very first answer); one still running then counts as
    unavailable.
    """
    now = time.monotonic()
    fresh_for = settings.RELHEALTH_READY_CACHE_SECONDS
    checks: dict[str, str] = {}
    waiting: dict[str, Future[str]] = {}
    with _lock:
        for name in CHECKS:
            answer = _answers.get(name)
            age = now - answer[1] if answer is not None else None
            if answer is not None and age is not None and age < fresh_for:
                checks[name] = answer[0]
                continue
            running = _start(name)  # at most one check of each kind at a time
            if answer is not None and age is not None and age < fresh_for + CHECK_TIMEOUT_SECONDS:
                checks[name] = answer[0]
            else:
                waiting[name] = running
    if waiting:
        first = any(name not in _answers for name in waiting)
        wait(waiting.values(), timeout=FIRST_WAIT_SECONDS if first else READY_WAIT_SECONDS)
    for name, future in waiting.items():
        checks[name] = future.result() if future.done() else UNAVAILABLE
    return {name: checks[name] for name in CHECKS}


def readiness_forget() -> None:
    """Drop the kept answers once the checks in flight are back (tests that take a service down
    and ask again)."""
    with _lock:
        running = list(_running.values())
    wait(running, timeout=2 * CHECK_TIMEOUT_SECONDS + 1)
    with _lock:
        _answers.clear()

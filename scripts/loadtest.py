"""Bounded load and fault harness: 200 employees check in through gunicorn and PostgreSQL.

`make loadtest` runs it (about three minutes on two cores). Everything it touches is its own: a
private PostgreSQL cluster on port 5440 (initdb into a temporary folder, so the machine's shared
server on 5432 is never restarted), a private redis-server on 6390, gunicorn on 8890, one Celery
worker and one beat, and a file mail backend in a temporary folder. All are stopped at the end.

Phases, one open round each (everyone answers once per round; some employees submit twice at
the same moment, as a double click would):
1. steady     - no fault.
2. redis      - Redis is stopped a moment into the phase and started again 8 s later. Check-ins
                must keep succeeding (they need neither Redis nor a worker, promise D2). A round
                opened during the outage queues its invitations in the ledger; they must go out
                after Redis returns (beat's sweep), each exactly once.
3. postgres   - PostgreSQL is killed (`pg_ctl stop -m immediate`, a crash) and started 4 s later.
                Requests meanwhile must fail fast with a clear 503; nothing half-stored; full
                service within 60 s of its return.
4. digest     - round 1 closes; its roll-ups, summaries and the managers' digests run on the
                worker, which is SIGKILLed while it sends the digests and then restarted; the
                sweep (as beat runs it once STALE_AFTER passed) finishes. No digest may be lost;
                duplicates are counted.
Every acknowledged check-in (302 to the thank-you page) is reconciled against PostgreSQL.
Results are printed as a table (the figures docs/reliability.md records).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = ROOT / ".venv" / "bin"
PG_PORT, REDIS_PORT, WEB_PORT = 5440, 6390, 8890
DB_NAME = "relhealth_ops_load"
TEAM_SIZE = 5
RETRY_FOR_SECONDS = 60.0


# --- The private services -------------------------------------------------------------------


def _as_postgres(args: list[str]) -> list[str]:
    """initdb refuses to run as root: run the cluster as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PrivatePostgres:
    def __init__(self, folder: Path) -> None:
        self.data = folder / "pgdata"
        self.socket_dir = folder

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres(["pg_ctl", "-D", str(self.data), *args]), check=True,  # noqa: S603
                       stdout=subprocess.DEVNULL)  # fmt: skip

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.socket_dir, "postgres")
        subprocess.run(  # noqa: S603
            _as_postgres(["initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust"]),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.start()
        subprocess.run(  # noqa: S603 - psql from PATH, like pg_ctl
            ["psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-qc",  # noqa: S607
             f'CREATE DATABASE "{DB_NAME}"'], check=True,
        )  # fmt: skip

    def start(self) -> None:
        # fsync off: the disk's durability is not under test (the machine is shared); a crash
        # of the server process (stop -m immediate) still goes through WAL recovery.
        options = (f"-p {PG_PORT} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200")  # fmt: skip
        self._ctl("-o", options, "-l", str(self.data.parent / "pg.log"), "-w", "start")

    def crash(self) -> None:
        self._ctl("-m", "immediate", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "fast", "stop")


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("ab")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=handle,  # noqa: S603
                            start_new_session=True)  # fmt: skip


def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)  # the process and its own children, nothing else
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_port(port: int, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


# --- The employees ---------------------------------------------------------------------------


@dataclass
class Attempt:
    token: str
    phase: str
    status: int  # 0: no HTTP answer (connection refused or reset)
    seconds: float
    started: float


@dataclass
class Results:
    attempts: list[Attempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)


FIELD = re.compile(r'name="(q\d+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HEADERS = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{WEB_PORT}"}


def _request(method: str, path: str, body: str = "", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers={**HEADERS, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read()
    finally:
        conn.close()


def employee_checks_in(token: str, phase: str, results: Results, twice: bool) -> None:
    """Open the link, answer every question, submit (twice at once for a double click).

    A 503 or a refused connection is retried after a short pause, as a person would, for at
    most RETRY_FOR_SECONDS; every attempt is recorded.
    """
    path = f"/c/{token}/"
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    form = None
    while form is None and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            status, cookie, body = _request("GET", path)
        except OSError:
            status, cookie, body = 0, "", b""
        if status == 200:
            page = body.decode()
            csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie)
            csrf_input = CSRF_INPUT.search(page)
            if csrf_cookie and csrf_input:
                answers = {name: str(random.randint(1, 5)) for name in set(FIELD.findall(page))}  # noqa: S311
                answers |= {"csrfmiddlewaretoken": html.unescape(csrf_input.group(1)),
                            "comment": "load test"}  # fmt: skip
                form = (urlencode(answers), csrf_cookie.group(1))
                break
        results.add(Attempt(token, f"{phase}:open", status, time.monotonic() - started, started))
        time.sleep(0.5)
    if form is None:
        return
    body, csrf = form
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
               "Origin": f"https://127.0.0.1:{WEB_PORT}"}  # fmt: skip

    def submit() -> int:
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                status = _request("POST", path, body, headers)[0]
            except OSError:
                status = 0
            results.add(Attempt(token, phase, status, time.monotonic() - started, started))
            if status not in (0, 503):
                return status
            time.sleep(0.5)
        return 0

    if twice:
        with ThreadPoolExecutor(2) as pair:
            list(pair.map(lambda _: submit(), range(2)))
    else:
        submit()


# --- The harness -----------------------------------------------------------------------------


def _environment(outbox: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "RELHEALTH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="relhealth.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB_NAME}",
        REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(outbox),
        RELHEALTH_BASE_URL=f"http://127.0.0.1:{WEB_PORT}",
        # Mail goes to a folder, links to this machine: production refuses that unless told.
        RELHEALTH_ALLOW_LOCAL_MAIL="true",
        RELHEALTH_WORKING_HOURS="0,24",
        RELHEALTH_WORKING_WEEKDAYS="0,1,2,3,4,5,6",
        RELHEALTH_TICK_SECONDS="5",
        # Every simulated employee comes from 127.0.0.1: the per-address limit would be an
        # office's NAT; the per-link limit stays as configured.
        RELHEALTH_CHECKIN_RATE_PER_IP="1000000/m",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def _emails(outbox: Path) -> list[tuple[str, str]]:
    """(recipient, subject) of every message the file backend wrote."""
    found = []
    for path in outbox.glob("*.log"):
        for chunk in path.read_text(errors="replace").split("-" * 79):
            to = re.search(r"^To: (.+)$", chunk, re.MULTILINE)
            subject = re.search(r"^Subject: (.+)$", chunk, re.MULTILINE)
            if to and subject:
                found.append((to.group(1).strip(), subject.group(1).strip()))
    return found


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] * 1000 if len(values) >= 20 else float("nan")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--double-share", type=float, default=0.15)
    parser.add_argument("--web-workers", type=int, default=4)
    # Threaded workers, as production runs them (Dockerfile, compose; ADR 0018).
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


class LoadTest:
    """One run: the private services, an organisation with a round per phase, the four phases,
    and the reconciliation of every acknowledged check-in against PostgreSQL."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.folder = Path(tempfile.mkdtemp(prefix="relhealth-loadtest-"))
        self.outbox = self.folder / "outbox"
        self.outbox.mkdir()
        self.env = _environment(self.outbox)
        os.environ.update(self.env)
        self.clock = time.monotonic()
        self.pg = PrivatePostgres(self.folder)
        self.processes: dict[str, subprocess.Popen | None] = {}
        self.report: dict[str, Any] = {}
        self.results = Results()
        self.rounds: dict[str, Any] = {}
        self.tokens: dict[str, list[str]] = {}

    def log(self, message: str) -> None:
        print(f"[{time.monotonic() - self.clock:6.1f}s] {message}", flush=True)

    # --- Services

    def redis_start(self) -> None:
        self.processes["redis"] = _spawn(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)], self.env, self.folder / "redis.log",
        )  # fmt: skip
        _wait_port(REDIS_PORT)

    def worker_start(self) -> None:
        self.processes["worker"] = _spawn(
            [str(VENV_BIN / "celery"), "-A", "relhealth", "worker", "-l", "WARNING",
             "--concurrency=1", "--without-gossip", "--without-mingle"], self.env,
            self.folder / "worker.log",
        )  # fmt: skip

    def services_start(self) -> None:
        """PostgreSQL and Redis, then Django set up against them."""
        self.pg.init()
        self.redis_start()
        self.log("private PostgreSQL on 5440 and Redis on 6390 are up")
        import django

        django.setup()

    def site_start(self) -> None:
        """gunicorn as production runs it, one worker and beat."""
        from django.db import connections

        connections.close_all()
        self.processes["web"] = _spawn(
            [str(VENV_BIN / "gunicorn"), "relhealth.wsgi:application", "--bind",
             f"127.0.0.1:{WEB_PORT}", "--workers", str(self.args.web_workers), "--worker-class",
             "gthread", "--threads", str(self.args.web_threads), "--timeout", "60",
             "--error-logfile", "-"], self.env, self.folder / "web.log",
        )  # fmt: skip
        self.worker_start()
        self.processes["beat"] = _spawn(
            [str(VENV_BIN / "celery"), "-A", "relhealth", "beat", "-l", "WARNING",
             "--schedule", str(self.folder / "beat-schedule")], self.env,
            self.folder / "beat.log",
        )  # fmt: skip
        _wait_port(WEB_PORT)

    def stop(self) -> None:
        for name in ("web", "worker", "beat", "redis"):
            _stop(self.processes.get(name))
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        self.pg.stop()
        if not self.args.keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    # --- The organisation

    def organisation_create(self) -> None:
        """Teams of TEAM_SIZE with a manager each, the default bank, and an open round (with
        every person's link) for each phase."""
        from django.contrib.auth.hashers import make_password
        from django.core.management import call_command

        from checkins import default_bank
        from checkins.models import Dimension, OutboundEmail, Question, QuestionVersion, Survey
        from checkins.services.rounds import round_open
        from checkins.services.tokens import participation_token
        from org.models import Person, Team
        from tests.factories import PASSWORD

        call_command("migrate", verbosity=0)
        # gunicorn serves what the manifest lists: a stale one would turn every page into a 500.
        call_command("collectstatic", "--noinput", verbosity=0)
        default_bank.install(
            Dimension=Dimension, Question=Question, QuestionVersion=QuestionVersion
        )
        root = Team.objects.create(name="Load Org")
        self.teams = [Team.objects.create(name=f"Team {t}", parent=root)
                      for t in range(self.args.people // TEAM_SIZE)]  # fmt: skip
        hashed = make_password(PASSWORD)  # one hash for everyone: setup, not the test
        self.people = Person.objects.bulk_create(
            [
                Person(email=f"p{t}-{i}@load.example", name=f"Load {t}-{i}", team=team,
                       password=hashed, time_zone="UTC",
                       role=Person.Role.MANAGER if i == 0 else Person.Role.EMPLOYEE)
                for t, team in enumerate(self.teams) for i in range(TEAM_SIZE)
            ]
        )  # fmt: skip
        for team, manager in zip(self.teams, self.people[::TEAM_SIZE], strict=True):
            team.managers.add(manager)
        self.bank = list(Question.objects.filter(is_active=True))
        for phase in ("steady", "redis", "postgres"):
            survey = Survey.objects.create(name=f"Pulse {phase}", questions_per_round=5)
            survey.questions.set(self.bank)
            self.rounds[phase] = round_open(survey=survey)  # no dispatch: see the next line
        # The harness measures check-ins, not 600 invitations: their ledger rows are set aside.
        OutboundEmail.objects.filter(round__in=self.rounds.values()).update(
            status=OutboundEmail.Status.SKIPPED
        )
        self.tokens = {
            phase: [participation_token(round_id=rnd.pk, person_id=p.pk) for p in self.people]
            for phase, rnd in self.rounds.items()
        }

    # --- The phases

    def probe(self) -> tuple[float, int]:
        """One request alone (an unknown link: a database lookup, then 404): ms, status."""
        from checkins.services.tokens import participation_token

        started = time.monotonic()
        try:
            status = _request("GET", f"/c/{participation_token(round_id=0, person_id=0)}/")[0]
        except OSError:
            status = 0
        return round((time.monotonic() - started) * 1000, 1), status

    def baseline_measure(self) -> None:
        self.probe()  # warm up each gunicorn worker's imports and connection
        baseline = sorted(self.probe()[0] for _ in range(20))
        self.report["single_request_ms"] = {"median": baseline[10], "max": baseline[-1]}

    def phase_run(self, phase: str, fault: Callable[[], None] | None = None) -> float:
        """Everyone checks in on the phase's round at once (some twice); `fault` meanwhile."""
        people = len(self.people)
        doubles = set(random.sample(range(people), int(people * self.args.double_share)))
        started = time.monotonic()
        with ThreadPoolExecutor(people) as pool:
            futures = [
                pool.submit(employee_checks_in, token, phase, self.results, i in doubles)
                for i, token in enumerate(self.tokens[phase])
            ]
            if fault:
                fault()
            for future in futures:
                future.result()
        return time.monotonic() - started

    def steady_phase(self) -> None:
        seconds = self.phase_run("steady")
        self.log(f"steady: done in {seconds:.1f}s")

    def redis_phase(self) -> None:
        """Stop Redis a moment into the phase and open a round while it is down; its
        invitations must all go out once, after Redis returns."""
        from django.db import connections

        from checkins.models import OutboundEmail, Survey
        from checkins.services.rounds import round_open
        from checkins.tasks import round_invitations_queue
        from org.models import Person

        fault_report: dict[str, Any] = {}

        def redis_outage() -> None:
            time.sleep(1.0)
            _stop(self.processes["redis"], signal.SIGKILL)
            fault_report["redis_down_at"] = time.monotonic()
            self.log("redis: SIGKILLed")
            survey = Survey.objects.create(name="Pulse opened in the outage", questions_per_round=3)
            survey.questions.set(self.bank)
            survey.audience.set(self.teams[:8])
            # As HR's "start a round now" does it: the enqueue after commit meets a dead broker.
            queued: list[bool] = []
            rnd = round_open(
                survey=survey, on_emails=lambda pk: queued.append(round_invitations_queue(pk))
            )
            fault_report["enqueue"] = "queued" if all(queued) else "broker down; rows wait"
            fault_report["outage_round"] = rnd.pk
            connections.close_all()
            time.sleep(max(0.0, 8.0 - (time.monotonic() - fault_report["redis_down_at"])))
            self.redis_start()
            fault_report["redis_up_at"] = time.monotonic()
            self.log("redis: started again")

        seconds = self.phase_run("redis", redis_outage)
        self.log(f"redis: check-ins done in {seconds:.1f}s; round opened in the outage: "
                 f"{fault_report['enqueue']}")  # fmt: skip
        invitations = OutboundEmail.objects.filter(
            round_id=fault_report["outage_round"], kind=OutboundEmail.Kind.INVITATION
        )
        # Beat's sweep leaves rows alone for LEFT_BEHIND_AFTER (2 minutes: their own dispatch may
        # be on its way), then hands them to the worker. Run that sweep now, fast-forwarded,
        # through the restarted Redis and the real worker, instead of waiting two minutes.
        self.sweep_until_sent(invitations, ahead=_left_behind_after(), seconds=60, every=2)
        invited = {p.email for p in Person.objects.filter(team__in=self.teams[:8])}
        sent = Counter(to for to, subject in _emails(self.outbox) if to in invited)
        fault_report["invitations"] = invitations.count()
        fault_report["invitations_sent"] = len(sent)
        fault_report["invitation_duplicates"] = sum(c - 1 for c in sent.values() if c > 1)
        fault_report["invitations_out_after_s"] = round(
            time.monotonic() - fault_report["redis_up_at"], 1
        )
        self.log(f"redis: {len(sent)}/{invitations.count()} invitations of the outage round sent")
        self.report["redis"] = dict(fault_report)

    def postgres_phase(self) -> None:
        """Crash PostgreSQL a moment into the phase and start it 4 s later."""
        from django.db import connections

        pg_report: dict[str, Any] = {}

        def postgres_outage() -> None:
            time.sleep(1.0)
            self.pg.crash()
            pg_report["down_at"] = time.monotonic()
            self.log("postgres: killed (immediate stop)")
            time.sleep(1.0)
            pg_report["probe_during_outage_ms_status"] = self.probe()
            time.sleep(3.0)
            self.pg.start()
            pg_report["up_at"] = time.monotonic()
            self.log("postgres: started again")

        connections.close_all()
        seconds = self.phase_run("postgres", postgres_outage)
        connections.close_all()
        self.log(f"postgres: check-ins done in {seconds:.1f}s")
        self.report["postgres"] = pg_report

    def digest_phase(self) -> None:
        """Close the steady round; SIGKILL the worker while it sends the digests."""
        from checkins.models import OutboundEmail
        from checkins.services.emails import STALE_AFTER
        from checkins.services.rounds import round_close
        from culture.tasks import round_rollup_compute
        from org.models import Person

        steady = self.rounds["steady"]
        round_close(round=steady)
        round_rollup_compute.delay(steady.pk)
        digests = OutboundEmail.objects.filter(round=steady, kind=OutboundEmail.Kind.DIGEST)
        deadline = time.monotonic() + 90
        while not digests.filter(status=OutboundEmail.Status.SENT).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("no digest was sent within 90 s")
            time.sleep(0.05)
        time.sleep(random.uniform(0.05, 0.4))  # noqa: S311 - kill timing
        _stop(self.processes["worker"], signal.SIGKILL)
        status_at_kill = Counter(digests.values_list("status", flat=True))
        self.log(f"digest: worker SIGKILLed with {dict(status_at_kill)}")
        self.worker_start()
        # What the killed worker held: the sweep as beat runs it once STALE_AFTER passed.
        self.sweep_until_sent(
            digests, ahead=STALE_AFTER + dt.timedelta(minutes=1), seconds=90, every=3
        )
        managers = {p.email for p in Person.objects.filter(managed_teams__isnull=False)}
        digest_mail = Counter(
            to for to, subject in _emails(self.outbox) if to in managers and "summary" in subject
        )
        self.report["digest"] = {
            "rows": digests.count(),
            "at_kill": dict(status_at_kill),
            "sent_rows": digests.filter(status=OutboundEmail.Status.SENT).count(),
            "delivered": len(digest_mail),
            "lost": digests.count() - len(digest_mail),
            "duplicates": sum(c - 1 for c in digest_mail.values() if c > 1),
        }
        self.log(f"digest: {self.report['digest']}")

    def sweep_until_sent(
        self, rows: Any, *, ahead: dt.timedelta, seconds: float, every: float
    ) -> None:
        """Run beat's sweep, fast-forwarded by `ahead`, until every ledger row of `rows` is sent
        (or `seconds` pass): the restarted worker sends what it is handed."""
        from django.utils import timezone

        from checkins.models import OutboundEmail
        from checkins.services.emails import emails_sweep
        from checkins.tasks import emails_send

        deadline = time.monotonic() + seconds
        while rows.exclude(status=OutboundEmail.Status.SENT).exists():
            if time.monotonic() > deadline:
                return
            ids = emails_sweep(now=timezone.now() + ahead)
            if ids:
                emails_send.delay(ids)
            time.sleep(every)

    # --- The reconciliation

    def phase_reconcile(self, phase: str, rnd: Any) -> dict[str, Any]:
        """One phase's row: every acknowledged check-in against what PostgreSQL holds."""
        from checkins.models import Participation, Response
        from checkins.services.tokens import token_hash

        posts = [a for a in self.results.attempts if a.phase == phase]
        opens = [a for a in self.results.attempts if a.phase == f"{phase}:open"]
        acked = Counter(a.token for a in posts if a.status == 302)
        responded = set(
            Participation.objects.filter(round=rnd, responded=True).values_list(
                "token_hash", flat=True
            )
        )
        stored = Response.objects.filter(round=rnd).count()
        five03 = [a for a in posts + opens if a.status == 503]
        ok = [a for a in posts if 200 <= a.status < 400]
        row: dict[str, Any] = {
            "requests": len(posts) + len(opens),
            "successes": len(ok) + sum(1 for a in opens if a.status == 200),
            "acked": sum(acked.values()),
            # People whose check-in was never acknowledged, retries and all: none may be left.
            "unanswered": len(self.tokens[phase]) - len(acked),
            "stored": stored,
            "lost": sum(1 for token in acked if token_hash(token) not in responded),
            "duplicated": max(0, stored - len(responded)) + sum(c - 1 for c in acked.values()),
            # Half-stored: a response without its answers (the transaction is all or nothing).
            "partial": Response.objects.filter(round=rnd, answers__isnull=True).count(),
            "503": len(five03),
            "refused": sum(1 for a in posts + opens if a.status == 0),
            "p95_ms": round(_p95([a.seconds for a in ok]), 1),
            "max_503_ms": round(max((a.seconds for a in five03), default=0) * 1000, 1),
            "p95_503_ms": round(_p95([a.seconds for a in five03]), 1),
            "double_refused": sum(1 for a in posts if a.status == 200),
        }
        pg_report = self.report["postgres"]
        if phase == "postgres" and "up_at" in pg_report:
            after = [a.started + a.seconds for a in posts
                     if a.status == 302 and a.started >= pg_report["up_at"]]  # fmt: skip
            row["first_success_after_restart_s"] = round(
                (min(after) - pg_report["up_at"]) if after else float("nan"), 1
            )
            during = [a for a in posts + opens
                      if pg_report["down_at"] <= a.started <= pg_report["up_at"]]  # fmt: skip
            row["statuses_during_outage"] = dict(Counter(a.status for a in during))
        if phase == "redis":
            down, up = self.report["redis"]["redis_down_at"], self.report["redis"]["redis_up_at"]
            during = [a for a in posts if down <= a.started <= up]
            row["statuses_during_outage"] = dict(Counter(a.status for a in during))
        return row

    def reconcile(self) -> None:
        """Every phase's row, before the digest phase closes the steady round (closing rewrites
        its participations, so they no longer say who answered)."""
        for phase, rnd in self.rounds.items():
            self.report[f"{phase}_checkins"] = self.phase_reconcile(phase, rnd)

    def verdict(self) -> int:
        """Print the table and the report; 1 when anything was lost, doubled or half-stored."""
        print("\nphase     requests  2xx/3xx  acked  stored  lost  duplicated  partial  503s  "
              "refused  p95 ms  max 503 ms")  # fmt: skip
        for phase in self.rounds:
            row = self.report[f"{phase}_checkins"]
            print(f"{phase:9} {row['requests']:8} {row['successes']:8} {row['acked']:6} "
                  f"{row['stored']:7} {row['lost']:5} {row['duplicated']:11} {row['partial']:8} "
                  f"{row['503']:5} {row['refused']:8} {row['p95_ms']:7} "
                  f"{row['max_503_ms']:11}")  # fmt: skip
        self.report["load_average_1_5_15"] = tuple(round(x, 2) for x in os.getloadavg())
        print()
        for key, value in self.report.items():
            print(f"{key}: {value}")
        total = f"\ntotal {time.monotonic() - self.clock:.0f}s"
        print(f"{total}; logs in {self.folder}" if self.args.keep else total)
        failures = [
            phase for phase in self.rounds
            if any(
                self.report[f"{phase}_checkins"][key]
                for key in ("lost", "duplicated", "partial", "unanswered")
            )
        ]  # fmt: skip
        if self.report["digest"]["lost"]:
            failures.append("digest")
        if self.report["redis"]["invitations_sent"] != self.report["redis"]["invitations"]:
            failures.append("redis invitations")
        print(
            "FAILED: " + ", ".join(failures)
            if failures
            else "OK: everyone checked in; nothing lost or doubled"
        )
        return 1 if failures else 0


def _left_behind_after() -> dt.timedelta:
    from checkins.services.emails import LEFT_BEHIND_AFTER

    return LEFT_BEHIND_AFTER + dt.timedelta(seconds=5)


def main() -> int:
    args = _arguments()
    random.seed(args.seed)
    run = LoadTest(args)
    try:
        run.services_start()
        run.organisation_create()
        run.site_start()
        run.log(
            f"set up {len(run.people)} people in {len(run.teams)} teams; "
            "gunicorn, worker and beat up"
        )
        run.baseline_measure()
        run.steady_phase()
        run.redis_phase()
        run.postgres_phase()
        run.reconcile()
        run.digest_phase()
        return run.verdict()
    finally:
        run.stop()


if __name__ == "__main__":
    sys.exit(main())

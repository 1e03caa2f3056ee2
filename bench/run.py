"""`make bench`: seed scratch PostgreSQL databases, measure, print a table and write JSON.

Steps (each in its own process so each can point at its own scratch database):
seed 10,000 people x 104 weeks (and the same people with a tenth of the history), time the team
page and the HR heatmap in-process, open a round and send its invitations through a real Celery
worker, post check-ins to gunicorn on 127.0.0.1 with a bounded client, close and summarise the
round through the worker, read the web workers' peak memory, measure the check-in page under a
sign-in spray (bench/spray.py), then build the peer's workload for both the peer (in its own
virtualenv) and us, and time results pages and the raw SQL floor; import 100,000 people from CSV
(checked, then applied, as the HR screen's job does) and upsert 10,000 through the API, on a
scratch database of their own.
Nothing is asserted: targets are compared and printed; a step that cannot finish says so.

`--growth` instead measures how the pages and the close grow with the organisation: for each of
10,000, 30,000 and 100,000 people (26 weeks of history each), a fresh seed, the team page and the
HR heatmap (cached and uncached), then a round answered by three in four and closed, rolled up
and summarised through a real worker, all in one table.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess  # nosec B404
import sys
import time
import traceback
import urllib.request
from pathlib import Path

from bench.common import (
    GUNICORN_WORKERS,
    PYTHON,
    ROOT,
    VAR,
    database_drop,
    database_exists,
    database_recreate,
    django_env,
    manage,
    older_writers_wait,
    run_step,
)
from bench.report import growth_rows, report_print, targets_check
from bench.spray import spray_run

FULL = {"people": 10000, "weeks": 104, "requests": 3000, "peer_sizes": [1000, 10000, 100000],
        "import_people": 100000, "import_api": 10000}  # fmt: skip
QUICK = {"people": 120, "weeks": 4, "requests": 100, "peer_sizes": [1000],
         "import_people": 1000, "import_api": 200}  # fmt: skip
GROWTH = {"sizes": [10000, 30000, 100000], "weeks": 26}
GROWTH_QUICK = {"sizes": [60, 150], "weeks": 2}


def _machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    commit = subprocess.run(  # nosec B603 B607
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(  # nosec B603 B607
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "commit": commit + ("-dirty" if dirty else ""),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(command: list[str], *, database: str, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(  # nosec B603
        command, cwd=ROOT, env=django_env(database), stdout=handle, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for_log(log: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{log.name}: no '{text}' after {timeout} s")


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url, timeout=2) as response,  # nosec B310 - 127.0.0.1
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not answering after {timeout} s")


def _peak_rss_mb(master: int) -> dict:
    """VmHWM (peak resident set) of each gunicorn worker, the children of the master."""
    children = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children += (task / "children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return {"workers": len(peaks), "peak_rss_mb": round(max(peaks), 1) if peaks else None}


# The target at 100,000 responses is the peer >= 1,000x slower than our page. A peer run stopped
# at a limit still proves "at least limit / ours", so the limit is set to prove twice the target
# on our measured page (never above the default, never below half a minute) instead of waiting
# two minutes for a run that is stopped anyway.
PEER_PROOF = 2 * 1000
PEER_LIMIT_MIN_S = 30.0


def peer_limits(results: dict, sizes: list[int]) -> dict[int, float]:
    """Per peer size, the time limit of its results view, where our page time allows a lower
    one (the largest size only: the smaller ones finish and are measured, not bounded)."""
    largest = max(sizes)
    ours = (results.get("ours_same_workload") or {}).get("sizes", {}).get(str(largest), {})
    page_ms = (ours.get("team_page") or {}).get("median_ms")
    if not page_ms:
        return {}
    return {largest: max(PEER_LIMIT_MIN_S, page_ms * PEER_PROOF / 1000)}


def _step(results: dict, name: str, action) -> None:
    """Run one measurement; a failure is recorded as such and the run goes on."""
    started = time.perf_counter()
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    try:
        results[name] = action()
    except Exception as error:  # report every failure, measure the rest
        traceback.print_exc()
        results[name] = {"error": f"{type(error).__name__}: {str(error)[-600:]}"}
    print(f"bench: {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def bench_run(*, quick: bool, peer: bool, prefix: str, keep: bool, out: Path) -> dict:
    size = QUICK if quick else FULL
    VAR.mkdir(parents=True, exist_ok=True)
    (VAR / "outbox").mkdir(exist_ok=True)
    full, tenth = f"{prefix}_full", f"{prefix}_tenth"
    same, peer_db, template = f"{prefix}_same", f"{prefix}_peer", f"{prefix}_migrated"
    imports = f"{prefix}_import"
    results: dict = {"mode": "quick" if quick else "full", "machine": _machine(), "sizes": size}
    started = time.perf_counter()
    worker = web = None
    tenth_weeks = max(1, size["weeks"] // 10)

    def seed(database: str, weeks: int) -> dict:
        database_recreate(database, template=template)
        timings = VAR / f"seed-{database}.json"
        timings.unlink(missing_ok=True)
        seed_s = manage(
            "seed_demo", "--people", str(size["people"]), "--weeks", str(weeks),
            "--timings", str(timings), database=database,
        )  # fmt: skip
        phases = json.loads(timings.read_text())
        return {
            "people": size["people"], "weeks": weeks, "seed_s": seed_s,
            "responses": phases["responses"], "phases": phases["phases"],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }  # fmt: skip

    try:
        # Migrate once; every scratch database of ours starts as a copy of this one.
        database_recreate(template)
        results["migrate_s"] = manage("migrate", "--noinput", database=template)
        _step(results, "seed", lambda: seed(full, size["weeks"]))
        _step(results, "seed_tenth", lambda: seed(tenth, tenth_weeks))
        runs = ["--runs", "9", "--warmup", "2", "--budget", "60" if not quick else "20"]
        _step(results, "pages", lambda: run_step("pages", *runs, database=full, timeout=900))
        _step(results, "pages_tenth", lambda: run_step("pages", *runs, database=tenth, timeout=900))
        _step(results, "themes", lambda: run_step("jobs", "themes", database=full, timeout=900))
        worker = _worker_start(full, VAR / "worker.log")
        _step(
            results,
            "invitations",
            lambda: run_step("jobs", "open", "--timeout", "240", database=full, timeout=400),
        )
        port = _free_port()
        web = _start(
            [str(Path(PYTHON).parent / "gunicorn"), "relhealth.wsgi:application",
             "--bind", f"127.0.0.1:{port}", *GUNICORN_WORKERS, "--log-level", "warning"],
            database=full, log=VAR / "gunicorn.log",
        )  # fmt: skip
        _wait_http(f"http://127.0.0.1:{port}/healthz", 60)
        load = [
            "--base", f"http://127.0.0.1:{port}", "--requests", str(size["requests"]),
            "--concurrency", "8", "--max-seconds", "60",
        ]  # fmt: skip
        _step(results, "submissions", lambda: run_step("load", *load, database=full, timeout=300))
        _step(results, "web_memory", lambda: _peak_rss_mb(web.pid))
        _stop(web)
        web = None
        _step(
            results,
            "close_and_summarise",
            lambda: run_step("jobs", "close", "--timeout", "150", database=full, timeout=300),
        )
        _stop(worker)
        worker = None
        # Sign-in under a password spray (its own scratch database and gunicorn, bench.spray).
        _step(
            results,
            "signin_spray",
            lambda: spray_run(
                database=f"{prefix}_spray", clients=8, idle_s=5 if quick else 15,
                spray_s=5 if quick else 15, n_rounds=1 if quick else 3, limits=True, keep=keep,
            ),
        )  # fmt: skip
        if not keep:
            database_drop(tenth)
        sizes = ",".join(map(str, size["peer_sizes"]))

        def ours_same() -> dict:
            database_recreate(same, template=template)
            return run_step("workload", "--sizes", sizes, database=same, timeout=900)

        _step(results, "ours_same_workload", ours_same)

        def people_import() -> dict:
            database_recreate(imports, template=template)
            sizes = ["--people", str(size["import_people"]), "--api", str(size["import_api"])]
            return run_step("people_import", *sizes, database=imports, timeout=1200)

        _step(results, "people_import", people_import)
        if not keep:
            database_drop(imports)
        if peer:
            from bench.peer import peer_measure

            _step(
                results,
                "peer",
                lambda: peer_measure(
                    database=peer_db,
                    sizes=size["peer_sizes"],
                    limit_s=60 if quick else 120,
                    limits_s=peer_limits(results, size["peer_sizes"]),
                    requests=size["requests"],
                ),
            )
        else:
            results["peer"] = {"skipped": "--no-peer"}
    finally:
        _stop(web)
        _stop(worker)
        if not keep:
            _databases_drop([full, tenth, same, peer_db, imports, template])
    return _results_finish(results, started=started, targets=targets_check, out=out)


def _databases_drop(databases: list[str]) -> None:
    """Drop the run's scratch databases, whatever state an interrupted run left them in."""
    for database in databases:
        with contextlib.suppress(Exception):
            database_drop(database)


def _results_write(results: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")


def _results_finish(results: dict, *, started: float, targets, out: Path) -> dict:
    """Stamp the run's length and the load at its end, judge it against `targets`, write the
    JSON and print the report."""
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = targets(results)
    _results_write(results, out)
    report_print(results)
    print(f"\nJSON: {out}")
    return results


def _worker_start(database: str, log: Path) -> subprocess.Popen:
    """A real Celery worker on the bench's own Redis database, its queue emptied first."""
    # `python -m celery`, so this checkout's code comes first on the path (the console script
    # would import an editable install of another checkout sharing the virtualenv).
    celery = [PYTHON, "-m", "celery"]
    subprocess.run(  # nosec B603
        [*celery, "-A", "relhealth", "purge", "-f"],
        cwd=ROOT, env=django_env(database), check=False, capture_output=True,
    )  # fmt: skip
    worker = _start(
        [*celery, "-A", "relhealth", "worker", "--concurrency", "2", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        database=database, log=log,
    )  # fmt: skip
    _wait_for_log(log, "ready.", 60)
    return worker


def growth_run(*, quick: bool, sizes: list[int], weeks: int, prefix: str, keep: bool,
               out: Path, reuse: bool = False) -> dict:  # fmt: skip
    """One scratch database per size, in turn (only one exists at a time unless --keep-dbs)."""
    VAR.mkdir(parents=True, exist_ok=True)
    template = f"{prefix}_migrated"
    results: dict = {"mode": "growth" + (" quick" if quick else ""), "machine": _machine(),
                     "growth": {"weeks": weeks, "sizes": {}}}  # fmt: skip
    started = time.perf_counter()
    databases = [template]
    try:
        if not (reuse and database_exists(template)):
            database_recreate(template)
            results["migrate_s"] = manage("migrate", "--noinput", database=template)
        for people in sizes:
            database = f"{prefix}_growth_{people}"
            databases.append(database)
            entry: dict = {"people": people}
            results["growth"]["sizes"][str(people)] = entry
            _growth_size(entry, database=database, template=template, weeks=weeks, quick=quick,
                         reuse=reuse)  # fmt: skip
            # What is measured so far, should a later (larger) size not finish.
            _results_write(results, out)
            if not keep:
                database_drop(database)
    finally:
        if not keep:
            _databases_drop(databases)
    return _results_finish(results, started=started, targets=growth_rows, out=out)


def _growth_size(
    entry: dict, *, database: str, template: str, weeks: int, quick: bool, reuse: bool
) -> None:
    people = entry["people"]

    seed_started = time.time()

    def seed() -> dict:
        database_recreate(database, template=template)
        timings = VAR / f"seed-{database}.json"
        timings.unlink(missing_ok=True)
        seed_s = manage(
            "seed_demo", "--people", str(people), "--weeks", str(weeks),
            "--timings", str(timings), database=database, timeout=3600,
        )  # fmt: skip
        phases = json.loads(timings.read_text())
        return {"seed_s": seed_s, "responses": phases["responses"], "phases": phases["phases"]}

    timings = VAR / f"seed-{database}.json"
    if reuse and database_exists(database) and timings.exists():
        # Measure again on the database a previous --keep-dbs run seeded (its seed's figures).
        phases = json.loads(timings.read_text())
        entry["seed"] = {"seed_s": phases["seconds"], "responses": phases["responses"],
                         "phases": phases["phases"], "reused": True}  # fmt: skip
    else:
        _step(entry, "seed", seed)
    if "error" in entry["seed"]:
        return
    # Measure only once the seed's rebuilt indexes are usable (see older_writers_wait).
    reused = entry["seed"].get("reused", False)
    entry["older_writers"] = older_writers_wait(
        since=seed_started, timeout=0 if quick or reused else 300
    )
    # Fewer runs than the standard pages step: the uncached heatmap at 100,000 people takes
    # seconds, and three runs of a page are enough to see how it grows.
    runs = ["--runs", "5", "--warmup", "1", "--budget", "20" if quick else "60"]
    _step(entry, "pages", lambda: run_step("pages", *runs, database=database, timeout=1800))
    worker = None
    try:
        worker = _worker_start(database, VAR / f"worker-growth-{people}.log")
        _step(
            entry,
            "answered",
            lambda: run_step("jobs", "answered", database=database, timeout=1800),
        )
        _step(
            entry,
            "close_and_summarise",
            lambda: run_step("jobs", "close", "--timeout", "900", database=database, timeout=1200),
        )
    finally:
        _stop(worker)


def main() -> None:
    parser = argparse.ArgumentParser(description="Relhealth benchmark (make bench)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--no-peer", action="store_true", help="skip django-survey-and-report")
    parser.add_argument("--db-prefix", default="relhealth_bench")
    parser.add_argument("--keep-dbs", action="store_true", help="keep the scratch databases")
    parser.add_argument("--json", type=Path, default=VAR / "results.json")
    parser.add_argument(
        "--growth", action="store_true",
        help="instead: the pages and the close at 10,000, 30,000 and 100,000 people",
    )  # fmt: skip
    parser.add_argument("--growth-sizes", help="comma-separated people per step of --growth")
    parser.add_argument("--growth-weeks", type=int, help="weeks of history per step (26)")
    parser.add_argument(
        "--reuse-dbs", action="store_true",
        help="--growth: measure again on the databases a --keep-dbs run seeded",
    )  # fmt: skip
    args = parser.parse_args()
    assert args.db_prefix.startswith("relhealth_bench")
    if args.growth:
        plan = GROWTH_QUICK if args.quick else GROWTH
        sizes = [int(n) for n in args.growth_sizes.split(",")] if args.growth_sizes else None
        growth_run(
            quick=args.quick, sizes=sizes or plan["sizes"],
            weeks=args.growth_weeks if args.growth_weeks is not None else plan["weeks"],
            prefix=args.db_prefix, keep=args.keep_dbs, out=args.json, reuse=args.reuse_dbs,
        )  # fmt: skip
        return
    bench_run(
        quick=args.quick, peer=not args.no_peer, prefix=args.db_prefix, keep=args.keep_dbs,
        out=args.json,
    )  # fmt: skip


if __name__ == "__main__":
    main()

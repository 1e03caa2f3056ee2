"""The peer, django-survey-and-report, installed into its own virtualenv and timed on the same
workload: one survey of 10 five-point questions and one text question per size.

The peer's results view is its CSV export (`/survey/csv/<id>/`), which it regenerates whenever an
answer is newer than the file; the bench deletes the file before each run so every run is the
regeneration a user gets after new answers. A run that exceeds its time limit is reported as a
lower bound ("> N s"), never as a figure.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess  # nosec B404
import time

from bench.common import GUNICORN_WORKERS, ROOT, VAR, database_recreate, database_url

# django-survey-and-report 1.5.0 declares Django >= 2.2, < 7; we pin the Django we run (5.2 LTS).
PEER_REQUIREMENTS = [
    "django-survey-and-report==1.5.0",
    "Django>=5.2,<5.3",
    "psycopg2-binary>=2.9,<3",
    "gunicorn>=23,<28",  # to time the peer's own form under the same server as ours
]
VENV = VAR / "peer-venv"
SITE = ROOT / "bench" / "peer_site"


def _python() -> str:
    return str(VENV / "bin" / "python")


def peer_install() -> dict:
    """Create the peer's virtualenv once; later runs reuse it."""
    started = time.perf_counter()
    marker = VENV / ".installed"
    wanted = "\n".join(PEER_REQUIREMENTS)
    if not marker.exists() or marker.read_text() != wanted:
        subprocess.run(["python3", "-m", "venv", "--clear", str(VENV)], check=True)  # nosec
        subprocess.run(  # nosec B603
            [_python(), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS],
            check=True,
            timeout=600,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        marker.write_text(wanted)
    version = subprocess.run(  # nosec B603
        [_python(), "-c", "import importlib.metadata as m; "
         "print(m.version('django-survey-and-report'), m.version('Django'))"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    return {
        "package": "django-survey-and-report",
        "version": version[0],
        "django": version[1],
        "install_s": round(time.perf_counter() - started, 1),
    }


def _peer(database: str, *args: str, timeout: float) -> dict:
    done = subprocess.run(  # nosec B603
        [_python(), str(SITE / "peer_work.py"), *args],
        cwd=SITE, env=_peer_env(database), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"peer {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peer_env(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PEER_DATABASE_URL=database_url(database),
        PEER_CSV_DIRECTORY=str(VAR / "peer-csv"),
        DJANGO_SETTINGS_MODULE="peer_settings",
    )
    env.pop("DATABASE_URL", None)
    return env


def peer_submissions(*, database: str, survey: str, requests: int) -> dict:
    """The peer's form posted under gunicorn (the same workers and threads as ours), then the
    reconciliation."""
    from bench.peer_load import peer_post
    from bench.run import _free_port, _stop, _wait_http

    before = _peer(database, "count", "--survey", survey, timeout=120)["responses"]
    port = _free_port()
    log = (VAR / "peer-gunicorn.log").open("w")
    web = subprocess.Popen(  # nosec B603
        [str(VENV / "bin" / "gunicorn"), "peer_urls_wsgi:application", "--bind",
         f"127.0.0.1:{port}", *GUNICORN_WORKERS, "--log-level", "warning"],
        cwd=SITE, env=_peer_env(database), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_http(f"http://127.0.0.1:{port}/survey/{survey}/", 60)
        result = peer_post(
            base=f"http://127.0.0.1:{port}", path=f"/survey/{survey}/", requests=requests,
            concurrency=8, max_seconds=60,
        )  # fmt: skip
    finally:
        _stop(web)
    stored = _peer(database, "count", "--survey", survey, timeout=120)["responses"] - before
    result.update(stored=stored, reconciled=stored == result["successful"])
    return result


def peer_measure(
    *,
    database: str,
    sizes: list[int],
    limit_s: float,
    requests: int = 0,
    limits_s: dict[int, float] | None = None,
) -> dict:
    """Build the peer's workload and time its results view and the raw SQL floor per size.

    `limit_s` bounds each results run; `limits_s` may lower it for a size (the bench lowers the
    largest one to what still proves the target on our measured page)."""
    out: dict = {"install": peer_install()}
    database_recreate(database)
    env = dict(
        os.environ, PEER_DATABASE_URL=database_url(database), DJANGO_SETTINGS_MODULE="peer_settings"
    )
    subprocess.run(  # nosec B603
        [_python(), "-c", "import sys, django; sys.path.insert(0, '.'); django.setup(); "
         "from django.core.management import call_command; call_command('migrate', verbosity=0)"],
        cwd=SITE, env=env, check=True, timeout=300,
    )  # fmt: skip
    started = time.perf_counter()
    surveys = _peer(database, "build", "--sizes", ",".join(map(str, sizes)), timeout=900)["surveys"]
    out["build_s"] = round(time.perf_counter() - started, 1)
    per_size = {}
    for size in sizes:
        survey = str(surveys[str(size)])
        floor = _peer(database, "floor", "--survey", survey, "--runs", "7", timeout=300)
        entry: dict = {
            "floor_sql_median_ms": round(statistics.median(floor["times_s"]) * 1000, 2),
        }
        # About 3.4 ms per response on this machine: a small survey runs twice, a large one
        # once, within the limit.
        runs = 2 if size <= 1000 else 1
        limit = min(limit_s, (limits_s or {}).get(size, limit_s))
        entry["limit_s"] = round(limit, 1)
        try:
            result = _peer(
                database, "results", "--survey", survey, "--runs", str(runs),
                *(["--count-queries"] if size <= 1000 else []), timeout=limit,
            )  # fmt: skip
            entry.update(
                results_median_ms=round(statistics.median(result["times_s"]) * 1000, 1),
                results_runs=len(result["times_s"]),
                results_queries=result["queries"],
                results_bytes=result["bytes"],
                finished=True,
            )
        except subprocess.TimeoutExpired:
            entry.update(
                results_median_ms=None,
                results_lower_bound_ms=round(limit * 1000),
                finished=False,
                note=f"stopped after {limit:.0f} s: the export takes longer than that"
                + (
                    f" (limit lowered from {limit_s:.0f} s to what proves the target on our page)"
                    if limit < limit_s
                    else ""
                ),
            )
        per_size[str(size)] = entry
    out["sizes"] = per_size
    if not requests:
        out["submissions"] = {"skipped": "no requests asked for"}
        return out
    try:
        out["submissions"] = peer_submissions(
            database=database, survey=str(surveys[str(sizes[0])]), requests=requests
        )
    except Exception as error:  # the comparison goes on without it, and says why
        out["submissions"] = {"error": f"{type(error).__name__}: {str(error)[-400:]}"}
    return out

"""Sign-in under a password spray: does the check-in page stay fast? (ADR 0024)

`make bench-spray` (or `python -m bench.spray`) starts gunicorn as production runs it (the bench's
threaded workers, DEBUG off, the real password hasher, django-axes on) on a scratch database with
a small demo organisation and an open round. It measures the check-in page (GET of a real link,
one client, back to back) while idle, then while `--clients` clients post sign-ins as fast as
they are answered, each attempt from a new address behind one trusted proxy (many machines: the
per-address limit cannot help, the overall one must). It prints and writes as JSON both medians,
their ratio (target <= 2) and how many spray attempts were hashed (the form came back: 200) or
refused before hashing (429, by reason).

`--no-limits` lifts the sign-in limits (django-axes stays), which shows what they prevent.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import re
import signal
import subprocess  # nosec B404 - the benchmark starts our own tools
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.common import (
    GUNICORN_WORKERS,
    PYTHON,
    ROOT,
    VAR,
    database_drop,
    database_recreate,
    django_env,
    django_setup,
    emit,
    manage,
    run_step,
    summary_ms,
)

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Words of each refusal page (org/signin_limited.html, org/locked_out.html), in English.
REFUSALS = {
    "network address": "per_address",
    "accepts right now": "overall",
    "wrong passwords for this account recently": "per_username",
    "paused for 15 minutes": "axes",
}
UNLIMITED = "100000000/m"


def links_step() -> None:
    """In the scratch database: open a round for everyone and emit its first links."""
    django_setup()
    from django.urls import reverse

    from checkins.models import Participation, Round, Survey
    from checkins.services.rounds import round_open
    from checkins.services.tokens import participation_token
    from org.models import Person

    rnd = Round.objects.filter(status=Round.Status.OPEN).order_by("-number").first()
    if rnd is None:
        survey = Survey.objects.order_by("pk").first()
        assert survey is not None, "no survey in the demo"
        rnd = round_open(survey=survey)
    people = Participation.objects.filter(round=rnd).values_list("person_id", flat=True)[:50]
    emails = list(Person.objects.values_list("email", flat=True)[:200])
    emit(
        {
            "links": [
                reverse("checkins:form", args=[participation_token(round_id=rnd.pk, person_id=p)])
                for p in people
            ],
            "emails": emails,
        }
    )


def _probe(base: str, links: list[str], seconds: float) -> list[float]:
    """The check-in page, opened back to back by one client for `seconds`."""
    import httpx

    latencies = []
    with httpx.Client(base_url=base, timeout=60.0) as client:
        deadline = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = client.get(links[n % len(links)])
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            n += 1
    return latencies


def _flooder(base: str, seconds: float, nice: int) -> dict[str, int]:
    """The control: the same clients, back to back, on a page that does nothing (/healthz)."""
    import httpx

    os.nice(nice)
    tally: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    with httpx.Client(base_url=base, timeout=60.0) as client:
        while time.perf_counter() < deadline:
            key = f"control_{client.get('/healthz').status_code}"
            tally[key] = tally.get(key, 0) + 1
    return tally


def _sprayer(base: str, emails: list[str], seconds: float, nice: int) -> dict[str, int]:
    """One attacker (its own process: the probe must not wait for its GIL): sign-in posts back
    to back for `seconds`, each a new guess from a new address behind the proxy."""
    import httpx

    os.nice(nice)
    rng = random.Random()
    tally: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    with httpx.Client(base_url=base, timeout=60.0) as client:
        form = client.get("/login/")
        token = CSRF_FIELD.search(form.text)
        assert token, "no CSRF token on the sign-in page"
        while time.perf_counter() < deadline:
            username = rng.choice(emails) if rng.random() < 0.5 else f"u{rng.randrange(10**6)}@x.io"
            address = f"198.18.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            try:
                response = client.post(
                    "/login/",
                    data={"username": username, "password": f"guess{rng.randrange(10**9)}",
                          "csrfmiddlewaretoken": token.group(1)},
                    headers={"X-Forwarded-For": address, "Referer": f"{base}/login/"},
                )  # fmt: skip
            except httpx.HTTPError as error:
                outcome = type(error).__name__
            else:
                if response.status_code == 200:
                    outcome = "hashed"
                elif response.status_code == 429:
                    outcome = next(
                        (name for words, name in REFUSALS.items() if words in response.text),
                        "refused_other",
                    )
                else:
                    outcome = str(response.status_code)
            tally[outcome] = tally.get(outcome, 0) + 1
    return tally


def _wait_http(url: str, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not answering after {timeout} s")


def spray_measure(*, base: str, links: list[str], emails: list[str], clients: int,
                  idle_s: float, spray_s: float, n_rounds: int, control: bool = False,
                  nice: int = 0) -> dict:  # fmt: skip
    """`n_rounds` times: the check-in page idle, then under the spray. Alternating keeps a drift
    in the machine's other load (it is shared) from passing for the spray's effect."""
    _probe(base, links, 3.0)  # warm every worker up (imports, the URL map, numpy/scipy)
    idle: list[float] = []
    under: list[float] = []
    per_round = []
    tally: dict[str, int] = {}
    spray_wall = 0.0
    context = multiprocessing.get_context("fork")
    for _ in range(n_rounds):
        idle_round = _probe(base, links, idle_s)
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=clients, mp_context=context) as pool:
            # The spray starts 2 s before the probe (to reach its pace) and ends after it.
            sprays = [
                pool.submit(_flooder, base, spray_s + 3.0, nice)
                if control
                else pool.submit(_sprayer, base, emails, spray_s + 3.0, nice)
                for _ in range(clients)
            ]
            time.sleep(2.0)
            under_round = _probe(base, links, spray_s)
            for spray in sprays:
                for outcome, n in spray.result(timeout=300).items():
                    tally[outcome] = tally.get(outcome, 0) + n
        spray_wall += time.perf_counter() - started
        idle += idle_round
        under += under_round
        per_round.append(
            [summary_ms(idle_round)["median_ms"], summary_ms(under_round)["median_ms"]]
        )
    idle_summary, under_summary = summary_ms(idle), summary_ms(under)
    refused = sum(v for k, v in tally.items() if k in REFUSALS.values() or k == "refused_other")
    attempts = sum(tally.values())
    return {
        "clients": clients,
        "idle": idle_summary,
        "under_spray": under_summary,
        "median_ratio": round(under_summary["median_ms"] / idle_summary["median_ms"], 2),
        "medians_per_round_ms": per_round,
        "spray_seconds": round(spray_wall, 1),
        "attempts": attempts,
        "attempts_per_second": round(attempts / spray_wall, 1),
        "hashed": tally.get("hashed", 0),
        "refused_before_hashing": refused,
        "outcomes": dict(sorted(tally.items())),
    }


def spray_run(*, database: str, clients: int, idle_s: float, spray_s: float, n_rounds: int,
              limits: bool, keep: bool, control: bool = False, nice: int = 0) -> dict:  # fmt: skip
    assert database.startswith("relhealth_bench"), database
    VAR.mkdir(parents=True, exist_ok=True)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    web = None
    try:
        database_recreate(database)
        manage("migrate", "--noinput", database=database)
        manage("seed_demo", "--people", "120", "--weeks", "2", database=database)
        prepared = run_step("spray", "links", database=database, timeout=300)
        env = django_env(database)
        env["PYTHONPATH"] = str(ROOT)  # this checkout, whichever one the virtualenv points at
        # Behind one proxy that appends the client's address (each sprayer poses as many).
        env["RELHEALTH_TRUSTED_PROXIES"] = "1"
        if not limits:
            for name in ("RELHEALTH_SIGNIN_RATE", "RELHEALTH_SIGNIN_RATE_PER_IP",
                         "RELHEALTH_SIGNIN_FAILURES_PER_USERNAME"):  # fmt: skip
                env[name] = UNLIMITED
            env["RELHEALTH_SIGNIN_CONCURRENCY"] = "1000"
        port = 8000 + random.randrange(1000, 9000)
        log = (VAR / "spray-gunicorn.log").open("w")
        web = subprocess.Popen(  # nosec B603
            [str(Path(PYTHON).parent / "gunicorn"), "relhealth.wsgi:application",
             "--bind", f"127.0.0.1:{port}", *GUNICORN_WORKERS, "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/healthz", 60)
        result = spray_measure(
            base=base, links=prepared["links"], emails=prepared["emails"], clients=clients,
            idle_s=idle_s, spray_s=spray_s, n_rounds=n_rounds, control=control, nice=nice,
        )  # fmt: skip
        result["load_average_at_start"] = load_at_start
        result["sign_in_limits"] = "on" if limits else "off (--no-limits)"
        result["control"] = control
        result["attacker_nice"] = nice
        result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        return result
    finally:
        if web is not None and web.poll() is None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=30)
        if not keep:
            with contextlib.suppress(Exception):
                database_drop(database)


def main() -> None:
    if sys.argv[1:2] == ["links"]:
        links_step()
        return
    parser = argparse.ArgumentParser(description="check-in page under a sign-in spray")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--idle-seconds", type=float, default=15.0, help="per round")
    parser.add_argument("--seconds", type=float, default=15.0, help="of spray per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-limits", action="store_true", help="lift the sign-in limits")
    parser.add_argument(
        "--control", action="store_true",
        help="the same clients flood /healthz instead: the floor any flood costs on this machine",
    )  # fmt: skip
    parser.add_argument(
        "--attacker-nice", type=int, default=0,
        help="run the attacking clients at this nice level (real attackers use their own CPUs)",
    )  # fmt: skip
    parser.add_argument("--db", default="relhealth_bench_spray")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--json", type=Path, default=VAR / "spray.json")
    args = parser.parse_args()
    result = spray_run(
        database=args.db, clients=args.clients, idle_s=args.idle_seconds, spray_s=args.seconds,
        n_rounds=args.rounds, control=args.control, nice=args.attacker_nice, limits=not args.no_limits, keep=args.keep_db,
    )  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    idle, under = result["idle"], result["under_spray"]
    print(f"check-in page median: idle {idle['median_ms']} ms, under spray "
          f"{under['median_ms']} ms ({result['median_ratio']}x, target <= 2x); "
          f"p95 {idle['p95_ms']} -> {under['p95_ms']} ms")  # fmt: skip
    print(f"spray: {result['attempts']} sign-in attempts by {result['clients']} clients in "
          f"{result['spray_seconds']} s: {result['hashed']} hashed, "
          f"{result['refused_before_hashing']} refused before hashing {result['outcomes']}")  # fmt: skip
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    main()

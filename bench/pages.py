"""Server time and SQL queries of the manager's team page and the HR heatmap, in-process.

Django's test client drives the real URL, middleware, view and template; each page is warmed up,
then timed over `--runs` requests. The HR heatmap is served from its cache after the warm-up, so
its uncached time (computed and rendered on every request) is measured as well. A page slower than `--budget` seconds in total stops early and
says how many runs it got, rather than holding up the whole benchmark.
"""

from __future__ import annotations

import argparse
import time

from bench.common import django_setup, emit, summary_ms


def page_measure(*, client, url: str, runs: int, warmup: int, budget: float) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times, queries = [], []
    deadline = time.perf_counter() + budget
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(captured.captured_queries))
        if time.perf_counter() > deadline and len(times) >= 3:
            break
    result = summary_ms(times)
    result.update(url=url, queries=max(queries), runs_wanted=runs)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--budget", type=float, default=120.0)
    args = parser.parse_args()
    django_setup()
    from django.test import Client

    from checkins.models import Response, Round
    from demo.services.people import DEMO_LOGINS
    from org.models import Person, subtree_q

    manager = Person.objects.get(email=DEMO_LOGINS["manager"])
    team = manager.managed_teams.order_by("path").first()
    assert team is not None
    hr = Person.objects.get(email=DEMO_LOGINS["hr"])
    as_manager, as_hr = Client(), Client()
    as_manager.force_login(manager)
    as_hr.force_login(hr)
    measure = {"runs": args.runs, "warmup": args.warmup, "budget": args.budget}
    team_page = page_measure(client=as_manager, url=f"/teams/{team.pk}/", **measure)
    team_page["team"] = team.name
    team_page["responses_in_subtree_12_weeks"] = Response.objects.filter(
        subtree_q(team, via="team__"),
        round__in=Round.objects.order_by("-number")[:12],
    ).count()
    # The heatmap's cold path (what the first view after a round's roll-up would cost, were the
    # worker not to render it then): every request computes and renders it (ADR 0016).
    from django.test import override_settings

    with override_settings(RELHEALTH_HEATMAP_CACHE_SECONDS=0):
        uncached = page_measure(
            client=as_hr, url="/organisation/", runs=3, warmup=1, budget=args.budget
        )
    heatmap = page_measure(client=as_hr, url="/organisation/", **measure)
    heatmap["uncached"] = uncached
    emit(
        {
            "team_page": team_page,
            "heatmap": heatmap,
            "rounds": Round.objects.count(),
            "responses": Response.objects.count(),
        }
    )


if __name__ == "__main__":
    main()

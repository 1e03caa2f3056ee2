"""Check-in submissions against gunicorn on 127.0.0.1: a bounded load client and a reconciliation.

A fixed number of people of the open round post their check-in through their own link, a few
links twice (a double click), with a fixed number of connections in flight; the client stops
issuing requests after `--max-seconds`. Afterwards the stored responses must equal the successful
submissions, and every second post of a link must have been refused without storing anything.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time

from bench.common import django_setup, emit, percentile

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _form_data(versions: list[tuple[int, str]], n: int) -> dict[str, str]:
    data = {}
    for i, (version_id, scale) in enumerate(versions):
        data[f"q{version_id}"] = str((n + i) % 11) if scale == "zero_ten" else str(1 + (n + i) % 5)
    data["comment"] = ""
    return data


async def _run(*, base: str, links: list[str], duplicates: int, versions, concurrency: int,
               max_seconds: float) -> dict:  # fmt: skip
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        # One GET gives the CSRF cookie and token a browser would hold; it fits every link.
        first = await client.get(links[0])
        first.raise_for_status()
        match = CSRF_FIELD.search(first.text)
        assert match, "no CSRF token in the check-in form"
        token = match.group(1)
        # Warm every gunicorn worker up (its first request imports the URL map and numpy/scipy):
        # open forms, which changes nothing, before the timed posts.
        await asyncio.gather(*(client.get(link) for link in links[: 4 * concurrency]))
        latencies: list[float] = []
        outcomes: dict[str, int] = {}
        duplicate_outcomes: dict[str, int] = {}
        semaphore = asyncio.Semaphore(concurrency)
        deadline = time.perf_counter() + max_seconds
        not_sent = 0

        async def post(n: int, link: str, record: dict[str, int], bounded: bool = True) -> None:
            nonlocal not_sent
            async with semaphore:
                if bounded and time.perf_counter() > deadline:
                    not_sent += 1
                    return
                data = _form_data(versions, n) | {"csrfmiddlewaretoken": token}
                started = time.perf_counter()
                try:
                    response = await client.post(link, data=data)
                except httpx.HTTPError as error:
                    record[type(error).__name__] = record.get(type(error).__name__, 0) + 1
                    return
                elapsed = time.perf_counter() - started
                if record is outcomes:
                    latencies.append(elapsed)
                # A second post of a used link gets the thank-you page in the person's language
                # (200, "already recorded"); whether it stored nothing is the reconciliation's.
                key = str(response.status_code)
                record[key] = record.get(key, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(post(n, link, outcomes) for n, link in enumerate(links)))
        elapsed = time.perf_counter() - started
        # The double clicks: a few links posted again after the timed phase (a fixed, small
        # number, so they are sent even when the timed phase ran into its deadline).
        answered = links[: min(duplicates, outcomes.get("302", 0))]
        await asyncio.gather(
            *(post(n, link, duplicate_outcomes, bounded=False) for n, link in enumerate(answered))
        )
    return {
        "elapsed_s": elapsed,
        "latencies": latencies,
        "outcomes": outcomes,
        "duplicate_outcomes": duplicate_outcomes,
        "not_sent": not_sent,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--duplicates", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args()
    django_setup()
    from django.urls import reverse

    from checkins.models import Participation, Response, Round
    from checkins.services.tokens import participation_token

    rnd = Round.objects.filter(status=Round.Status.OPEN).order_by("-number").first()
    assert rnd is not None, "no open round"
    people = list(
        Participation.objects.filter(round=rnd, responded=False)
        .order_by("pk")
        .values_list("person_id", flat=True)[: args.requests]
    )
    links = [
        reverse("checkins:form", args=[participation_token(round_id=rnd.pk, person_id=p)])
        for p in people
    ]
    versions = [(v.pk, v.question.scale) for v in rnd.question_versions.select_related("question")]
    before = Response.objects.filter(round=rnd).count()
    responded_before = Participation.objects.filter(round=rnd, responded=True).count()
    run = asyncio.run(
        _run(base=args.base, links=links, duplicates=min(args.duplicates, len(links)),
             versions=versions, concurrency=args.concurrency, max_seconds=args.max_seconds)
    )  # fmt: skip
    stored = Response.objects.filter(round=rnd).count() - before
    flipped = Participation.objects.filter(round=rnd, responded=True).count() - responded_before
    successful = run["outcomes"].get("302", 0)
    latencies = run["latencies"]
    refused = run["duplicate_outcomes"].get("200", 0)
    emit(
        {
            "requests": len(links),
            "concurrency": args.concurrency,
            "successful": successful,
            "outcomes": run["outcomes"],
            "not_sent_after_deadline": run["not_sent"],
            "elapsed_s": round(run["elapsed_s"], 2),
            "per_second": round(successful / run["elapsed_s"], 1) if run["elapsed_s"] else 0,
            "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 95) * 1000, 1) if latencies else None,
            "stored": stored,
            "participations_flipped": flipped,
            "duplicates_sent": sum(run["duplicate_outcomes"].values()),
            "duplicates_refused": refused,
            "duplicate_outcomes": run["duplicate_outcomes"],
            "reconciled": stored == successful == flipped
            and refused == sum(run["duplicate_outcomes"].values()),
        }
    )


if __name__ == "__main__":
    main()

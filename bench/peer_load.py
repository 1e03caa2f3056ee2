"""The peer's submission throughput: the same bounded client, against the peer under gunicorn.

Posts the peer's own survey form (`/survey/<id>/`, anonymous, all questions on one page) a fixed
number of times with a fixed number of connections in flight; the caller counts the stored
responses before and after for the same reconciliation as ours.
"""

from __future__ import annotations

import asyncio
import re
import time

from bench.common import percentile

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUESTION_FIELD = re.compile(r'name="question_(\d+)"')


async def _run(*, base: str, path: str, requests: int, concurrency: int, max_seconds: float):
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        form = await client.get(path)
        form.raise_for_status()
        match = CSRF_FIELD.search(form.text)
        assert match, "no CSRF token in the peer's form"
        questions = sorted(set(QUESTION_FIELD.findall(form.text)), key=int)
        assert questions, "no questions in the peer's form"
        # Warm every worker up with GETs of the form, as for ours.
        await asyncio.gather(*(client.get(path) for _ in range(4 * concurrency)))
        semaphore = asyncio.Semaphore(concurrency)
        deadline = time.perf_counter() + max_seconds
        latencies: list[float] = []
        outcomes: dict[str, int] = {}

        async def post(n: int) -> None:
            async with semaphore:
                if time.perf_counter() > deadline:
                    outcomes["not-sent"] = outcomes.get("not-sent", 0) + 1
                    return
                data = {f"question_{q}": str(1 + (n + i) % 5) for i, q in enumerate(questions)}
                data["question_" + questions[-1]] = "fine"  # the text question is the last one
                data["csrfmiddlewaretoken"] = match.group(1)
                started = time.perf_counter()
                response = await client.post(path, data=data)
                latencies.append(time.perf_counter() - started)
                key = str(response.status_code)
                outcomes[key] = outcomes.get(key, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(post(n) for n in range(requests)))
        elapsed = time.perf_counter() - started
    successful = outcomes.get("302", 0)
    return {
        "requests": requests,
        "concurrency": concurrency,
        "outcomes": outcomes,
        "successful": successful,
        "elapsed_s": round(elapsed, 2),
        "per_second": round(successful / elapsed, 1) if elapsed else 0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95) * 1000, 1) if latencies else None,
    }


def peer_post(*, base: str, path: str, requests: int, concurrency: int, max_seconds: float):
    return asyncio.run(
        _run(base=base, path=path, requests=requests, concurrency=concurrency,
             max_seconds=max_seconds)
    )  # fmt: skip

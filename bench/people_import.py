"""The people import at size: a CSV of N people checked (preview) and applied as the HR screen's
background job does it, a second file that changes everyone, and the API's bulk upsert.

The job's own function (`people_import_job_run`, what the Celery task calls) runs in this process
on a scratch database, so the figure is the import's work without the broker's round trips.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.common import django_setup, emit

ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC")
TEAM_SIZE = 10


def people_csv(n: int, *, renamed: bool = False) -> bytes:
    """N people in teams of ten under departments and divisions; each team's first member
    leads it. `renamed` gives everyone a new name (every row an update)."""
    lines = ["email,name,team,role,time_zone,language,manages,active"]
    for i in range(n):
        team = i // TEAM_SIZE
        path = f"Bench Org/Division {team // 1000}/Department {team // 100}/Team {team}"
        lead = i % TEAM_SIZE == 0
        name = f"{'Renamed' if renamed else 'Person'} {i}"
        lines.append(
            f"person{i}@bench.example.com,{name},{path},{'manager' if lead else 'employee'},"
            f"{ZONES[i % len(ZONES)]},{'de' if i % 3 == 0 else 'en'},{path if lead else ''},yes"
        )
    return ("\n".join(lines) + "\n").encode()


def _job(owner, content: bytes, label: str) -> dict:
    from org.models import PeopleImportJob
    from org.services.import_jobs import (
        people_import_job_apply,
        people_import_job_create,
        people_import_job_run,
    )

    started, cpu = time.perf_counter(), time.process_time()
    job = people_import_job_create(
        owner=owner, filename=f"{label}.csv", content=content, full_sync=False, force=False
    )
    people_import_job_run(job_id=job.pk)
    validate_s = time.perf_counter() - started
    validate_cpu_s = time.process_time() - cpu
    job.refresh_from_db()
    assert job.status == PeopleImportJob.Status.READY, job.result
    started, cpu = time.perf_counter(), time.process_time()
    assert people_import_job_apply(job=job)
    people_import_job_run(job_id=job.pk)
    apply_s = time.perf_counter() - started
    apply_cpu_s = time.process_time() - cpu
    job.refresh_from_db()
    assert job.status == PeopleImportJob.Status.APPLIED, job.result
    return {
        "bytes": len(content),
        "validate_s": round(validate_s, 2),
        "apply_s": round(apply_s, 2),
        "total_s": round(validate_s + apply_s, 2),
        # This process's own CPU time (PostgreSQL's is not in it): on a busy machine the wall
        # time above also counts the time spent waiting for a core.
        "validate_cpu_s": round(validate_cpu_s, 2),
        "apply_cpu_s": round(apply_cpu_s, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "created": job.result["created"],
        "updated": job.result["updated"],
        "teams_created": job.result["teams_created"],
    }


def _api(owner, n: int) -> dict:
    from rest_framework.test import APIClient

    from api.services.tokens import api_token_create

    client = APIClient()
    token = api_token_create(person=owner, name="bench import").secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    records = [
        {"email": f"api{i}@bench.example.com", "name": f"Api Person {i}",
         "team": f"Api Org/Unit {i // 100}/Team {i // TEAM_SIZE}", "role": "employee",
         "time_zone": ZONES[i % len(ZONES)], "language": "en", "active": True}
        for i in range(n)
    ]  # fmt: skip
    figures: dict = {"records": n}
    for label in ("create_s", "again_s"):
        started = time.perf_counter()
        response = client.post(
            "/api/v1/people/bulk/", {"people": records}, format="json", HTTP_HOST="127.0.0.1"
        )
        figures[label] = round(time.perf_counter() - started, 2)
        assert response.status_code == 200, response.content[:500]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100000)
    parser.add_argument("--api", type=int, default=10000)
    args = parser.parse_args()
    django_setup()
    from org.models import Person

    owner = Person.objects.create_user(
        "bench-import-hr@example.com", "x", name="Bench HR", role=Person.Role.HR_ADMIN
    )
    result = {"people": args.people}
    result["create"] = _job(owner, people_csv(args.people), "create")
    result["update"] = _job(owner, people_csv(args.people, renamed=True), "update")
    result["api"] = _api(owner, args.api)
    emit(result)


if __name__ == "__main__":
    main()

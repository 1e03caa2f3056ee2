"""Time a 1,000-person bulk upsert through the API (first run creates, second is a no-op).

Run against a throwaway database, e.g.
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/relhealth_bench \
  DJANGO_SETTINGS_MODULE=relhealth.settings.test .venv/bin/python tests/api/bench_bulk_upsert.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relhealth.settings.test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from api.services.tokens import api_token_create  # noqa: E402
from org.models import Person  # noqa: E402
from tests.api.test_people_bulk import _records  # noqa: E402


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    Person.objects.filter(email__startswith="sync").delete()
    hr = Person.objects.filter(email="bench-hr@example.com").first() or Person.objects.create_user(
        "bench-hr@example.com", name="Bench HR", role=Person.Role.HR_ADMIN
    )
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(person=hr, name='bench').secret}"
    )
    payload = {"people": _records(1000)}
    for label in ("create 1,000", "same 1,000 again"):
        start = time.perf_counter()
        response = client.post("/api/v1/people/bulk/", payload, format="json")
        elapsed = time.perf_counter() - start
        body = response.json()
        print(
            f"{label}: HTTP {response.status_code} in {elapsed:.2f} s "
            f"(created {len(body['created'])}, unchanged {body['unchanged']})"
        )


if __name__ == "__main__":
    main()

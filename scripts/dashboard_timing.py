"""Median server time, Python CPU, SQL time and query count of the team page (12/26/52 weeks),
the HR heatmap and the dashboard, through the Django test client, on a seeded database.

    DATABASE_URL=postgres://... DJANGO_SETTINGS_MODULE=relhealth.settings.local \
        python manage.py shell < scripts/dashboard_timing.py

The first request of each page may decide windows nobody decided yet (after `seed_demo`); the
median is over the requests after it.
"""

import statistics
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from org.models import Person
from org.selectors import teams_led_get


def measure(client: Client, url: str, runs: int = 7) -> str:
    wall, cpu, sql, queries = [], [], [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200, (url, response.status_code)
        sql.append(sum(float(q["time"]) for q in ctx.captured_queries))
        queries = len(ctx.captured_queries)
    return (
        f"first {wall[0] * 1000:7.0f} ms  median {statistics.median(wall[1:]) * 1000:7.1f} ms  "
        f"python cpu {statistics.median(cpu[1:]) * 1000:6.1f} ms  "
        f"sql {statistics.median(sql[1:]) * 1000:6.1f} ms  queries {queries}"
    )


settings.ALLOWED_HOSTS.append("testserver")
manager = Person.objects.get(email="manager@example.com")
team = teams_led_get(person=manager)[0]
as_manager, as_hr = Client(), Client()
as_manager.force_login(manager)
as_hr.force_login(Person.objects.get(email="hr@example.com"))
for label, client, url in [
    ("team page 12w", as_manager, f"/teams/{team.pk}/"),
    ("team page 26w", as_manager, f"/teams/{team.pk}/?weeks=26"),
    ("team page 52w", as_manager, f"/teams/{team.pk}/?weeks=52"),
    ("HR heatmap", as_hr, "/organisation/"),
    ("dashboard", as_manager, "/dashboard/"),
]:
    print(f"{label:14} {measure(client, url)}")

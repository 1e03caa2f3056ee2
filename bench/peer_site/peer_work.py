"""The peer's side of the comparison, run with the peer's virtualenv.

build: one survey per size (10 five-point radio questions, one text question) with that many
anonymous responses, written with COPY. results: time the peer's own results view (its CSV export,
regenerated as after any new answer). floor: the raw SQL per-question averages over its answers.
Each prints one JSON line.
"""

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from survey.exporter.csv.survey2csv import Survey2Csv  # noqa: E402
from survey.models import Question, Survey  # noqa: E402

FLOOR_SQL = """
SELECT a.question_id, avg(a.body::int) FROM survey_answer a
JOIN survey_question q ON q.id = a.question_id
WHERE q.survey_id = %s AND q.type = 'radio' GROUP BY a.question_id
"""


def _copy(table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def build(sizes):
    rng = random.Random(8)
    today = dt.date.today()
    made = {}
    for size in sizes:
        survey = Survey.objects.create(
            name=f"Pulse {size}", description="Weekly pulse", is_published=True,
            need_logged_user=False, editable_answers=False,
            publish_date=today - dt.timedelta(days=1), expire_date=today + dt.timedelta(days=365),
        )  # fmt: skip
        radios = [
            Question.objects.create(
                text=f"Statement {i}",
                order=i,
                required=True,
                survey=survey,
                type=Question.RADIO,
                choices="1,2,3,4,5",
            )
            for i in range(1, 11)
        ]
        text = Question.objects.create(
            text="Anything to add?", order=11, required=False, survey=survey, type=Question.TEXT
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM survey_response")
            first = cursor.fetchone()[0] + 1
        now = dt.datetime.now(dt.UTC).isoformat()
        ids = range(first, first + size)
        _copy(
            "survey_response", ("id", "created", "updated", "survey_id", "user_id", "interview_uuid"),
            ((i, now, now, survey.pk, None, uuid.UUID(int=rng.getrandbits(128), version=4))
             for i in ids),
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('survey_response', 'id'), %s)",
                [first + size],
            )
        answers = []
        for i in ids:
            for q in radios:
                answers.append((q.pk, i, now, now, rng.randint(1, 5)))
            answers.append((text.pk, i, now, now, "fine"))
        _copy(
            "survey_answer", ("question_id", "response_id", "created", "updated", "body"), answers
        )
        made[size] = survey.pk
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"surveys": made}


def results(survey_id, runs, count_queries):
    survey = Survey.objects.get(pk=survey_id)
    client = Client()
    url = f"/survey/csv/{survey_id}/"
    times, queries, size = [], None, 0
    for _ in range(runs):
        Path(Survey2Csv(survey).filename).unlink(missing_ok=True)  # regenerate, as after an answer
        if count_queries:
            counted: list[int] = []

            def count(execute, *args, counted=counted):
                counted.append(1)
                return execute(*args)

            # A counter, not CaptureQueriesContext: Django keeps only the last 9,000 queries.
            with connection.execute_wrapper(count):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            queries = len(counted)
        else:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        size = len(response.content)
    return {
        "times_s": times,
        "queries": queries,
        "bytes": size,
        "responses": survey.responses.count(),
    }


def floor(survey_id, runs):
    times = []
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL, [survey_id])
            rows = cursor.fetchall()
            times.append(time.perf_counter() - started)
    assert len(rows) == 10
    return {"times_s": times[1:]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["build", "results", "floor", "count"])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--survey", type=int)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count-queries", action="store_true")
    args = parser.parse_args()
    Path(settings.CSV_DIRECTORY).mkdir(parents=True, exist_ok=True)
    if args.what == "build":
        out = build([int(s) for s in args.sizes.split(",")])
    elif args.what == "count":
        out = {"responses": Survey.objects.get(pk=args.survey).responses.count()}
    elif args.what == "results":
        out = results(args.survey, args.runs, args.count_queries)
    else:
        out = floor(args.survey, args.runs)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()

"""Our side of the peer comparison: the peer's workload in Relhealth's schema, and our page on it.

Per size: a team of that many people (ten sub-teams), a survey of 10 five-point questions and one
text question, one closed round in which everyone answered, rolled up as the worker would. Then
the team page is timed as HR sees it, and the raw SQL floor (per-question averages over the
answers) on our tables. Everything through the same services the product uses, except the rows
themselves, which are written with the seed's COPY writer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import uuid

import numpy as np

from bench.common import django_setup, emit

FLOOR_SQL = """
SELECT a.question_version_id, avg(a.value) FROM checkins_answer a
JOIN checkins_response r ON r.id = a.response_id
WHERE r.round_id = %s AND a.value IS NOT NULL GROUP BY a.question_version_id
"""


def _build(size: int, draw: np.random.Generator) -> tuple:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from checkins.models import (
        Answer,
        Dimension,
        Participation,
        Question,
        QuestionVersion,
        Response,
        Round,
        RoundQuestion,
        Survey,
    )
    from culture.services.rollups import round_rollup_compute
    from demo.services.rows import (
        ANSWER_COLUMNS,
        RoundRows,
        link_token_hashes_compute,
        round_rows_write,
        rows_copy,
        tables_bulk_load,
        uuids_draw,
    )
    from org.models import Person, Team

    root = Team.objects.create(name=f"Pulse {size}")
    teams = [Team.objects.create(name=f"Pulse {size} / {i}", parent=root) for i in range(10)]
    unusable = make_password(None)  # one unusable password for all (no random string each)
    Person.objects.bulk_create(
        (
            Person(email=f"p{size}.{i}@example.com", name=f"Person {i}", team=teams[i % 10],
                   password=unusable)
            for i in range(size)
        ),
        batch_size=5000,
    )  # fmt: skip
    dimensions = list(Dimension.objects.filter(is_core=True).order_by("position"))
    questions = []
    for i in range(10):
        question = Question.objects.create(
            code=f"pulse-{size}-{i}", dimension=dimensions[i % len(dimensions)],
            scale=Question.Scale.AGREE5, is_active=False,
        )  # fmt: skip
        questions.append(QuestionVersion.objects.create(question=question, text=f"Statement {i}"))
    text_question = Question.objects.create(
        code=f"pulse-{size}-text", scale=Question.Scale.TEXT, is_active=False
    )
    text = QuestionVersion.objects.create(question=text_question, text="Anything to add?")
    survey = Survey.objects.create(name=f"Pulse {size}", is_active=False)
    now = timezone.now()
    rnd = Round.objects.create(
        survey=survey, number=1, status=Round.Status.OPEN, period_start=now.date(),
        opens_at=now - dt.timedelta(days=5), closes_at=now, min_group_size=5,
    )  # fmt: skip
    RoundQuestion.objects.bulk_create(
        RoundQuestion(round=rnd, question_version=v, position=i)
        for i, v in enumerate([*questions, text])
    )
    found = list(Person.objects.filter(team__in=teams).order_by("pk").values_list("pk", "team_id"))
    person_ids = np.array([pk for pk, _team in found], dtype=np.int64)
    team_ids = np.array([team for _pk, team in found], dtype=np.int64)
    count = len(found)
    everyone = np.arange(count)
    # Everyone answered every five-point question (values 1-5 uniformly) and the text question.
    rows = RoundRows(
        round_id=rnd.pk,
        person_ids=person_ids,
        person_team_ids=team_ids,
        token_hashes=link_token_hashes_compute(round_id=rnd.pk, person_ids=person_ids),
        responded=np.ones(count, dtype=bool),
        response_ids=uuids_draw(draw, count),
        response_team_ids=team_ids,
        response_comments=np.full(count, -1),
        answer_ids=uuids_draw(draw, count * len(questions)),
        answer_responses=np.tile(everyone, len(questions)),
        answer_versions=np.repeat(np.array([v.pk for v in questions], dtype=np.int64), count),
        answer_values=draw.integers(1, 6, count * len(questions)).astype(np.int16),
    )
    texts = [
        (uuid.UUID(bytes=bytes(answer_id)), uuid.UUID(bytes=bytes(response_id)), text.pk, None,
         "fine")
        for answer_id, response_id in zip(uuids_draw(draw, count), rows.response_ids, strict=True)
    ]  # fmt: skip
    # As the demo seed: binary COPY, indexes and constraints built once after the load.
    tables = [model._meta.db_table for model in (Participation, Response, Answer)]
    with transaction.atomic(), tables_bulk_load(tables):
        round_rows_write(rows, comments=[])
        rows_copy(table=Answer._meta.db_table, columns=(*ANSWER_COLUMNS, "text"), rows=texts)
    Round.objects.filter(pk=rnd.pk).update(status=Round.Status.CLOSED)
    rnd.refresh_from_db()
    started = time.perf_counter()
    assert round_rollup_compute(round=rnd)
    return root, rnd, round(time.perf_counter() - started, 2)


def _floor(round_id: int, runs: int) -> float:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL, [round_id])
            rows = cursor.fetchall()
            times.append(time.perf_counter() - started)
    assert len(rows) == 10
    return round(statistics.median(times[1:]) * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    django_setup()
    from django.db import connection
    from django.test import Client

    from bench.pages import page_measure
    from checkins.models import Response
    from org.models import OrgSettings, Person

    draw = np.random.default_rng(8)
    OrgSettings.current()
    hr = Person.objects.create(email="hr.bench@example.com", name="HR", role=Person.Role.HR_ADMIN)
    built = []
    started = time.perf_counter()
    for size in (int(s) for s in args.sizes.split(",")):
        built.append((size, *_build(size, draw)))
    build_s = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(hr)
    sizes = {}
    for size, root, rnd, rollup_s in built:
        page = page_measure(
            client=client, url=f"/teams/{root.pk}/", runs=args.runs, warmup=2, budget=60
        )
        sizes[str(size)] = {
            "responses": Response.objects.filter(round=rnd).count(),
            "rollup_s": rollup_s,
            "team_page": page,
            "floor_sql_median_ms": _floor(rnd.pk, 7),
        }
    emit({"build_s": build_s, "sizes": sizes})


if __name__ == "__main__":
    main()

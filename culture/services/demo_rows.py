"""Writing the demo seed's check-in rows fast: PostgreSQL's COPY, bulk inserts elsewhere (ADR 0013).

The seed builds plain tuples; this module hands them to the database in large batches. COPY moves
them in one stream per table instead of one INSERT statement per few thousand rows with a model
instance per row, which is what makes two years of 10,000 people fit in a few minutes.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection

from checkins.models import Answer, Participation, Response

# Flush when this many answers are buffered: large enough for COPY to pay off, small enough to
# keep the seed's memory flat however many weeks it writes.
FLUSH_ANSWERS = 250_000

PARTICIPATION_COLUMNS = ("person_id", "round_id", "team_id", "token_hash", "responded")
RESPONSE_COLUMNS = ("id", "round_id", "team_id", "comment")
ANSWER_COLUMNS = ("id", "response_id", "question_version_id", "value")

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: object) -> str:
    """One field in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_ESCAPES)


def copy_rows(
    *,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    line: Callable[[Sequence], str] | None = None,
) -> None:
    """COPY rows into a PostgreSQL table with whichever driver Django runs on.

    `line` may format a row as one line of COPY's text format faster than the generic escaping
    (the caller knows which fields are plain numbers and UUIDs).
    """
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if hasattr(raw, "copy"):  # psycopg 3
            with raw.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        to_line = line or (lambda row: "\t".join(_copy_text(v) for v in row) + "\n")
        buffer = io.StringIO()  # psycopg2
        buffer.writelines(map(to_line, rows))
        buffer.seek(0)
        raw.copy_expert(statement, buffer)


@contextmanager
def foreign_keys_checked_once(tables: Sequence[str]) -> Iterator[None]:
    """Check these tables' foreign keys once, after a bulk load, instead of row by row.

    Django's foreign keys are deferred triggers: COPYing millions of rows queues millions of
    single-row checks for COMMIT. As PostgreSQL's guide to populating a database advises, the
    constraints are dropped for the load and added back afterwards, which validates every row in
    one set-based pass; a bad row still fails the whole seed. Inside the caller's transaction, so
    nothing else ever sees the tables without them. Elsewhere (SQLite) it does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # Run the checks already queued (the people, teams, rounds just written) now: a table
        # with pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [list(tables)],
        )
        constraints = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ANALYZE {', '.join(tables)}")


class RowWriter:
    """Buffers participations, responses and answers as tuples and writes them in batches."""

    def __init__(self) -> None:
        self.participations: list[tuple[int, int, int, str, bool]] = []
        self.responses: list[tuple[uuid.UUID, int, int, str]] = []
        self.answers: list[tuple[uuid.UUID, uuid.UUID, int, int]] = []

    def flush_if_large(self) -> None:
        if len(self.answers) >= FLUSH_ANSWERS:
            self.flush()

    def flush(self) -> None:
        if connection.vendor == "postgresql":
            self._copy()
        else:
            self._bulk_create()
        self.participations, self.responses, self.answers = [], [], []

    def _copy(self) -> None:
        copy_rows(
            table=Participation._meta.db_table,
            columns=PARTICIPATION_COLUMNS,
            rows=self.participations,
            line=lambda r: f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{'t' if r[4] else 'f'}\n",
        )
        copy_rows(
            table=Response._meta.db_table,
            columns=RESPONSE_COLUMNS,
            rows=self.responses,
            line=lambda r: f"{r[0]}\t{r[1]}\t{r[2]}\t{_copy_text(r[3])}\n",
        )
        # `text` is NOT NULL without a database default: COPY gets it as an empty field.
        copy_rows(
            table=Answer._meta.db_table,
            columns=(*ANSWER_COLUMNS, "text"),
            rows=((*row, "") for row in self.answers),
            line=lambda r: f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t\n",
        )

    def _bulk_create(self) -> None:
        Participation.objects.bulk_create(
            (Participation(**dict(zip(PARTICIPATION_COLUMNS, row, strict=True)))
             for row in self.participations),
            batch_size=5000,
        )  # fmt: skip
        Response.objects.bulk_create(
            (Response(**dict(zip(RESPONSE_COLUMNS, row, strict=True))) for row in self.responses),
            batch_size=5000,
        )
        Answer.objects.bulk_create(
            (Answer(**dict(zip(ANSWER_COLUMNS, row, strict=True))) for row in self.answers),
            batch_size=5000,
        )

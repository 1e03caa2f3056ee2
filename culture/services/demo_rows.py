"""Writing the demo seed's check-in rows fast: PostgreSQL's COPY, bulk inserts elsewhere (ADR 0013).

The seed builds plain tuples; this module hands them to the database in large batches. COPY moves
them in one stream per table instead of one INSERT statement per few thousand rows with a model
instance per row, which is what makes two years of 10,000 people fit in a few minutes.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.utils.crypto import salted_hmac

from checkins.models import Answer, Participation, Response
from checkins.services.tokens import _SALT as TOKEN_SALT
from checkins.services.tokens import participation_token, token_hash

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
def indexes_built_after_load(
    tables: Sequence[str], *, timed: Callable[[str], AbstractContextManager] | None = None
) -> Iterator[frozenset[str]]:
    """Build these tables' indexes and check their constraints once, after a bulk load.

    Yields the tables that were empty: truncated in this transaction, COPY may freeze into them.

    As PostgreSQL's guide to populating a database advises: COPYing millions of rows into
    tables with indexes updates every index row by row (random UUID keys touch a different page
    each time), and Django's foreign keys are deferred triggers that queue one check per row for
    COMMIT. So the foreign keys, primary keys, unique constraints and plain indexes are dropped
    for the load and created again afterwards from their own definitions: each index is built in
    one sort, and every row is validated in one set-based pass per constraint (a duplicate or a
    dangling key still fails the whole seed). Inside the caller's transaction, so nothing else
    ever sees the tables without them. Elsewhere (SQLite) it does nothing.
    """
    if connection.vendor != "postgresql":
        yield frozenset()
        return
    with connection.cursor() as cursor:
        # Run the checks already queued (the people, teams, rounds just written) now: a table
        # with pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Foreign keys from or to these tables first (a primary key cannot go while one points
        # at it), then primary keys and unique constraints, then the remaining indexes.
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND (conrelid = ANY(%(t)s::regclass[]) OR confrelid = ANY(%(t)s::regclass[])) "
            "ORDER BY conrelid::regclass::text, conname",
            {"t": list(tables)},
        )
        foreign = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype IN ('p', 'u') AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conrelid::regclass::text, conname",
            [list(tables)],
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in [*foreign, *keys]:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        # Empty tables are truncated, which lets COPY freeze the rows it writes (no second
        # pass to set their hint bits when the roll-ups first read them).
        fresh = []
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608  # nosec B608
            if not cursor.fetchone()[0]:
                fresh.append(table)
        if fresh:
            cursor.execute(f"TRUNCATE {', '.join(fresh)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield frozenset(fresh)
    with (timed or _untimed)("indexes"), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Index builds sort in memory rather than on disk (this transaction only).
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, name, definition in keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ANALYZE {', '.join(tables)}")


@contextmanager
def _untimed(_name: str) -> Iterator[None]:
    yield


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


# PostgreSQL's binary COPY: a header, then per row a 16-bit field count and per field a 32-bit
# length and the value in network byte order; -1 as the field count ends the stream.
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
BINARY_TRAILER = (-1).to_bytes(2, "big", signed=True)
_BINARY_TYPES: dict[str, tuple[object, int]] = {
    "bigint": (">i8", 8), "smallint": (">i2", 2), "boolean": ("?", 1), "uuid": (("u1", 16), 16),
}  # fmt: skip


def binary_rows(columns: Sequence[tuple[str, object]], rows: int) -> bytes:
    """`rows` rows of fixed-width fields in binary COPY format, built by numpy in one go.

    Each column is (type, values): "bigint", "smallint" or "boolean" with an array of `rows`
    values, "uuid" with a (rows, 16) array of bytes, or "bytes" with either one bytes value for
    every row or a (rows, width) array of bytes (text of a fixed width, e.g. a hex digest). No
    per-row Python: two years of 10,000 people are millions of rows.
    """
    fields: list[tuple[str, object]] = [("count", ">i2")]
    widths = []
    for position, (kind, data) in enumerate(columns):
        dtype: object
        if kind != "bytes":
            dtype, width = _BINARY_TYPES[kind]
        elif isinstance(data, bytes):
            dtype, width = (f"S{len(data)}" if data else "V0"), len(data)
        else:
            width = int(np.asarray(data).shape[1])
            dtype = ("u1", width)
        widths.append(width)
        fields += [(f"length{position}", ">i4"), (f"value{position}", dtype)]
    array = np.zeros(rows, dtype=fields)
    array["count"] = len(columns)
    for position, ((_kind, data), width) in enumerate(zip(columns, widths, strict=True)):
        array[f"length{position}"] = width
        if width:
            array[f"value{position}"] = data
    return array.tobytes()


def copy_binary(
    *, table: str, columns: Sequence[str], chunks: Iterable[bytes], freeze: bool = False
) -> None:
    """COPY rows built by `binary_rows` (one or more chunks) into a PostgreSQL table; `freeze`
    only for a table created or truncated in this transaction."""
    options = "FORMAT binary, FREEZE" if freeze else "FORMAT binary"
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if hasattr(raw, "copy"):  # psycopg 3
            with raw.copy(statement) as copy:
                copy.write(BINARY_HEADER)
                for chunk in chunks:
                    copy.write(chunk)
                copy.write(BINARY_TRAILER)
            return
        stream = io.BytesIO()  # psycopg2
        stream.write(BINARY_HEADER)
        for chunk in chunks:
            stream.write(chunk)
        stream.write(BINARY_TRAILER)
        stream.seek(0)
        raw.copy_expert(statement, stream)


def uuid4_bytes(draw: np.random.Generator, count: int) -> np.ndarray:
    """`count` random version-4 UUIDs as a (count, 16) array of bytes."""
    raw = np.frombuffer(draw.bytes(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw


@dataclass(frozen=True)
class RoundRows:
    """One round's check-in rows as arrays: what the demo seed draws and writes."""

    round_id: int
    person_ids: np.ndarray  # per participation
    person_team_ids: np.ndarray
    token_hashes: np.ndarray  # (participations, 64) hex bytes
    responded: np.ndarray
    response_ids: np.ndarray  # (responses, 16) UUID bytes
    response_team_ids: np.ndarray
    response_comments: np.ndarray  # index into the comments, -1 for none
    answer_ids: np.ndarray  # (answers, 16) UUID bytes
    answer_responses: np.ndarray  # index into the responses
    answer_versions: np.ndarray
    answer_values: np.ndarray


def round_rows_write(
    rows: RoundRows, *, comments: Sequence[str], fresh: frozenset[str] = frozenset()
) -> None:
    """Write a round's rows: binary COPY on PostgreSQL (frozen into the `fresh` tables, see
    `indexes_built_after_load`), bulk inserts elsewhere."""
    if connection.vendor != "postgresql":
        _round_rows_bulk_create(rows, comments=comments)
        return
    people = len(rows.person_ids)
    copy_binary(
        table=Participation._meta.db_table,
        freeze=Participation._meta.db_table in fresh,
        columns=PARTICIPATION_COLUMNS,
        chunks=[
            binary_rows(
                [("bigint", rows.person_ids), ("bigint", np.full(people, rows.round_id)),
                 ("bigint", rows.person_team_ids), ("bytes", rows.token_hashes),
                 ("boolean", rows.responded)],
                people,
            )
        ],
    )  # fmt: skip
    chunks = []
    for code in range(-1, len(comments)):  # rows of one comment text share a width
        chosen = np.flatnonzero(rows.response_comments == code)
        text = comments[code].encode() if code >= 0 else b""
        chunks.append(
            binary_rows(
                [("uuid", rows.response_ids[chosen]), ("bigint", np.full(len(chosen), rows.round_id)),
                 ("bigint", rows.response_team_ids[chosen]), ("bytes", text)],
                len(chosen),
            )
        )  # fmt: skip
    copy_binary(
        table=Response._meta.db_table, columns=RESPONSE_COLUMNS, chunks=chunks,
        freeze=Response._meta.db_table in fresh,
    )  # fmt: skip
    answers = len(rows.answer_ids)
    copy_binary(
        table=Answer._meta.db_table,
        freeze=Answer._meta.db_table in fresh,
        columns=(*ANSWER_COLUMNS, "text"),
        chunks=[
            binary_rows(
                [("uuid", rows.answer_ids), ("uuid", rows.response_ids[rows.answer_responses]),
                 ("bigint", rows.answer_versions), ("smallint", rows.answer_values),
                 ("bytes", b"")],
                answers,
            )
        ],
    )  # fmt: skip


def _round_rows_bulk_create(rows: RoundRows, *, comments: Sequence[str]) -> None:
    writer = RowWriter()
    response_ids = [uuid.UUID(bytes=bytes(raw)) for raw in rows.response_ids]
    writer.participations = [
        (person, rows.round_id, team, token.tobytes().decode(), bool(answered))
        for person, team, token, answered in zip(
            rows.person_ids.tolist(), rows.person_team_ids.tolist(), rows.token_hashes,
            rows.responded.tolist(), strict=True,
        )
    ]  # fmt: skip
    writer.responses = [
        (response_id, rows.round_id, team, comments[code] if code >= 0 else "")
        for response_id, team, code in zip(
            response_ids, rows.response_team_ids.tolist(), rows.response_comments.tolist(),
            strict=True,
        )
    ]  # fmt: skip
    writer.answers = [
        (uuid.UUID(bytes=bytes(raw)), response_ids[response], version, value)
        for raw, response, version, value in zip(
            rows.answer_ids, rows.answer_responses.tolist(), rows.answer_versions.tolist(),
            rows.answer_values.tolist(), strict=True,
        )
    ]  # fmt: skip
    writer._bulk_create()


def link_token_hashes(*, round_id: int, person_ids: np.ndarray) -> np.ndarray:
    """The stored hash of each person's check-in link for a round, as (people, 64) hex bytes.

    The same as token_hash(participation_token(...)) (checked on the first person), with the
    HMAC key derived once instead of once per person: a million links in a few seconds.
    """
    keyed = salted_hmac(TOKEN_SALT, "", algorithm="sha256")
    digests = []
    for person_id in person_ids.tolist():
        mac = keyed.copy()
        mac.update(f"{round_id}:{person_id}".encode())
        digests.append(hashlib.sha256(mac.hexdigest().encode()).hexdigest())
    if digests and digests[0] != token_hash(
        participation_token(round_id=round_id, person_id=int(person_ids[0]))
    ):
        raise RuntimeError("the seed's link hashes differ from checkins.services.tokens")
    return np.frombuffer("".join(digests).encode(), dtype=np.uint8).reshape(len(digests), 64)

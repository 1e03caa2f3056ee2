"""Writing the demo seed's check-in rows fast: PostgreSQL's COPY, bulk inserts elsewhere (ADR 0013).

The seed builds plain tuples; this module hands them to the database in large batches. COPY moves
them in one stream per table instead of one INSERT statement per few thousand rows with a model
instance per row, which is what makes two years of 10,000 people fit in a few minutes. The
benchmark (`bench/jobs.py`, `bench/workload.py`) writes its generated rows with the same helpers.
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
from dialect import is_postgresql

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


def rows_copy(
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
def tables_bulk_load(
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
    if not is_postgresql():
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


# PostgreSQL's binary COPY: a header, then per row a 16-bit field count and per field a 32-bit
# length and the value in network byte order; -1 as the field count ends the stream.
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
BINARY_TRAILER = (-1).to_bytes(2, "big", signed=True)
_BINARY_TYPES: dict[str, tuple[object, int]] = {
    "bigint": (">i8", 8), "smallint": (">i2", 2), "boolean": ("?", 1), "uuid": (("u1", 16), 16),
}  # fmt: skip


def binary_rows_encode(columns: Sequence[tuple[str, object]], rows: int) -> bytes:
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


def binary_rows_copy(
    *, table: str, columns: Sequence[str], chunks: Iterable[bytes], freeze: bool = False
) -> None:
    """COPY rows built by `binary_rows_encode` (one or more chunks) into a PostgreSQL table; `freeze`
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


def uuids_draw(draw: np.random.Generator, count: int) -> np.ndarray:
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
    `tables_bulk_load`), bulk inserts elsewhere."""
    if not is_postgresql():
        _round_rows_bulk_create(rows, comments=comments)
        return
    people = len(rows.person_ids)
    binary_rows_copy(
        table=Participation._meta.db_table,
        freeze=Participation._meta.db_table in fresh,
        columns=PARTICIPATION_COLUMNS,
        chunks=[
            binary_rows_encode(
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
            binary_rows_encode(
                [("uuid", rows.response_ids[chosen]), ("bigint", np.full(len(chosen), rows.round_id)),
                 ("bigint", rows.response_team_ids[chosen]), ("bytes", text)],
                len(chosen),
            )
        )  # fmt: skip
    binary_rows_copy(
        table=Response._meta.db_table, columns=RESPONSE_COLUMNS, chunks=chunks,
        freeze=Response._meta.db_table in fresh,
    )  # fmt: skip
    answers = len(rows.answer_ids)
    binary_rows_copy(
        table=Answer._meta.db_table,
        freeze=Answer._meta.db_table in fresh,
        columns=(*ANSWER_COLUMNS, "text"),
        chunks=[
            binary_rows_encode(
                [("uuid", rows.answer_ids), ("uuid", rows.response_ids[rows.answer_responses]),
                 ("bigint", rows.answer_versions), ("smallint", rows.answer_values),
                 ("bytes", b"")],
                answers,
            )
        ],
    )  # fmt: skip


def _round_rows_bulk_create(rows: RoundRows, *, comments: Sequence[str]) -> None:
    response_ids = [uuid.UUID(bytes=bytes(raw)) for raw in rows.response_ids]
    Participation.objects.bulk_create(
        (Participation(person_id=person, round_id=rows.round_id, team_id=team,
                       token_hash=token.tobytes().decode(), responded=bool(answered))
         for person, team, token, answered in zip(
             rows.person_ids.tolist(), rows.person_team_ids.tolist(), rows.token_hashes,
             rows.responded.tolist(), strict=True,
         )),
        batch_size=5000,
    )  # fmt: skip
    Response.objects.bulk_create(
        (Response(id=response_id, round_id=rows.round_id, team_id=team,
                  comment=comments[code] if code >= 0 else "")
         for response_id, team, code in zip(
             response_ids, rows.response_team_ids.tolist(), rows.response_comments.tolist(),
             strict=True,
         )),
        batch_size=5000,
    )  # fmt: skip
    Answer.objects.bulk_create(
        (Answer(id=uuid.UUID(bytes=bytes(raw)), response_id=response_ids[response],
                question_version_id=version, value=value)
         for raw, response, version, value in zip(
             rows.answer_ids, rows.answer_responses.tolist(), rows.answer_versions.tolist(),
             rows.answer_values.tolist(), strict=True,
         )),
        batch_size=5000,
    )  # fmt: skip


def link_token_hashes_compute(*, round_id: int, person_ids: np.ndarray) -> np.ndarray:
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

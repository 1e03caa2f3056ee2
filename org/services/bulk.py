"""Inserting many model rows at once: PostgreSQL's COPY with ids taken from the table's sequence
beforehand, `bulk_create` elsewhere (SQLite in the demo).

COPY skips Django's per-field preparation and PostgreSQL's per-statement parsing, which is most of
the cost of inserting 100,000 people and their audit entries with `bulk_create` (ADR 0027). Values
are written as the model instances hold them; the callers fill every field first (defaults and
`auto_now_add` included), as they would not be filled by anyone else.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import cast

from django.db import connection, models

BATCH = 2000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: object) -> str:
    """One field in COPY's text format (the common types first: this runs once per field)."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES)  # type: ignore[attr-defined]
    if kind is int:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value)
    return str(value).translate(_ESCAPES)


def ids_reserve(model: type[models.Model], n: int) -> list[int]:
    """N fresh primary keys from the table's own sequence (PostgreSQL), so rows can be copied in
    with their ids known, and point at each other, before they exist."""
    if n == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [row[0] for row in cursor.fetchall()]


def objects_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert the instances. On PostgreSQL those with a pk set are copied in with it (reserve
    them with `ids_reserve`), and those without get one from the sequence but do not learn it."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)  # type: ignore[attr-defined]
        return
    with_pk = objs[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    attnames = [f.attname for f in fields]
    buffer = io.StringIO()
    buffer.writelines(
        "\t".join(_text(getattr(obj, name)) for name in attnames) + "\n" for obj in objs
    )
    buffer.seek(0)
    _copy(model, [cast(str, f.column) for f in fields], buffer)


def rows_insert(model: type[models.Model], rows: Sequence[dict]) -> list[int]:
    """Insert rows given as {attname: value} (a field left out takes the model's default; "pk"
    sets the id). Returns the ids where they are known: given, or set by `bulk_create`."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = model.objects.bulk_create(  # type: ignore[attr-defined]
            [model(**row) for row in rows], batch_size=BATCH
        )
        return [obj.pk for obj in objs]
    with_pk = "pk" in rows[0]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    template = model()
    defaults = {f.attname: getattr(template, f.attname) for f in fields}
    names = (["pk"] if with_pk else []) + [f.attname for f in fields]
    columns = [cast(str, f.column) for f in ([model._meta.pk] if with_pk else []) + fields]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_text(row.get(n, defaults.get(n))) for n in names) + "\n")
    buffer.seek(0)
    _copy(model, columns, buffer)
    return [row["pk"] for row in rows] if with_pk else []


def rows_update(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Set these fields of many rows, each given as (pk, *values in `fields` order), on
    PostgreSQL: COPY into a temporary table shaped like the model's, then one UPDATE joining it.
    (Django's bulk_update builds a CASE per field and row, quadratic in its batch.)"""
    if not rows:
        return
    # The scratch table lives until the commit: outside a transaction it would be gone at once.
    assert connection.in_atomic_block, "rows_update needs a transaction"
    # Every name in the SQL below is a model's own table or column, quoted; values go by COPY.
    quote = connection.ops.quote_name
    meta = model._meta
    concrete = {f.attname: f for f in meta.concrete_fields}
    columns = [cast(str, f.column) for f in [meta.pk, *(concrete[name] for name in fields)]]
    table, scratch = quote(meta.db_table), quote(f"bulk_update_{meta.db_table}")
    listed = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "  # noqa: S608  # nosec B608
            f"SELECT {listed} FROM {table} WITH NO DATA"
        )
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(_text, row)) + "\n" for row in rows)
    buffer.seek(0)
    _copy_into(scratch, columns, buffer)
    sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns[1:])
    pk = quote(columns[0])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {sets} FROM {scratch} AS v "  # noqa: S608  # nosec B608
            f"WHERE t.{pk} = v.{pk}"
        )
        cursor.execute(f"DROP TABLE {scratch}")


def _copy(model: type[models.Model], columns: list[str], buffer: io.StringIO) -> None:
    _copy_into(connection.ops.quote_name(model._meta.db_table), columns, buffer)


def _copy_into(table: str, columns: list[str], buffer: io.StringIO) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    statement = f"COPY {table} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if hasattr(raw, "copy"):  # psycopg 3
            with raw.copy(statement) as copy:
                copy.write(buffer.getvalue())
        else:
            raw.copy_expert(statement, buffer)

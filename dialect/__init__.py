"""Which database we are on, and its fast paths: the only module that asks (ADR 0039).

Production runs PostgreSQL; `make run` and the demo run SQLite. Each function here does one job
the same way on both: a PostgreSQL statement (COPY, ids from the sequence, SKIP LOCKED, a share
lock inside an UPDATE, one UPDATE from arrays) and, beside it, the portable ORM code that gives
the same rows. Code that keeps a PostgreSQL statement of its own, because it knows that app's
tables (the roll-ups, the alpha sums), chooses it with `is_postgresql()` and keeps its portable
twin beside it, with a test that compares the two. This package imports nothing of ours, so
every app may import it (`tests/system/test_layering.py`); `tests/system/test_dialect.py` checks
that nothing else asks which database it is on.
"""

from __future__ import annotations

import functools
import io
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Exists, QuerySet

BATCH = 2000
# Django's bulk_update builds a CASE per field and row: small batches keep it linear enough.
UPDATE_BATCH = 200
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def is_postgresql() -> bool:
    """True on PostgreSQL, where the fast paths (here and the apps' own SQL) apply."""
    return connection.vendor == "postgresql"


def database_ping(*, timeout: float) -> None:
    """Run `SELECT 1` on a connection of its own; raises when the database does not answer.

    The web's connections have no connect timeout; on PostgreSQL this one has libpq's shortest
    (2 s), so a host that drops packets gives an answer too, and `timeout` seconds per statement,
    so a database that is up but stuck answers an error rather than in ten seconds.
    """
    db = connections.create_connection(DEFAULT_DB_ALIAS)
    if db.vendor == "postgresql":
        db.settings_dict = {
            **db.settings_dict,
            "OPTIONS": {**db.settings_dict.get("OPTIONS", {}), "connect_timeout": 2},
        }
    try:
        with db.cursor() as cursor:
            if db.vendor == "postgresql":
                cursor.execute("SET statement_timeout = %s", [int(timeout * 1000)])
            cursor.execute("SELECT 1")
    finally:
        db.close()


def work_mem_raise(size: str) -> None:
    """Let this transaction's sorts and groupings use `size` ("256MB") of memory before they
    spill to disk (PostgreSQL); nothing elsewhere."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [size])


# --- Inserting and updating many rows --------------------------------------------------------
# COPY skips Django's per-field preparation and PostgreSQL's per-statement parsing, which is most
# of the cost of inserting 100,000 people and their audit entries with `bulk_create` (ADR 0027).
# Values are written as the model instances hold them; callers fill every field first (defaults
# and `auto_now_add` included), as nobody else would.


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


def ids_reserve(model: type[models.Model], n: int) -> list[int] | None:
    """N fresh primary keys from the table's own sequence, so rows can be copied in with their ids
    known, and point at each other, before they exist. None where ids cannot be reserved
    (SQLite): the rows learn theirs when inserted."""
    if not is_postgresql():
        return None
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
    if not is_postgresql():
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
    if not is_postgresql():
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
    """Set these fields of many rows, each given as (pk, *values in `fields` order), inside the
    caller's transaction. On PostgreSQL: COPY into a temporary table shaped like the model's,
    then one UPDATE joining it; elsewhere `bulk_update` in small batches."""
    if not rows:
        return
    # The scratch table lives until the commit: outside a transaction it would be gone at once.
    assert connection.in_atomic_block, "rows_update needs a transaction"
    if not is_postgresql():
        objs = [model(pk=row[0], **dict(zip(fields, row[1:], strict=True))) for row in rows]
        model.objects.bulk_update(objs, fields, batch_size=UPDATE_BATCH)  # type: ignore[attr-defined]
        return
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


def _column(model: type[models.Model], name: str) -> str:
    """The column of a concrete field, by name or attname ("team" or "team_id"), or "pk"."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return cast(str, cast(models.Field, field).column)


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


def values_replace(
    model: type[models.Model], *, field: str, mapping: Mapping[int, int], where: Mapping[str, Any]
) -> None:
    """Among the rows matching `where` (attname = value), give `field` the value `mapping` holds
    for its old one. On PostgreSQL one UPDATE from two arrays however many values move;
    elsewhere one UPDATE per new value."""
    moved = {old: new for old, new in mapping.items() if old != new}
    if not moved:
        return
    if not is_postgresql():
        by_new: dict[int, list[int]] = defaultdict(list)
        for old, new in moved.items():
            by_new[new].append(old)
        for new, olds in by_new.items():
            model.objects.filter(**where, **{f"{field}__in": olds}).update(**{field: new})  # type: ignore[attr-defined]
        return
    quote = connection.ops.quote_name
    column = quote(_column(model, field))
    matches = " AND ".join(f"t.{quote(_column(model, name))} = %s" for name in where)
    # Names are the model's own, quoted; values are parameters.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} AS t SET {column} = m.new"  # noqa: S608  # nosec B608
            " FROM unnest(%s::bigint[], %s::bigint[]) AS m(old, new)"
            f" WHERE {matches} AND t.{column} = m.old",
            [list(moved), list(moved.values()), *where.values()],
        )


# --- Claiming rows ---------------------------------------------------------------------------


def rows_claim(queryset: QuerySet, *, ids: Sequence[int], values: Mapping[str, Any]) -> list[int]:
    """Set `values` on the rows of `queryset` among `ids` that no one else holds, and return
    their ids. With row locks (PostgreSQL) a batch is one short transaction that skips the rows
    another claimer has locked, one commit rather than one per row; without them (SQLite) each
    row is claimed by its own conditional UPDATE."""
    if not connection.features.has_select_for_update_skip_locked:
        return [pk for pk in sorted(ids) if queryset.filter(pk=pk).update(**values) == 1]
    with transaction.atomic():
        claimed = list(
            queryset.select_for_update(skip_locked=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        queryset.model.objects.filter(pk__in=claimed).update(**values)
    return claimed


def row_update_under_share(
    model: type[models.Model],
    *,
    pk: int,
    where: Mapping[str, Any],
    values: Mapping[str, Any],
    shared: type[models.Model],
    shared_pk: int,
    shared_where: Mapping[str, Any],
) -> bool:
    """Set `values` on row `pk` of `model` if it matches `where` (field = value) and row
    `shared_pk` of `shared` matches `shared_where`, in one statement. True when it changed.

    On PostgreSQL the `shared` row is read under a shared lock (FOR SHARE) held until the
    transaction ends: writers like this one share it and do not queue behind each other, while an
    UPDATE of that row waits for them, and those after it see its new state. Elsewhere (SQLite)
    the database is locked for the whole write transaction anyway.
    """
    if not is_postgresql():
        exists = Exists(shared.objects.filter(pk=shared_pk, **shared_where))  # type: ignore[attr-defined]
        changed = model.objects.filter(exists, pk=pk, **where).update(**values)  # type: ignore[attr-defined]
        return changed == 1
    # The statement is built once per shape (a check-in runs it: no ORM compiling per call).
    statement = _update_under_share_sql(
        model, tuple(values), tuple(where), shared, tuple(shared_where)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement, [*values.values(), pk, *where.values(), shared_pk, *shared_where.values()]
        )
        return cursor.rowcount == 1


@functools.cache
def _update_under_share_sql(
    model: type[models.Model],
    values: tuple[str, ...],
    where: tuple[str, ...],
    shared: type[models.Model],
    shared_where: tuple[str, ...],
) -> str:
    quote = connection.ops.quote_name

    def equal(table: type[models.Model], names: tuple[str, ...], joiner: str) -> str:
        return joiner.join(f"{quote(_column(table, name))} = %s" for name in ("pk", *names))

    sets = ", ".join(f"{quote(_column(model, name))} = %s" for name in values)
    # Names are the models' own, quoted; values are parameters.
    return (
        f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {equal(model, where, ' AND ')}"  # noqa: S608  # nosec B608
        f" AND EXISTS (SELECT 1 FROM {quote(shared._meta.db_table)}"
        f" WHERE {equal(shared, shared_where, ' AND ')} FOR SHARE)"
    )


def row_update_unflushed(model: type[models.Model], *, pk: int, values: Mapping[str, Any]) -> None:
    """Set `values` on one row and commit at once. On PostgreSQL the commit does not wait for the
    WAL flush, in one round trip: a database crash could forget the last few such updates, the
    price of a commit that costs a fraction of a millisecond instead of a disk flush."""
    with transaction.atomic():
        if not is_postgresql():
            model.objects.filter(pk=pk).update(**values)  # type: ignore[attr-defined]
            return
        with connection.cursor() as cursor:
            # One round trip: the setting and the update.
            cursor.execute(_update_unflushed_sql(model, tuple(values)), [*values.values(), pk])


@functools.cache
def _update_unflushed_sql(model: type[models.Model], values: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(_column(model, name))} = %s" for name in values)
    # Names are the model's own, quoted; values are parameters.
    update = (
        f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(_column(model, 'pk'))} = %s"  # noqa: S608  # nosec B608
    )
    return f"SET LOCAL synchronous_commit TO OFF; {update}"

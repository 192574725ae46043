"""The few SQL differences between PostgreSQL and SQLite that the set-based writers meet.

Both run the same statements (INSERT … SELECT … ON CONFLICT … DO UPDATE … WHERE … RETURNING,
UPDATE … FROM …); only the staging load, null-safe comparison and truncation differ.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone
from psycopg import Copy
from psycopg.copy import FileWriter

CHUNK = 5000  # values per IN (...) list on SQLite (it allows 32,766 parameters)


def chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def distinct(left: str, right: str) -> str:
    """Null-safe "differs" (NULL vs NULL is not a difference)."""
    return f"{left} IS DISTINCT FROM {right}" if is_postgres() else f"{left} IS NOT {right}"


def to_second(expression: str) -> str:
    """A timestamp cut to the second: ledgers have no fractions, Yekuo's own times do."""
    if is_postgres():
        return f"date_trunc('second', {expression})"
    return f"substr({expression}, 1, 19)"  # Django stores 'YYYY-MM-DD HH:MM:SS[.ffffff]'


def returning(alias: str, *columns: str) -> str:
    """RETURNING of the modified table: qualified on PostgreSQL, bare on SQLite (its rule)."""
    if is_postgres():
        return "RETURNING " + ", ".join(f"{alias}.{c}" for c in columns)
    return "RETURNING " + ", ".join(columns)


def db_value(value):
    """A Python value as the driver should receive it inside raw SQL."""
    if is_postgres():
        return value
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def create_staging(name: str, columns: Sequence[tuple[str, str, str]]) -> None:
    """A temporary table (name, postgres type, sqlite type), private to this connection.

    Created inside the import's transaction, so a rollback removes it too; dropped at the end
    (two imports may share one outer transaction, e.g. in tests or a dry run before a write).
    """
    pg = is_postgres()
    definition = ", ".join(f"{col} {pg_type if pg else lite}" for col, pg_type, lite in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {'pg_temp' if pg else 'temp'}.{name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({definition})")


def create_temp_as(name: str, select: str, params: dict | None = None) -> None:
    """A temporary table holding what `select` returns (see `create_staging` for lifetime)."""
    schema = "pg_temp" if is_postgres() else "temp"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {schema}.{name}")
        cursor.execute(f"CREATE TEMP TABLE {name} AS {select}", params or {})


def empty_staging(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {name}" if is_postgres() else f"DELETE FROM {name}")


def drop_staging(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {'pg_temp' if is_postgres() else 'temp'}.{name}")


def load_staging(
    name: str,
    columns: Sequence[tuple[str, str, str]],
    rows: Iterable[tuple],
    *,
    data: bytes | None = None,
) -> None:
    """Rows into a staging table made by `create_staging` with the same `columns`.

    PostgreSQL: a binary COPY, each value turned into bytes by psycopg's C dumpers for the
    column's type. Text COPY would spell out every timestamp (three a ledger row) and Decimal,
    which costs three times as much in the import's writing thread. With `data` (what
    `copy_data` made of the rows, in another thread) the bytes are only sent. SQLite:
    executemany.
    """
    column_list = ", ".join(c for c, _pg, _lite in columns)
    with connection.cursor() as cursor:
        if is_postgres():
            copy_sql = f"COPY {name} ({column_list}) FROM STDIN (FORMAT BINARY)"
            with cursor.cursor.copy(copy_sql) as copy:
                if data is not None:
                    copy.write(data)
                    return
                copy.set_types(_copy_types(columns))
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {name} ({column_list}) VALUES ({placeholders})"
            adapted = ([db_value(v) for v in row] for row in rows)
            for part in chunks(list(adapted), 10_000):
                cursor.executemany(sql, part)


def copy_source():
    """This thread's psycopg connection, for `copy_data` in another thread (None on SQLite)."""
    if not is_postgres():
        return None
    connection.ensure_connection()
    return connection.connection


def copy_data(columns: Sequence[tuple[str, str, str]], rows: Iterable[tuple], source) -> bytes:
    """`rows` as the binary COPY data `load_staging` sends for them, made in the calling thread.

    An import's validating thread makes each chunk's, so that the writing thread, for whose
    every moment the database waits, only sends bytes. `source` (`copy_source`, taken in the
    writing thread) lends its dumpers; nothing is sent on it: psycopg's documented
    `Copy(cursor, writer=FileWriter(…))`, which performs no operation on the cursor.
    """
    buffer = io.BytesIO()
    with Copy(source.cursor(), binary=True, writer=FileWriter(buffer)) as copy:
        copy.set_types(_copy_types(columns))
        for row in rows:
            copy.write_row(row)
    return buffer.getvalue()


def _copy_types(columns: Sequence[tuple[str, str, str]]) -> list[str]:
    return [pg.split("(")[0] for _c, pg, _lite in columns]


def one_of(values: list, db_type: str = "bigint"):
    """The right-hand side of `field__in=` for many values in one parameter.

    On PostgreSQL an array (`IN (SELECT unnest(%s))`): Django and psycopg otherwise build and
    parse one placeholder per value, which costs more than the query for 100,000 ids. On
    SQLite the list itself (callers chunk it under SQLite's parameter limit).
    """
    if is_postgres():
        return RawSQL(f"SELECT unnest(%s::{db_type}[])", (array_literal(values),))
    return list(values)


def array_literal(values: Iterable) -> str:
    """A PostgreSQL array literal ('{1,2,3}', '{"a","b"}') to pass as ONE text parameter.

    Django's psycopg cursors bind on the client, where a Python list is quoted element by
    element (~40 µs each: 0.4 s for 10,000 ids); one string is quoted at C speed.
    """
    items = []
    for value in values:
        if type(value) is int:
            items.append(str(value))
        elif value is None:
            items.append("NULL")
        else:
            text = str(value).replace("\\", "\\\\").replace('"', '\\"')
            items.append(f'"{text}"')
    return "{" + ",".join(items) + "}"


def chunk_size() -> int:
    """How many values one `one_of` may carry: all on PostgreSQL, 5,000 on SQLite."""
    return 1_000_000 if is_postgres() else 5000


def fetch(sql: str, params: dict | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.fetchall() if cursor.description else []


def execute(sql: str, params: dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.rowcount


def for_ids(sql: str, column: str, ids: list[int], params: dict | None = None) -> int:
    """Run `sql`, whose `{match}` stands for "`column` is one of `ids`" (chunked on SQLite)."""
    if not ids:
        return 0
    params = dict(params or {})
    if is_postgres():
        # IN (SELECT unnest(…)) is planned as a hash join; "= ANY(array)" scans the array per row.
        match = f"{column} IN (SELECT unnest(%(ids)s::bigint[]))"
        return execute(sql.format(match=match), {**params, "ids": array_literal(ids)})
    done = 0
    for part in chunks(list(ids)):
        inline = ", ".join(str(int(i)) for i in part)  # integers only: safe to inline
        done += execute(sql.format(match=f"{column} IN ({inline})"), params)
    return done


def insert_select(model, values: dict[str, str], source: str, params: dict) -> str:
    """`INSERT INTO <model's table> (…) SELECT … <source>` for `for_ids`/`execute`.

    `values` maps columns to SQL expressions over `source` (FROM … WHERE …); every other
    column gets its field's default as a parameter (added to `params`, which must then be
    passed along), so fields added later with a default need no change here.
    """
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in values:
            continue
        columns.append(field.column)
        if field.column in values:
            expressions.append(values[field.column])
        else:
            name = f"default_{field.column}"
            params[name] = field.get_db_prep_save(field.get_default(), connection)
            expressions.append(f"%({name})s")
    return (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} {source}"
    )


def plus_microseconds(instant: str, microseconds: str) -> str:
    """An instant moved by a whole number of microseconds (both SQL expressions; NULL stays NULL).

    SQLite has no interval type: Django's own `django_format_dtdelta` does the arithmetic and
    writes the result in the text form Django reads and compares.
    """
    if is_postgres():
        return f"({instant} + {microseconds} * interval '1 microsecond')"
    return f"django_format_dtdelta('+', {instant}, {microseconds})"


def local_date(expression: str) -> str:
    """The calendar day (TIME_ZONE) of a stored instant, in SQL (as TruncDate computes it)."""
    zone = timezone.get_current_timezone_name()  # a zone name: safe to inline
    if is_postgres():
        return f"({expression} AT TIME ZONE '{zone}')::date"
    return f"django_datetime_cast_date({expression}, '{zone}', '{connection.timezone_name}')"


def estimated_rows(model) -> int:
    """PostgreSQL's current estimate of the table's rows (pg_class.reltuples)."""
    rows = fetch(
        "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %(table)s::regclass",
        {"table": model._meta.db_table},
    )
    return rows[0][0] if rows else 0

"""Continuous percentiles per group, computed in the database.

PostgreSQL has `percentile_cont(f) WITHIN GROUP (ORDER BY x)`. SQLite has no ordered-set
aggregate, so there the same interpolation is written with window functions: with the n values
of a group sorted and numbered from 0, h = (n - 1) * f, and the result is
x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]) — PostgreSQL's own definition,
so both give the same answer (the tests run the fallback on PostgreSQL too).
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Aggregate, F, FloatField, QuerySet


class PercentileCont(Aggregate):
    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def _key(row: tuple, width: int):
    return row[0] if width == 1 else tuple(row[:width])


def percentile_by(
    queryset: QuerySet, keys: list[str], value: str, fraction: float, *, portable: bool = False
) -> dict:
    """{group key: percentile of `value`} over `queryset`, grouped by `keys` (a tuple key when
    there are several). `portable` forces the window-function form (used by tests on PG)."""
    db = queryset.db
    if connections[db].vendor == "postgresql" and not portable:
        rows = (
            queryset.order_by()
            .values(*keys)
            .annotate(p=PercentileCont(value, fraction))
            .values_list(*keys, "p")
        )
        return {_key(row, len(keys)): row[-1] for row in rows}

    aliases = {f"k{i}": F(key) for i, key in enumerate(keys)}
    inner = (
        queryset.order_by()
        .annotate(**aliases, v=F(value))
        .filter(v__isnull=False)
        .values(*aliases, "v")
    )
    sql, params = inner.query.sql_with_params()
    cols = ", ".join(aliases)
    # floor(h): SQLite's CAST truncates (h is never negative); PostgreSQL's CAST rounds.
    # Only our own column aliases and this expression are interpolated into the SQL.
    lo = "FLOOR(h)" if connections[db].vendor == "postgresql" else "CAST(h AS INTEGER)"
    statement = f"""
        WITH r AS (
            SELECT {cols}, v,
                   ROW_NUMBER() OVER (PARTITION BY {cols} ORDER BY v) - 1 AS i,
                   (COUNT(*) OVER (PARTITION BY {cols}) - 1) * %s AS h
            FROM ({sql}) AS src
        )
        SELECT {cols}, SUM(
            CASE WHEN i = {lo} THEN v * (1 - (h - {lo}))
                 WHEN i = {lo} + 1 THEN v * (h - {lo})
                 ELSE 0 END
        )
        FROM r GROUP BY {cols}
    """
    with connections[db].cursor() as cursor:
        cursor.execute(statement, [float(fraction), *params])
        rows = cursor.fetchall()
    return {_key(row, len(keys)): float(row[-1]) for row in rows}

"""The refresh: one `ClockForecast` per open day-limited company clock, set-based.

A handful of statements whatever the number of clocks, in one transaction:

1. a temporary table of the working-day ordinal of each day since the oldest open clock began
   (from `monitoring.workdays`, so company overrides count);
2. a temporary table of the open clocks with their group and elapsed working days (pauses
   excluded), joined to that calendar by local day;
3. one grouped count of the history (finished, returned/cancelled and open clocks per group and
   working days) — read into Python as counts, never as clocks;
4. the estimates, computed once per distinct (group, elapsed, limit) in Python, written to a
   temporary table;
5. one `INSERT … SELECT … ON CONFLICT DO UPDATE` writing every clock's row (rows that did not
   change are not rewritten), and one DELETE of the rows of clocks no longer open.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from applications.models import Unit

from .. import sql, workdays
from ..models import ClockForecast, ForecastPolicy, StageClock
from ..models.policy import LimitUnit
from .estimate import CAPACITY_BOUNDS, FINISHED, LEFT, OPEN, GroupKey, Histories

logger = logging.getLogger(__name__)
Outcome = StageClock.Outcome

# What is forecast: open clocks that count against the company under a working-day limit.
# Hour limits (acceptance, 24 h) are over before a forecast could help.
FORECAST_CLOCKS = """
    c.counts_against_company AND c.limit_unit = %(working_days)s AND c.limit_value IS NOT NULL
"""


@dataclass
class RefreshResult:
    now: datetime
    clocks: int = 0  # open clocks forecast
    estimated: int = 0  # of which with a probability (enough history)
    groups: int = 0  # distinct (group, elapsed, limit) estimated
    written: int = 0  # rows inserted or changed
    removed: int = 0  # rows of clocks no longer open
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "clocks": self.clocks,
            "estimated": self.estimated,
            "groups": self.groups,
            "written": self.written,
            "removed": self.removed,
            "seconds": self.seconds,
        }


def _local_day(column: str, params: dict) -> str:
    """SQL for the local (settings.TIME_ZONE) calendar day of an instant column."""
    if connection.vendor == "postgresql":
        params["zone"] = settings.TIME_ZONE
        return f"CAST(({column} AT TIME ZONE %(zone)s) AS date)"
    # SQLite keeps UTC text: shift by the zone's offset (Asia/Shanghai has no DST).
    offset = timezone.localtime(timezone.now()).utcoffset()
    params["offset"] = f"{int(offset.total_seconds() // 60):+d} minutes"
    return f"date({column}, %(offset)s)"


def _band(column: str) -> str:
    whens = " ".join(f"WHEN {column} < {bound} THEN {i}" for i, bound in enumerate(CAPACITY_BOUNDS))
    return f"CASE {whens} ELSE {len(CAPACITY_BOUNDS)} END"


def _execute(cursor, statement: str, params: dict | None = None) -> int:
    cursor.execute(statement, params or {})
    return max(cursor.rowcount, 0)


def _drop_temporary(cursor) -> None:
    for name in ("fc_day", "fc_open", "fc_result"):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _calendar_table(cursor, now: datetime) -> int:
    """fc_day(day, ord): working-day ordinals from the oldest open clock's start to today."""
    today = timezone.localdate(now)
    oldest = (
        StageClock.objects.filter(outcome=Outcome.OPEN, limit_unit=LimitUnit.WORKING_DAYS)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    first = min(timezone.localdate(oldest), today) if oldest else today
    cursor.execute("CREATE TEMPORARY TABLE fc_day (day date PRIMARY KEY, ord integer NOT NULL)")
    # Dates as the driver wants them: psycopg adapts a date, SQLite compares ISO text.
    as_param = (lambda d: d) if connection.vendor == "postgresql" else (lambda d: d.isoformat())
    rows = [(as_param(day), ordinal) for day, _w, ordinal in workdays.materialize(first, today)]
    cursor.executemany("INSERT INTO fc_day (day, ord) VALUES (%s, %s)", rows)
    return workdays.workday_ordinal(today)


def _open_table(cursor, today_ord: int) -> int:
    """fc_open: every open clock to forecast, with its group key and elapsed working days."""
    t = sql.tables()
    params = {"open": Outcome.OPEN, "working_days": LimitUnit.WORKING_DAYS, "today": today_ord}
    started, paused = _local_day("c.started_at", params), _local_day("c.paused_at", params)
    # Elapsed = working days since the start day, less the pauses so far (a pause still running
    # counts to today), as `monitoring.clocks.elapsed_working_days` computes for one clock.
    spent = "%(today)s - ds.ord - c.paused_working_days - COALESCE(%(today)s - dp.ord, 0)"
    _execute(
        cursor,
        f"""
        CREATE TEMPORARY TABLE fc_open AS
        SELECT c.id AS clock_id, c.application_id, c.unit_id, c.responsible_id, c.stage,
               c.customer_class, CASE WHEN a.has_grid_works THEN 1 ELSE 0 END AS grid,
               {_band("a.requested_capacity_kva")} AS band, c.due_at,
               (c.paused_at IS NOT NULL) AS paused, c.limit_value AS lim,
               CASE WHEN {spent} < 0 THEN 0 ELSE {spent} END AS elapsed
        FROM {t["clock"]} c
        JOIN {t["application"]} a ON a.id = c.application_id
        JOIN fc_day ds ON ds.day = {started}
        LEFT JOIN fc_day dp ON dp.day = {paused}
        WHERE c.outcome = %(open)s AND {FORECAST_CLOCKS}
        """,
        params,
    )
    # CREATE TABLE … AS reports no row count on SQLite: count them.
    cursor.execute("SELECT COUNT(*) FROM fc_open")
    return cursor.fetchone()[0]


def _history(cursor, since: datetime) -> list[tuple[GroupKey, int, int, int]]:
    """The history as counts: (finest group, working days, status, clocks)."""
    t = sql.tables()
    params = {
        "open": Outcome.OPEN,
        "working_days": LimitUnit.WORKING_DAYS,
        "since": sql.instant(since),
    }
    cursor.execute(
        f"""
        SELECT customer_class, stage, grid, unit_id, band, days, status, COUNT(*)
        FROM (
            SELECT c.customer_class, c.stage,
                   CASE WHEN a.has_grid_works THEN 1 ELSE 0 END AS grid, c.unit_id,
                   {_band("a.requested_capacity_kva")} AS band,
                   c.elapsed_working_days AS days,
                   CASE WHEN c.outcome IN ('{Outcome.MET}', '{Outcome.BREACHED}')
                        THEN {FINISHED} ELSE {LEFT} END AS status
            FROM {t["clock"]} c
            JOIN {t["application"]} a ON a.id = c.application_id
            WHERE c.outcome <> %(open)s AND c.elapsed_working_days IS NOT NULL
              AND c.started_at >= %(since)s AND {FORECAST_CLOCKS}
            UNION ALL
            SELECT customer_class, stage, grid, unit_id, band, elapsed, {OPEN} FROM fc_open
        ) h
        GROUP BY customer_class, stage, grid, unit_id, band, days, status
        """,
        params,
    )
    return [
        (GroupKey(cls, stage, int(grid), unit_id, int(band)), int(days), int(status), n)
        for cls, stage, grid, unit_id, band, days, status, n in cursor.fetchall()
    ]


def _results_table(cursor, histories: Histories, policy: ForecastPolicy) -> tuple[int, int]:
    """fc_result: one estimate per distinct (group, elapsed, limit) of the open clocks."""
    cursor.execute(
        """
        SELECT customer_class, stage, grid, unit_id, band, elapsed, lim, COUNT(*)
        FROM fc_open GROUP BY customer_class, stage, grid, unit_id, band, elapsed, lim
        """
    )
    wanted = cursor.fetchall()
    unit_names = dict(Unit.objects.values_list("pk", "name"))
    rows, estimated = [], 0
    for cls, stage, grid, unit_id, band, elapsed, limit, clocks in wanted:
        key = GroupKey(cls, stage, int(grid), unit_id, int(band))
        found = histories.forecast(
            key,
            int(elapsed),
            int(limit),
            min_group_size=policy.min_group_size,
            unit_names=unit_names,
        )
        estimated += clocks if found.probability is not None else 0
        rows.append(
            (
                *(cls, stage, grid, unit_id, band, elapsed, limit),
                *(found.probability, found.level, found.group_size, found.late),
                found.explanation,
            )
        )
    cursor.execute(
        """
        CREATE TEMPORARY TABLE fc_result (
            customer_class varchar(20), stage varchar(30), grid integer, unit_id bigint,
            band integer, elapsed integer, lim integer, probability double precision,
            level integer, group_size integer, late_count integer, explanation text)
        """
    )
    cursor.executemany(
        "INSERT INTO fc_result VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows
    )
    return len(rows), estimated


def _write(cursor, now: datetime) -> tuple[int, int]:
    """Upsert every open clock's forecast (unchanged rows untouched); drop closed clocks'.

    Ordered by clock, so two refreshes at once (the task and the command) lock rows in the same
    order and one waits for the other instead of deadlocking. `WHERE 1 = 1` lets SQLite parse
    the upsert after a join.
    """
    table = sql.table(ClockForecast)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    compared = [
        "probability",
        "remaining_working_days",
        "explanation",
        "responsible_id",
        "due_at",
        "paused",
        "group_level",
    ]
    changed = " OR ".join(f"{table}.{c} {differs} excluded.{c}" for c in compared)
    columns = [
        "application_id",
        "unit_id",
        "responsible_id",
        "stage",
        "due_at",
        "paused",
        "elapsed_working_days",
        "remaining_working_days",
        "probability",
        "group_level",
        "group_size",
        "late_count",
        "explanation",
        "computed_at",
    ]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns)
    written = _execute(
        cursor,
        f"""
        INSERT INTO {table} (clock_id, {", ".join(columns)})
        SELECT o.clock_id, o.application_id, o.unit_id, o.responsible_id, o.stage, o.due_at,
               o.paused, o.elapsed, o.lim - o.elapsed, r.probability, r.level, r.group_size,
               r.late_count, r.explanation, %(now)s
        FROM fc_open o
        JOIN fc_result r ON r.customer_class = o.customer_class AND r.stage = o.stage
             AND r.grid = o.grid AND r.unit_id = o.unit_id AND r.band = o.band
             AND r.elapsed = o.elapsed AND r.lim = o.lim
        WHERE 1 = 1
        ORDER BY o.clock_id
        ON CONFLICT (clock_id) DO UPDATE SET {updates}
        WHERE {changed}
        """,
        {"now": sql.instant(now)},
    )
    removed = _execute(
        cursor,
        f"""
        DELETE FROM {table}
        WHERE NOT EXISTS (SELECT 1 FROM fc_open o WHERE o.clock_id = {table}.clock_id)
        """,
    )
    return written, removed


def refresh_forecasts(now: datetime | None = None) -> RefreshResult:
    """Re-estimate every open clock's breach probability at `now` (default: this instant).

    Idempotent: a second refresh at the same instant writes nothing. One transaction, so the
    lists never show half a refresh.
    """
    result = RefreshResult(now=now or timezone.now())
    policy = ForecastPolicy.current()
    since = result.now - timedelta(days=policy.history_days)
    clock = time.perf_counter

    def lap(name: str, started: float) -> float:
        result.seconds[name] = round(clock() - started, 3)
        return clock()

    with transaction.atomic(), connection.cursor() as cursor:
        _drop_temporary(cursor)
        started = clock()
        today_ord = _calendar_table(cursor, result.now)
        result.clocks = _open_table(cursor, today_ord)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE fc_open")
        started = lap("open_clocks", started)
        histories = Histories(_history(cursor, since))
        started = lap("history", started)
        result.groups, result.estimated = _results_table(cursor, histories, policy)
        started = lap("estimates", started)
        result.written, result.removed = _write(cursor, result.now)
        lap("write", started)
        _drop_temporary(cursor)
    logger.info("Forecast refresh at %s: %s", result.now, result.as_dict())
    return result


def claim_refresh(now: datetime | None = None) -> bool:
    """Whether a refresh is due (the policy's interval since the last claim), claiming it.

    A conditional UPDATE: of two sweeps finishing at once, only one queues the refresh.
    """
    now = now or timezone.now()
    policy = ForecastPolicy.current()
    cutoff = now - timedelta(minutes=policy.refresh_minutes)
    return bool(
        ForecastPolicy.objects.filter(pk=policy.pk)
        .filter(Q(refresh_claimed_at__isnull=True) | Q(refresh_claimed_at__lte=cutoff))
        .update(refresh_claimed_at=now)
    )


__all__ = ["RefreshResult", "claim_refresh", "refresh_forecasts"]

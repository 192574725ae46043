"""Benchmark: the sweep over N open clocks (5% due) against the floor of writing the same rows.

    python benchmarks/sweep.py                  # N = 1,000,000
    python benchmarks/sweep.py --clocks 100000

Without DATABASE_URL it starts its own throwaway PostgreSQL (yekuo.pgcluster) with the
settings printed below, and stops it on exit, Ctrl-C included. With DATABASE_URL it loads into
that (PostgreSQL) database: use a scratch one.

What is measured, each best of `--runs` (default 3) with the alert table emptied in between:
(a) the sweep's three raising steps (warnings, overdue, escalations), each one statement in its
    own transaction, exactly as `run_sweep` runs them;
(b) the floor: a bare INSERT … SELECT of exactly the same rows (the same SELECTs, without the
    NOT EXISTS, ORDER BY and ON CONFLICT that make the sweep idempotent) into an empty copy of
    the alert table with the same indexes and foreign keys.
The last line is `ratio_to_floor=X.XX` (a / b); the issue's target is ≤ 2.0. Also printed, not
in the ratio: the floor without foreign keys, the sweep rerun when nothing is new (its usual
5-minute cost) and one notify step for the whole backlog of alerts.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from _postgres import on_postgres, setup

# Memory for a 1M-row working set on a small machine; durability off as in every throwaway
# cluster (pgcluster.FAST_SETTINGS); JIT off, as its compile time would dominate one-off plans.
BENCH_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "effective_cache_size": "4GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "jit": "off",
}
SHOWN = [
    "server_version",
    *BENCH_SETTINGS,
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "max_parallel_workers_per_gather",
]
# A fixed "now" (a Tuesday), so the escalations found do not depend on the day it is run.
NOW = datetime(2026, 10, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DUE_EVERY = 20  # one clock in 20 is due: 5%
FLOOR = "bench_alert_floor"
FLOOR_NO_FK = "bench_alert_floor_no_fk"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clocks", type=int, default=1_000_000, help="open clocks to load")
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    if args.clocks < DUE_EVERY:
        parser.error(f"--clocks must be at least {DUE_EVERY}")
    on_postgres(lambda: run(args), BENCH_SETTINGS)


def run(args) -> None:
    setup("sweep.py", SHOWN)
    from django.db import connection

    started = time.perf_counter()
    due = load(args.clocks)
    print(
        f"loaded {args.clocks:,} open clocks ({due:,} due) in {time.perf_counter() - started:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")

    make_floor_tables()
    sweep_runs, floor_runs, floor_no_fk_runs = [], [], []
    for _run in range(args.runs):  # interleaved, so a burst of other load hits both alike
        sweep_runs.append(time_sweep())
        floor_runs.append(time_floor(FLOOR))
        floor_no_fk_runs.append(time_floor(FLOOR_NO_FK))
    # The alert table holds every alert now: what each 5-minute sweep costs when nothing is new.
    steady = time_sweep(truncate_first=False)

    sweep_best = min(sweep_runs, key=total)
    floor_best = min(floor_runs, key=total)
    assert counts(sweep_best) == counts(floor_best), (sweep_best, floor_best)
    print(f"\nnow = {NOW:%Y-%m-%d %H:%M %Z}, best of {args.runs}")
    report("(a) sweep: warning / overdue / escalation steps", sweep_best, sweep_runs)
    report(
        "(b) floor: bare INSERT … SELECT, same rows, same indexes and FKs", floor_best, floor_runs
    )
    report(
        "    (floor without the foreign keys)", min(floor_no_fk_runs, key=total), floor_no_fk_runs
    )
    report("(a') sweep again, nothing new (the usual 5-minute run)", steady, [steady])
    print(f"notify step once, for these alerts (not in the ratio): {time_notify():.3f} s")
    print(f"ratio_to_floor={total(sweep_best) / total(floor_best):.2f}")


# --- Loading --------------------------------------------------------------------------------


def load(n: int) -> int:
    """N applications with one open scheme clock each, 1 in 20 due; returns how many are due.

    One application and its clock are made through the services; the rest are copies made by
    INSERT … SELECT over generate_series, with every column taken from the template row (so
    the loader follows the schema) and only the key, the number and the instants changed.
    """
    from datetime import timedelta

    from django.db import connection, transaction

    from applications import roles
    from applications.demo import make_staff, new_application
    from applications.models import Application, Unit
    from monitoring.clocks import deadlines, policy_for
    from monitoring.models import StageClock

    tag = secrets.token_hex(2)
    unit = Unit.objects.create(code=f"bench-{tag}", name=f"基准测试供电所{tag}")
    supervisor = make_staff(f"bench_sup_{tag}", role=roles.SUPERVISOR, unit=unit)
    cm = make_staff(
        f"bench_cm_{tag}", role=roles.CUSTOMER_MANAGER, unit=unit, supervisor=supervisor
    )
    cm.email = "cm@example.com"
    cm.save()
    unit.leader = supervisor
    unit.save()
    front = make_staff(f"bench_front_{tag}", role=roles.FRONT_DESK, unit=unit)
    app = new_application(
        user=front,
        unit=unit,
        customer_class="lv_business",
        serial=int(tag, 16),
        customer_manager=cm,
        at=NOW - timedelta(days=40),
    )
    clock = app.clocks.get()
    policy = policy_for("lv_business", "scheme", NOW.date())
    clock.stage, clock.policy, clock.responsible = "scheme", policy, cm
    clock.limit_unit, clock.limit_value = policy.limit_unit, policy.limit_value
    clock.warn_unit, clock.warn_before_value = policy.warn_unit, policy.warn_before_value
    clock.counts_against_company = True
    clock.started_at = NOW + timedelta(days=1)
    clock.warn_at, clock.due_at = deadlines(clock)
    clock.save()

    q = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        with contextlib.suppress(Exception), transaction.atomic():
            # Copies of consistent rows: skip per-row FK triggers while loading (superuser only).
            cursor.execute("SET LOCAL session_replication_role = replica")
        app_columns = [f.column for f in Application._meta.concrete_fields if not f.primary_key]
        select = ", ".join(
            f"'B{tag}-' || lpad(g.i::text, 9, '0')" if c == "number" else f"t.{q(c)}"
            for c in app_columns
        )
        cursor.execute(
            f"INSERT INTO {q(Application._meta.db_table)} ({', '.join(map(q, app_columns))}) "
            f"SELECT {select} FROM {q(Application._meta.db_table)} t "
            "CROSS JOIN generate_series(1, %s) AS g(i) WHERE t.id = %s",
            [n - 1, app.pk],
        )
        # Due clocks: due 1 hour to 11 days ago (so every escalation level occurs), warned a
        # day before; the others due 2 to 31 days ahead. Started 5 days before due.
        due_at = (
            f"CASE WHEN a.i %% {DUE_EVERY} = 0"
            f" THEN %(now)s - ((a.i / {DUE_EVERY}) %% 12) * interval '1 day' - interval '1 hour'"
            " ELSE %(now)s + (2 + a.i %% 30) * interval '1 day' END"
        )
        overrides = {
            "application_id": "a.id",
            "due_at": due_at,
            "warn_at": f"({due_at}) - interval '1 day'",
            "started_at": f"({due_at}) - interval '5 days'",
        }
        clock_columns = [f.column for f in StageClock._meta.concrete_fields if not f.primary_key]
        select = ", ".join(overrides.get(c, f"t.{q(c)}") for c in clock_columns)
        cursor.execute(
            f"INSERT INTO {q(StageClock._meta.db_table)} ({', '.join(map(q, clock_columns))}) "
            f"SELECT {select} FROM {q(StageClock._meta.db_table)} t CROSS JOIN ("
            f"  SELECT id, row_number() OVER (ORDER BY id) AS i"
            f"  FROM {q(Application._meta.db_table)}"
            f"  WHERE number LIKE %(prefix)s AND id <> %(app)s) a "
            "WHERE t.id = %(clock)s",
            {"now": NOW, "prefix": f"B{tag}-%", "app": app.pk, "clock": clock.pk},
        )
    return (n - 1) // DUE_EVERY


# --- Timing ---------------------------------------------------------------------------------

RAISING = ("raise_warnings", "raise_overdue", "raise_escalations")


def total(run: dict) -> float:
    return sum(seconds for seconds, _rows in run.values())


def counts(run: dict) -> dict:
    return {step: rows for step, (_seconds, rows) in run.items()}


def timed(sql: str, params: dict) -> tuple[float, int]:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.rowcount
    return time.perf_counter() - started, rows


def truncate(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(table)} CASCADE")


def statements(**options) -> dict[str, tuple[str, dict]]:
    from monitoring import sweep

    return {
        "raise_warnings": sweep.warning_statement(NOW, **options),
        "raise_overdue": sweep.overdue_statement(NOW, **options),
        "raise_escalations": sweep.escalation_statement(NOW, **options),
    }


def time_sweep(truncate_first: bool = True) -> dict:
    from django.db import transaction

    from monitoring import sweep
    from monitoring.models import Alert

    if truncate_first:
        truncate(Alert._meta.db_table)
    result = {}
    for name in RAISING:
        # The step functions themselves, one transaction each, as run_sweep runs them.
        step = getattr(sweep, name)
        started = time.perf_counter()
        with transaction.atomic():
            rows = step(NOW)
        result[name] = (time.perf_counter() - started, rows)
    return result


def make_floor_tables() -> None:
    from django.db import connection

    from monitoring.models import Alert

    alert = Alert._meta.db_table
    with connection.cursor() as cursor:
        for table in (FLOOR, FLOOR_NO_FK):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} (LIKE {alert} INCLUDING ALL)")
        # LIKE copies columns, defaults, identity, checks and indexes, not foreign keys.
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [alert],
        )
        for (definition,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {FLOOR} ADD {definition}")
        cursor.execute(f"VACUUM ANALYZE {FLOOR}")
        cursor.execute(f"VACUUM ANALYZE {FLOOR_NO_FK}")


def time_floor(table: str) -> dict:
    truncate(table)
    bare = statements(into=table, guarded=False)
    return {name: timed(*bare[name]) for name in RAISING}


def time_notify() -> float:
    from django.db import transaction

    from monitoring.notify import notify_alerts

    started = time.perf_counter()
    with transaction.atomic():
        notify_alerts(NOW)
    return time.perf_counter() - started


def report(title: str, best: dict, runs: list[dict]) -> None:
    print(f"{title}: {total(best):.3f} s (runs: {', '.join(f'{total(r):.3f}' for r in runs)})")
    for name, (seconds, rows) in best.items():
        print(f"    {name:<18} {rows:>9,} rows  {seconds:.3f} s")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # the cluster has been stopped and removed by now
        sys.exit("benchmarks/sweep.py: interrupted")

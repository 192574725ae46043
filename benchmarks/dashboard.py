"""Benchmark: the dashboard page and the admin application list at N applications.

    python benchmarks/dashboard.py --apps 1000000 [--runs 30]
    DATABASE_URL=… python benchmarks/dashboard.py --no-load     # time again, same data

Uses DATABASE_URL when set (it must be PostgreSQL, and is migrated and filled: use a scratch
database); otherwise starts a throwaway PostgreSQL (yekuo.pgcluster) and removes it afterwards.
Loads N applications with their stage clocks and callbacks set-based (generate_series,
INSERT … SELECT — no ORM per row), ANALYZEs, then renders the dashboard page and the admin
application changelist through the Django test client as a supervisor who sees every unit.
The last line printed is `dashboard_p95_ms=X changelist_p95_ms=Y`.

The data: applications accepted uniformly over the last three years across 12 stations and
96 customer managers; 55% residential, 30% low-voltage business (60% of them small/micro),
12% high-voltage single and 3% dual supply; 40% with grid works. Each stage takes a random
number of days (company stages up to 1.25× their limit, so about a fifth run late; customer
stages 1–20 days); a stage that would end after now is the application's current stage, open.
Days are calendar days here: the benchmark measures volume and query plans, not the calendar.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "effective_cache_size": "8GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "random_page_cost": "1.1",
    "jit": "off",
}

STATIONS = 12
MANAGERS_PER_STATION = 8

# (class, with grid works?, stages with (limit in days or None for customer time)).
_LV_R = [("accept", 1), ("scheme", 2), ("grid_works", 15), ("energize", 2), ("archive", 5)]
_LV_B = [
    ("accept", 1),
    ("scheme", 3),
    ("grid_works", 15),
    ("customer_completion", None),
    ("completion_inspection", 3),
    ("energize", 2),
    ("archive", 5),
]
_HV = lambda scheme: [  # noqa: E731
    ("accept", 1), ("scheme", scheme), ("customer_design", None), ("design_review", 5),
    ("customer_construction", None), ("middle_inspection", 3), ("customer_completion", None),
    ("completion_inspection", 5), ("contract", 3), ("energize", 2), ("archive", 5),
]  # fmt: skip
PATHS = {"lv_resident": _LV_R, "lv_business": _LV_B, "hv_single": _HV(10), "hv_dual": _HV(20)}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def path_rows() -> list[tuple]:
    rows = []
    for cls, stages in PATHS.items():
        for works in (False, True):
            seq = 0
            for stage, limit in stages:
                if stage == "grid_works" and not works:
                    continue
                seq += 1
                rows.append((cls, works, seq, stage, limit))
    return rows


def _defaults(model, explicit: set[str]) -> tuple[list[str], list]:
    """NOT NULL columns the INSERT does not set, with their model defaults (other engineers'
    new fields keep working without editing this script)."""
    from django.db import connection

    with connection.cursor() as cur:
        present = {
            c.name
            for c in connection.introspection.get_table_description(cur, model._meta.db_table)
        }
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in explicit or field.null or field.primary_key:
            continue
        if field.column not in present:  # a field whose migration is not there yet
            continue
        if not field.has_default():
            continue
        columns.append(field.column)
        values.append(field.get_db_prep_save(field.get_default(), connection=connection))
    return columns, values


def make_people():
    from django.contrib.auth import get_user_model

    from applications import roles
    from applications.demo import make_staff
    from applications.models import Unit

    company = Unit.objects.create(code="bench", name="基准市供电公司")
    stations = [
        Unit.objects.create(code=f"bench{i:02d}", name=f"基准供电所{i:02d}", parent=company)
        for i in range(STATIONS)
    ]
    supervisor = make_staff("bench_supervisor", role=roles.SUPERVISOR, unit=company)
    managers = [
        make_staff(
            f"bench_cm{i:02d}_{k}",
            role=roles.CUSTOMER_MANAGER,
            unit=station,
            full_name=f"客户经理{i:02d}-{k}",
        )
        for i, station in enumerate(stations)
        for k in range(MANAGERS_PER_STATION)
    ]
    get_user_model().objects.filter(pk=supervisor.pk).update(is_staff=True)
    return supervisor, stations, managers


def load(n: int) -> None:
    from django.db import connection

    from applications.models import Application, Customer
    from monitoring.models import Callback, StageClock

    supervisor, stations, managers = make_people()
    with connection.cursor() as cur:
        # Generated rows are consistent by construction: skip the per-row FK triggers (6M
        # deferred checks would take longer than the load itself). Superuser of our cluster.
        cur.execute("SET session_replication_role = replica")
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            "CREATE TEMP TABLE bench_unit (idx int PRIMARY KEY, unit_id bigint);"
            "CREATE TEMP TABLE bench_cm (idx int PRIMARY KEY, user_id int);"
            "CREATE TEMP TABLE bench_path (customer_class text, works bool, seq int, "
            "stage text, limit_days int)"
        )
        cur.executemany(
            "INSERT INTO bench_unit VALUES (%s, %s)", list(enumerate(s.pk for s in stations))
        )
        cur.executemany(
            "INSERT INTO bench_cm VALUES (%s, %s)", list(enumerate(m.pk for m in managers))
        )
        cur.executemany("INSERT INTO bench_path VALUES (%s, %s, %s, %s, %s)", path_rows())

        log(f"planning {n:,} applications")
        cur.execute(
            """
            CREATE TEMP TABLE bench_app AS
            SELECT g AS id, u.unit_id, cm.user_id AS cm_id,
                   now() - random() * interval '1095 days' AS accepted_at,
                   CASE WHEN r < 0.55 THEN 'lv_resident' WHEN r < 0.85 THEN 'lv_business'
                        WHEN r < 0.97 THEN 'hv_single' ELSE 'hv_dual' END AS customer_class,
                   random() < 0.4 AS works, random() AS r2,
                   (ARRAY['app','95598','counter','visit','government'])[1 + (g %% 5)] AS channel
            FROM (SELECT g, random() AS r FROM generate_series(1, %s) g) s
            JOIN bench_unit u ON u.idx = g %% %s
            JOIN bench_cm cm ON cm.idx = (g %% %s) * %s + (g / %s) %% %s
            """,
            [n, STATIONS, STATIONS, MANAGERS_PER_STATION, STATIONS, MANAGERS_PER_STATION],
        )
        cur.execute("ALTER TABLE bench_app ADD PRIMARY KEY (id)")
        log("planning stage clocks")
        cur.execute(
            """
            CREATE TEMP TABLE bench_clock AS
            SELECT a.id AS app_id, a.unit_id, a.cm_id, a.customer_class, p.seq, p.stage,
                   p.limit_days, d.days,
                   a.accepted_at + (SUM(d.days) OVER w - d.days) * interval '1 day' AS started_at,
                   a.accepted_at + SUM(d.days) OVER w * interval '1 day' AS stopped_at
            FROM bench_app a
            JOIN bench_path p ON p.customer_class = a.customer_class AND p.works = a.works
            CROSS JOIN LATERAL (SELECT CASE
                WHEN p.limit_days IS NULL THEN 1 + floor(random() * 20)::int
                ELSE floor(random() * (p.limit_days * 1.25 + 1))::int END AS days) d
            WINDOW w AS (PARTITION BY a.id ORDER BY p.seq)
            """
        )
        cur.execute("DELETE FROM bench_clock WHERE started_at > now()")
        log("deciding states")
        cur.execute(
            """
            CREATE TEMP TABLE bench_state AS
            SELECT app_id,
                   CASE WHEN bool_and(stopped_at <= now()) THEN 'archived'
                        ELSE max(stage) FILTER (WHERE stopped_at > now()) END AS state,
                   max(started_at) AS state_changed_at,
                   max(stopped_at) FILTER (WHERE stage = 'energize' AND stopped_at <= now())
                       AS energized_at,
                   max(stopped_at) FILTER (WHERE stage = 'archive' AND stopped_at <= now())
                       AS archived_at
            FROM bench_clock GROUP BY app_id
            """
        )
        cur.execute("ALTER TABLE bench_state ADD PRIMARY KEY (app_id)")

        log("inserting customers")
        extra_cols, extra_vals = _defaults(
            Customer,
            {"name", "kind", "id_type", "id_number", "contact_name", "phone", "address",
             "unit_id", "created_at"},
        )  # fmt: skip
        cur.execute(
            f"""
            INSERT INTO applications_customer (id, name, kind, id_type, id_number, contact_name,
                phone, address, unit_id, created_at {"".join(", " + c for c in extra_cols)})
            SELECT id, '基准客户' || id, CASE WHEN customer_class = 'lv_resident'
                   THEN 'person' ELSE 'enterprise' END,
                   CASE WHEN customer_class = 'lv_resident' THEN 'resident_id'
                   ELSE 'credit_code' END, 'B' || lpad(id::text, 17, '0'), '联系人',
                   '138' || lpad((id %% 100000000)::text, 8, '0'), '基准路' || id || '号',
                   unit_id, accepted_at {"".join(", %s" for _ in extra_vals)}
            FROM bench_app
            """,
            extra_vals,
        )

        log("inserting applications")
        explicit = {
            "number", "customer_id", "unit_id", "customer_class", "requested_capacity_kva",
            "supply_voltage", "site_address", "channel", "is_small_micro", "has_grid_works",
            "customer_manager_id", "accepted_at", "state", "state_changed_at", "energized_at",
            "archived_at", "created_at", "updated_at", "suspended_from", "suspension_reason",
            "cancel_reason", "archive_location", "note",
        }  # fmt: skip
        extra_cols, extra_vals = _defaults(Application, explicit)
        cur.execute(
            f"""
            INSERT INTO applications_application (id, number, customer_id, unit_id,
                customer_class, requested_capacity_kva, supply_voltage, site_address, channel,
                is_small_micro, has_grid_works, customer_manager_id, accepted_at, state,
                state_changed_at, energized_at, archived_at, created_at, updated_at,
                suspended_from, suspension_reason, cancel_reason, archive_location, note
                {"".join(", " + c for c in extra_cols)})
            SELECT a.id, 'BM-' || lpad(a.id::text, 9, '0'), a.id, a.unit_id, a.customer_class,
                   CASE a.customer_class WHEN 'lv_resident' THEN 8 WHEN 'lv_business' THEN 80
                        WHEN 'hv_single' THEN 800 ELSE 4000 END,
                   CASE a.customer_class WHEN 'lv_resident' THEN '220V'
                        WHEN 'lv_business' THEN '380V' ELSE '10kV' END,
                   '基准路' || a.id || '号', a.channel,
                   a.customer_class = 'lv_business' AND a.r2 < 0.6, a.works, a.cm_id,
                   a.accepted_at, s.state, s.state_changed_at, s.energized_at, s.archived_at,
                   a.accepted_at, a.accepted_at, '', '', '', '', ''
                   {"".join(", %s" for _ in extra_vals)}
            FROM bench_app a JOIN bench_state s ON s.app_id = a.id
            """,
            extra_vals,
        )

        log("inserting stage clocks")
        explicit = {
            "application_id", "stage", "unit_id", "customer_class", "responsible_id",
            "counts_against_company", "limit_unit", "limit_value", "warn_before_value",
            "warn_unit", "started_at", "warn_at", "due_at", "stopped_at", "outcome",
            "paused_working_days", "paused_duration", "elapsed_working_days",
        }  # fmt: skip
        extra_cols, extra_vals = _defaults(StageClock, explicit)
        cur.execute(
            f"""
            INSERT INTO monitoring_stageclock (application_id, stage, unit_id, customer_class,
                responsible_id, counts_against_company, limit_unit, limit_value,
                warn_before_value, warn_unit, started_at, warn_at, due_at, stopped_at, outcome,
                paused_working_days, paused_duration, elapsed_working_days
                {"".join(", " + c for c in extra_cols)})
            SELECT app_id, stage, unit_id, customer_class, cm_id, limit_days IS NOT NULL,
                   'working_days', limit_days, CASE WHEN limit_days IS NULL THEN NULL ELSE 1 END,
                   'working_days', started_at,
                   started_at + (limit_days - 1) * interval '1 day',
                   started_at + limit_days * interval '1 day',
                   CASE WHEN stopped_at <= now() THEN stopped_at END,
                   CASE WHEN stopped_at > now() THEN 'open'
                        WHEN limit_days IS NOT NULL AND days > limit_days THEN 'breached'
                        ELSE 'met' END,
                   0, interval '0', CASE WHEN stopped_at <= now() THEN days END
                   {"".join(", %s" for _ in extra_vals)}
            FROM bench_clock ORDER BY app_id, seq
            """,
            extra_vals,
        )

        log("inserting callbacks")
        explicit = {
            "application_id", "unit_id", "kind", "due_at", "status", "attempts", "reached_at",
            "closed_at", "satisfaction", "assigned_to_id", "created_at",
        }  # fmt: skip
        extra_cols, extra_vals = _defaults(Callback, explicit)
        extra_sql = "".join(", " + c for c in extra_cols)
        extra_params = "".join(", %s" for _ in extra_vals)
        cur.execute(
            f"""
            INSERT INTO monitoring_callback (application_id, unit_id, kind, due_at, status,
                attempts, reached_at, closed_at, satisfaction, assigned_to_id, created_at
                {extra_sql})
            SELECT id, unit_id, 'first', accepted_at + interval '8 hours',
                   CASE WHEN accepted_at < now() - interval '1 day' THEN 'reached'
                        ELSE 'pending' END, 1,
                   CASE WHEN accepted_at < now() - interval '1 day'
                        THEN accepted_at + interval '2 hours' END,
                   CASE WHEN accepted_at < now() - interval '1 day'
                        THEN accepted_at + interval '2 hours' END,
                   NULL, cm_id, accepted_at {extra_params}
            FROM bench_app
            """,
            extra_vals,
        )
        cur.execute(
            f"""
            INSERT INTO monitoring_callback (application_id, unit_id, kind, due_at, status,
                attempts, reached_at, closed_at, satisfaction, assigned_to_id, created_at
                {extra_sql})
            SELECT a.id, a.unit_id, 'satisfaction', s.energized_at + interval '2 days',
                   CASE WHEN s.energized_at < now() - interval '2 days' THEN 'reached'
                        ELSE 'pending' END, 1,
                   CASE WHEN s.energized_at < now() - interval '2 days'
                        THEN s.energized_at + interval '1 day' END,
                   CASE WHEN s.energized_at < now() - interval '2 days'
                        THEN s.energized_at + interval '1 day' END,
                   CASE WHEN s.energized_at < now() - interval '2 days'
                        THEN LEAST(5, 2 + floor(random() * 4)::int) END,
                   a.cm_id, s.energized_at {extra_params}
            FROM bench_app a JOIN bench_state s ON s.app_id = a.id
            WHERE s.energized_at IS NOT NULL
            """,
            extra_vals,
        )
        for table in ("applications_customer", "applications_application"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cur.execute("DROP TABLE bench_app, bench_clock, bench_state, bench_path, bench_cm")
        cur.execute("SET session_replication_role = origin")
    # What the daily task does in production: connection records and monthly figures.
    from monitoring.dashboard.records import refresh_connection_records, refresh_monthly_figures

    started = time.perf_counter()
    records = refresh_connection_records()
    log(f"connection records: {records:,} in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    months = refresh_monthly_figures()
    log(f"monthly figures: {months:,} rows in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cur:
        log("VACUUM ANALYZE")
        cur.execute("VACUUM ANALYZE")
        cur.execute(
            "SELECT (SELECT count(*) FROM applications_application), "
            "(SELECT count(*) FROM monitoring_stageclock), "
            "(SELECT count(*) FROM monitoring_callback), "
            "(SELECT pg_size_pretty(pg_database_size(current_database())))"
        )
        apps, clocks, callbacks, size = cur.fetchone()
    log(f"loaded {apps:,} applications, {clocks:,} clocks, {callbacks:,} callbacks; db {size}")
    return supervisor


def timed(client, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        times.append((time.perf_counter() - start) * 1000)
    return times


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yekuo.settings")
    # The test client's host. Not setup_test_environment(): it instruments every template
    # render for tests, which would be measured too.
    os.environ["YEKUO_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        raise SystemExit("benchmarks/dashboard.py needs PostgreSQL (DATABASE_URL).")
    if args.no_load:
        # Time again on a database this script filled before (DATABASE_URL set).
        from django.contrib.auth import get_user_model

        supervisor = get_user_model().objects.get(username="bench_supervisor")
    else:
        log("migrating")
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        supervisor = load(args.apps)
        log(f"load took {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cur:
        names = [*SERVER_SETTINGS, "max_parallel_workers_per_gather", "server_version"]
        cur.execute("SELECT " + ", ".join("current_setting(%s)" for _ in names), names)
        settings = " ".join(f"{n}={v}" for n, v in zip(names, cur.fetchone(), strict=True))
    log(f"PostgreSQL settings: {settings}")

    client = Client()
    client.force_login(supervisor)
    results = {}
    for name, url in (
        ("dashboard", "/dashboard/"),
        ("changelist", "/admin/applications/application/"),
    ):
        timed(client, url, 3)  # warm caches and connections
        times = timed(client, url, args.runs)
        results[name] = times
        log(
            f"{name} {url}: runs={len(times)} p50={statistics.median(times):.1f} ms "
            f"p95={p(times, 95):.1f} ms max={max(times):.1f} ms"
        )
    print(
        f"dashboard_p95_ms={p(results['dashboard'], 95):.1f} "
        f"changelist_p95_ms={p(results['changelist'], 95):.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=1_000_000, help="applications to load")
    parser.add_argument("--runs", type=int, default=30, help="timed renders per page")
    parser.add_argument(
        "--no-load",
        action="store_true",
        help="only time the pages, on a DATABASE_URL this script already filled",
    )
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        run(args)
        return
    from yekuo.pgcluster import throwaway_postgres

    with throwaway_postgres(settings=SERVER_SETTINGS) as url:
        os.environ["DATABASE_URL"] = url
        run(args)


if __name__ == "__main__":
    main()

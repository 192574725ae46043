"""Benchmark: the breach forecast's backtest and its refresh time.

    python benchmarks/forecast.py                     # N = 1,000,000 clocks
    python benchmarks/forecast.py --clocks 200000

Without DATABASE_URL it starts its own throwaway PostgreSQL (yekuo.pgcluster) and stops it on
exit, Ctrl-C included. With DATABASE_URL it loads into that (PostgreSQL) database: use a
scratch one.

The history: N stage clocks (one per application) of 8 units, 4 customer classes, the stages
with a working-day limit (from the policy table), with/without grid works and capacity, started
on working days over the `--window` working days before the cut. Each clock's true duration in
working days is drawn from a gamma(2) around a mean that depends on its limit, stage, unit,
class, grid works and capacity band (units differ in speed ×0.6–×1.5, grid works ×1.5 …), and
3% of the finished ones were returned instead. The database holds the state at the cut (cut
day 10:00): clocks that ended before it are finished (met/breached/returned), the others are
open; what happened after it is kept aside.

Then: (1) `refresh_forecasts` at the cut, timed (and a rerun with nothing changed); (2) for
every clock open at the cut and not yet overdue, its forecast is scored against whether it
really finished after its limit: ROC AUC and Brier score, and the same for a baseline that uses
only the fraction of the limit already used (e/L), mapped to a probability on the whole history
by the same Kaplan–Meier arithmetic on the fraction-of-limit scale (`fraction_baseline`).
The last line is `forecast_auc=X baseline_auc=Y refresh_s=Z` (Z: the first refresh, every
forecast row written).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from _postgres import on_postgres, setup

BENCH_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "effective_cache_size": "4GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "jit": "off",
}
SHOWN = ["server_version", *BENCH_SETTINGS, "fsync", "synchronous_commit"]
ZONE = ZoneInfo("Asia/Shanghai")
CUT_DAY = date(2026, 10, 20)  # a Tuesday
NOW = datetime.combine(CUT_DAY, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=10)
CLASSES = [("lv_resident", 0.45, 0.8), ("lv_business", 0.35, 1.0), ("hv_single", 0.16, 1.1)]
CLASSES += [("hv_dual", 0.04, 1.25)]  # (class, share, speed factor)
STAGE_RATIO = {"scheme": 0.75, "completion_inspection": 0.6, "energize": 0.7}
UNIT_FACTORS = [0.6, 0.75, 0.85, 1.0, 1.0, 1.15, 1.3, 1.5]
BAND_FACTORS = [0.85, 0.95, 1.0, 1.15, 1.3]
CAPACITY = {  # kVA range per class
    "lv_resident": (4, 20),
    "lv_business": (10, 300),
    "hv_single": (200, 5000),
    "hv_dual": (1000, 20000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clocks", type=int, default=1_000_000, help="stage clocks to load")
    parser.add_argument("--window", type=int, default=60, help="working days of starts")
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL setseed()")
    args = parser.parse_args()
    on_postgres(lambda: run(args), BENCH_SETTINGS)


def run(args) -> None:
    setup("forecast.py", SHOWN)
    from django.db import connection

    started = time.perf_counter()
    counts = load(args)
    print(
        f"loaded {args.clocks:,} clocks in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")

    from monitoring.forecast.refresh import refresh_forecasts

    first = refresh_forecasts(NOW)
    print(
        f"refresh (first, all rows written): {sum(first.seconds.values()):.2f} s — "
        f"{first.clocks:,} open clocks, {first.groups:,} estimates, {first.written:,} rows; "
        f"steps {first.seconds}"
    )
    again = refresh_forecasts(NOW)
    print(
        f"refresh (again, nothing changed): {sum(again.seconds.values()):.2f} s — "
        f"{again.written:,} rows written; steps {again.seconds}"
    )
    score()
    print(
        f"forecast_auc={RESULTS['forecast_auc']:.3f} baseline_auc={RESULTS['baseline_auc']:.3f} "
        f"refresh_s={sum(first.seconds.values()):.1f}"
    )


RESULTS: dict[str, float] = {}


# --- Loading --------------------------------------------------------------------------------


def _combos():
    """(class index, stage, limit, ratio) for every class and stage with a working-day limit."""
    from monitoring.clocks import policy_for

    combos = []
    for ci, (cls, _share, _speed) in enumerate(CLASSES):
        for stage, ratio in STAGE_RATIO.items():
            policy = policy_for(cls, stage, CUT_DAY)
            if policy and policy.limit_unit == "working_days" and policy.limit_value:
                combos.append((ci, stage, policy.limit_value, ratio))
    return combos


def load(args) -> dict[str, int]:
    from django.db import connection, transaction

    from applications import roles
    from applications.demo import make_staff, new_application
    from applications.models import Application, Unit
    from monitoring import workdays
    from monitoring.models import StageClock

    tag = secrets.token_hex(2)
    company = Unit.objects.create(code=f"fc-{tag}", name=f"预测基准公司{tag}")
    units = [
        Unit.objects.create(code=f"fc-{tag}-{i}", name=f"预测基准供电所{i}", parent=company)
        for i in range(len(UNIT_FACTORS))
    ]
    cm = make_staff(f"fc_cm_{tag}", role=roles.CUSTOMER_MANAGER, unit=units[0])
    front = make_staff(f"fc_front_{tag}", role=roles.FRONT_DESK, unit=units[0])
    app = new_application(
        user=front,
        unit=units[0],
        customer_class="lv_business",
        serial=int(tag, 16),
        customer_manager=cm,
        at=NOW - timedelta(days=400),
    )
    template_clock = app.clocks.get()

    # The calendar: working-day ordinals around the window (company calendar included).
    first_day = workdays.add_working_days(CUT_DAY, -args.window - 5)
    last_day = CUT_DAY + timedelta(days=800)
    calendar = workdays.materialize(first_day, last_day)
    cut_ord = workdays.workday_ordinal(CUT_DAY)
    combos = _combos()
    q = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_wd, bench_combo, bench_truth")
        cursor.execute("CREATE TABLE bench_wd (ord integer PRIMARY KEY, day date NOT NULL)")
        cursor.executemany(
            "INSERT INTO bench_wd VALUES (%s, %s)", [(o, d) for d, w, o in calendar if w]
        )
        cursor.execute(
            "CREATE TABLE bench_combo (cls integer, k integer, stage text, lim integer, "
            "ratio float8, PRIMARY KEY (cls, k))"
        )
        per_class: dict[int, int] = {}
        rows = []
        for ci, stage, limit, ratio in combos:
            k = per_class.get(ci, 0)
            per_class[ci] = k + 1
            rows.append((ci, k, stage, limit, ratio))
        cursor.executemany("INSERT INTO bench_combo VALUES (%s, %s, %s, %s, %s)", rows)
        cursor.execute("SELECT setseed(%s)", [args.seed])
        shares, bounds = [], 0.0
        for _cls, share, _speed in CLASSES:
            bounds += share
            shares.append(bounds)
        class_case = " ".join(f"WHEN r2 < {b} THEN {i}" for i, b in enumerate(shares[:-1]))
        n_combos = "ARRAY[" + ",".join(str(per_class.get(i, 1)) for i in range(len(CLASSES)))
        speeds = "ARRAY[" + ",".join(str(s) for _c, _s, s in CLASSES) + "]"
        lows = "ARRAY[" + ",".join(str(CAPACITY[c][0]) for c, _s, _f in CLASSES) + "]"
        highs = "ARRAY[" + ",".join(str(CAPACITY[c][1]) for c, _s, _f in CLASSES) + "]"
        bands = " ".join(f"WHEN kva < {b} THEN {i + 1}" for i, b in enumerate((50, 160, 630, 3150)))
        cursor.execute(
            f"""
            CREATE TABLE bench_truth AS
            WITH g AS (
                SELECT i, random() r1, random() r2, random() r3, random() r4, random() r5,
                       random() r6, random() r7, random() r8, random() r9
                FROM generate_series(1, %(n)s) AS s(i)
            ), a AS (
                SELECT *, floor(r1 * {len(UNIT_FACTORS)})::int AS u,
                       CASE {class_case} ELSE {len(CLASSES) - 1} END AS cls
                FROM g
            ), b AS (
                SELECT a.*, floor(r3 * ({n_combos}])[cls + 1])::int AS k,
                       round((({lows})[cls + 1] + r5 * (({highs})[cls + 1]
                              - ({lows})[cls + 1]))::numeric, 0) AS kva
                FROM a
            ), c AS (
                SELECT b.*, co.stage, co.lim, co.ratio,
                       CASE {bands} ELSE 5 END AS band
                FROM b JOIN bench_combo co ON co.cls = b.cls AND co.k = b.k
            )
            SELECT i, u, cls, stage, lim, kva, r4 < 0.3 AS grid,
                   %(cut)s - floor(r8 * %(window)s)::int AS start_ord,
                   LEAST(floor(lim * ratio * (ARRAY{UNIT_FACTORS})[u + 1] * ({speeds})[cls + 1]
                         * CASE WHEN r4 < 0.3 THEN 1.5 ELSE 1 END
                         * (ARRAY{BAND_FACTORS})[band]
                         * (-ln(1 - r6) - ln(1 - r7)) / 2)::int, 5 * lim) AS t,
                   r9 < 0.03 AS returned
            FROM c
            """,
            {"n": args.clocks, "cut": cut_ord, "window": args.window},
        )
        cursor.execute("ALTER TABLE bench_truth ADD PRIMARY KEY (i)")
        # Applications: copies of the template row, with the unit, class and flags changed.
        unit_ids = "ARRAY[" + ",".join(str(u.pk) for u in units) + "]"
        class_names = "ARRAY[" + ",".join(f"'{c}'" for c, _s, _f in CLASSES) + "]"
        overrides = {
            "number": f"'F{tag}-' || lpad(b.i::text, 9, '0')",
            "unit_id": f"({unit_ids})[b.u + 1]",
            "customer_class": f"({class_names})[b.cls + 1]",
            "has_grid_works": "b.grid",
            "requested_capacity_kva": "b.kva",
            "state": "b.stage",
        }
        app_columns = [f.column for f in Application._meta.concrete_fields if not f.primary_key]
        select = ", ".join(overrides.get(c, f"t.{q(c)}") for c in app_columns)
        cursor.execute("SET LOCAL session_replication_role = replica")  # copies: skip FK checks
        cursor.execute(
            f"INSERT INTO {q(Application._meta.db_table)} ({', '.join(map(q, app_columns))}) "
            f"SELECT {select} FROM {q(Application._meta.db_table)} t CROSS JOIN bench_truth b "
            "WHERE t.id = %s",
            [app.pk],
        )
        # Clocks at the cut: ended before it (time < elapsed at the cut) or open.
        finished = "b.t < %(cut)s - b.start_ord"
        local = "AT TIME ZONE 'Asia/Shanghai'"
        overrides = {
            "application_id": "a.id",
            "unit_id": "a.unit_id",
            "customer_class": "a.customer_class",
            "stage": "b.stage",
            "policy_id": "NULL",
            "scheme_approval_id": "NULL",
            "counts_against_company": "true",
            "limit_unit": "'working_days'",
            "limit_value": "b.lim",
            "warn_at": "NULL",
            "started_at": f"(ws.day + time '09:00') {local}",
            "due_at": f"(wd.day + 1) {local}",
            "stopped_at": f"CASE WHEN {finished} THEN (we.day + time '16:00') {local} END",
            "outcome": f"""CASE WHEN NOT ({finished}) THEN 'open'
                WHEN b.returned THEN 'returned' WHEN b.t > b.lim THEN 'breached'
                ELSE 'met' END""",
            "paused_at": "NULL",
            "elapsed_working_days": f"CASE WHEN {finished} THEN b.t END",
        }
        clock_columns = [f.column for f in StageClock._meta.concrete_fields if not f.primary_key]
        select = ", ".join(overrides.get(c, f"t.{q(c)}") for c in clock_columns)
        cursor.execute(
            f"INSERT INTO {q(StageClock._meta.db_table)} ({', '.join(map(q, clock_columns))}) "
            f"SELECT {select} FROM {q(StageClock._meta.db_table)} t "
            "CROSS JOIN bench_truth b "
            f"JOIN {q(Application._meta.db_table)} a "
            f"ON a.number = 'F{tag}-' || lpad(b.i::text, 9, '0') "
            "JOIN bench_wd ws ON ws.ord = b.start_ord "
            "JOIN bench_wd wd ON wd.ord = b.start_ord + b.lim "
            "JOIN bench_wd we ON we.ord = b.start_ord + b.t "
            "WHERE t.id = %(clock)s",
            {"cut": cut_ord, "clock": template_clock.pk},
        )
        cursor.execute(
            f"""SELECT COUNT(*) FILTER (WHERE outcome = 'open'),
                       COUNT(*) FILTER (WHERE outcome IN ('met', 'breached')),
                       COUNT(*) FILTER (WHERE outcome = 'breached'),
                       COUNT(*) FILTER (WHERE outcome = 'returned')
                FROM {q(StageClock._meta.db_table)} WHERE unit_id = ANY({unit_ids})"""
        )
        opened, done, late, returned = cursor.fetchone()
        cursor.execute("ALTER TABLE bench_truth ADD COLUMN number text")
        cursor.execute(f"UPDATE bench_truth SET number = 'F{tag}-' || lpad(i::text, 9, '0')")
    return {"open at the cut": opened, "finished": done, "late": late, "returned": returned}


# --- Scoring --------------------------------------------------------------------------------


def auc(scores: list[float], labels: list[bool]) -> float:
    """ROC AUC by the rank-sum (ties share their mean rank)."""
    order = sorted(range(len(scores)), key=scores.__getitem__)
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def brier(scores: list[float], labels: list[bool]) -> float:
    return sum((p - y) ** 2 for p, y in zip(scores, labels, strict=True)) / len(labels)


def fraction_baseline(history, targets) -> dict[tuple[int, int], float]:
    """The baseline: P(late | fraction e/L of the limit used), fitted on the whole history.

    Time is measured in fractions of each clock's own limit and the mapping is a Kaplan–Meier
    on that scale, censoring handled as the forecast does (a returned clock counts up to the
    fraction it reached, an open one for the fractions it has been seen), so the two differ
    only in what they condition on: the fraction used, or the group and the days used.
    `history`: (days, limit, status FINISHED/LEFT/OPEN, count); `targets`: (e, L) pairs.
    """
    from fractions import Fraction

    from monitoring.forecast.estimate import FINISHED, OPEN

    events: dict[Fraction, int] = {}
    for t, lim, status, n in history:
        if status == FINISHED:
            events[Fraction(t, lim)] = events.get(Fraction(t, lim), 0) + n
    at_risk = {}
    for u in events:
        at_risk[u] = sum(
            n
            for t, lim, status, n in history
            if (Fraction(t, lim) > u if status == OPEN else Fraction(t, lim) >= u)
        )
    points = sorted(events)
    mapping = {}
    for e, limit in targets:
        p = 1.0
        for u in points:
            if Fraction(e, limit) <= u <= 1:
                p *= 1 - events[u] / at_risk[u]
        mapping[(e, limit)] = p
    return mapping


def score() -> None:
    from django.db import connection

    from applications.models import Application
    from monitoring.forecast.estimate import FINISHED, LEFT, OPEN
    from monitoring.models import ClockForecast, StageClock

    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        # The baseline's history: (days, limit, status) counts of every clock at the cut.
        cursor.execute(
            f"""SELECT elapsed_working_days, limit_value,
                       CASE WHEN outcome IN ('met', 'breached') THEN {FINISHED} ELSE {LEFT} END,
                       COUNT(*)
                FROM {q(StageClock._meta.db_table)}
                WHERE outcome <> 'open' AND limit_unit = 'working_days'
                  AND limit_value IS NOT NULL AND elapsed_working_days IS NOT NULL
                GROUP BY 1, 2, 3
                UNION ALL
                SELECT elapsed_working_days, elapsed_working_days + remaining_working_days,
                       {OPEN}, COUNT(*)
                FROM {q(ClockForecast._meta.db_table)} GROUP BY 1, 2"""
        )
        history = [row for row in cursor.fetchall() if row[1] > 0]
        cursor.execute(
            f"""SELECT f.probability, f.elapsed_working_days, b.lim, b.t > b.lim
                FROM {q(ClockForecast._meta.db_table)} f
                JOIN {q(Application._meta.db_table)} a ON a.id = f.application_id
                JOIN bench_truth b ON b.number = a.number
                WHERE f.remaining_working_days >= 0"""
        )
        rows = cursor.fetchall()
    baseline_of = fraction_baseline(history, {(e, limit) for _p, e, limit, _late in rows})
    labels = [bool(late) for _p, _e, _l, late in rows]
    baseline = [baseline_of[(e, limit)] for _p, e, limit, _late in rows]
    missing = sum(1 for p, *_rest in rows if p is None)
    forecast = [p if p is not None else b for (p, *_rest), b in zip(rows, baseline, strict=True)]
    RESULTS["forecast_auc"] = auc(forecast, labels)
    RESULTS["baseline_auc"] = auc(baseline, labels)
    print(
        f"\nbacktest: {len(rows):,} clocks open at the cut and not overdue, "
        f"{sum(labels):,} finished late ({sum(labels) / len(rows):.1%}); "
        f"{missing:,} without enough history (scored with the baseline)"
    )
    print(f"  forecast: AUC {RESULTS['forecast_auc']:.3f}  Brier {brier(forecast, labels):.4f}")
    print(f"  baseline: AUC {RESULTS['baseline_auc']:.3f}  Brier {brier(baseline, labels):.4f}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("benchmarks/forecast.py: interrupted")

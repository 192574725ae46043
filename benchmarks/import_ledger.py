"""Benchmark: importing an N-row 业扩台账 (.xlsx) into PostgreSQL, against the floor.

    python benchmarks/import_ledger.py                 # N = 100,000
    python benchmarks/import_ledger.py --rows 20000

Without DATABASE_URL it starts its own throwaway PostgreSQL (yekuo.pgcluster) with the settings
printed below, and stops it on exit, Ctrl-C included. With DATABASE_URL it migrates and loads
into that (PostgreSQL) database: use a scratch one, its application tables are emptied.

A realistic ledger is generated once per N (openpyxl write-only; cached in the temp directory):
23 columns as DOMAIN.md §10 (+ 受理渠道), three units, the four customer classes, 70% archived,
5% cancelled, the rest in flight in legacy stage names, some dates as text, some capacities as
"315kVA", IDs and phones as text. Then, in the same run:

(a) the project's import, as the admin's confirm and the background job do it
    (`run_import_job`: read with calamine, validate, write set-based in one transaction, clocks
    of the applications in flight), into empty application tables;
(b) the floor: reading the same file with calamine plus a PostgreSQL COPY of the same rows
    (cells as text) into a plain table without indexes;
(c) django-import-export with its default settings (its openpyxl reader, row-by-row
    `save()`) on the first 10,000 rows, into empty tables again.

(d) the least writes: the rows the last run of (a) stored, stored again by one server-side
    INSERT … SELECT per table from a copy (indexes, foreign keys and constraints as they are;
    no staging, lookups, Python or round trips), the least any writer could spend on them;
    with the read of (b) it bounds what an import storing the same rows could reach.

Rows/s for each; the last line is `ratio_to_floor=X.XX` (a / b for the same N; target ≤ 3).

    python benchmarks/import_ledger.py --without-triggers

measures a bound instead: the same run on a throwaway cluster started with
`session_replication_role = replica`, where no trigger fires, so no foreign key is checked. It
says how far the import could get if its foreign-key checks cost nothing (README, Benchmarks);
the import never runs like that.

    python benchmarks/import_ledger.py --statements

also prints, after the last run of (a), where its backend's time went: the statements by total
time, foreign-key checks included (pg_stat_statements, loaded into the throwaway cluster).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from _postgres import on_postgres, setup

# The uploaded copy the import job reads goes to a temporary media folder, removed at exit.
_MEDIA = tempfile.TemporaryDirectory(prefix="yekuo-bench-media-")
os.environ["YEKUO_MEDIA_ROOT"] = _MEDIA.name

BENCH_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "jit": "off",
}
SHOWN = [
    "server_version", *BENCH_SETTINGS, "fsync", "synchronous_commit", "full_page_writes",
    "session_replication_role",  # "replica" only with --without-triggers
    "shared_preload_libraries",  # pg_stat_statements only with --statements
]  # fmt: skip
GENERATOR_VERSION = 3  # bump when the generated ledger changes
SLICE = 10_000
UNITS = [
    ("xihu", "西湖供电服务中心"),
    ("yuhang", "余杭供电服务中心"),
    ("linan", "临安供电服务中心"),
]
MANAGERS = ["王芳", "李强", "张敏", "刘洋"]
PROJECT_MANAGERS = ["陈杰", "杨帆"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="data rows in the ledger")
    parser.add_argument(
        "--runs", type=int, default=3, help="(a) and (b): best of this many runs (default 3)"
    )
    parser.add_argument(
        "--without-triggers",
        action="store_true",
        help="measure a bound: no trigger fires, so no foreign key is checked (throwaway only)",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="print the last import's statements by time (pg_stat_statements; throwaway only)",
    )
    args = parser.parse_args()
    settings = dict(BENCH_SETTINGS)
    for option in ("without_triggers", "statements"):
        if getattr(args, option) and os.environ.get("DATABASE_URL"):
            sys.exit(f"--{option.replace('_', '-')} starts its own cluster: unset DATABASE_URL.")
    if args.without_triggers:
        settings["session_replication_role"] = "replica"
    if args.statements:
        settings["shared_preload_libraries"] = "pg_stat_statements"
        settings["pg_stat_statements.track"] = "all"  # the foreign-key checks' queries too
    on_postgres(lambda: run(args), settings)


# --- The ledger ---------------------------------------------------------------------------------


def ledger_rows(n: int, seed: int = 2026):
    """N realistic ledger rows (lists of cells in header order)."""
    from stdnum.cn import ric

    from applications.demo import credit_code

    def resident_id(i: int) -> str:  # unique per row (the demo's repeats every 7,000)
        body = f"330106{datetime(1985, 1, 1) + timedelta(days=i // 1000):%Y%m%d}{i % 1000:03d}"
        return body + ric.calc_check_digit(body + "0")

    rng = random.Random(seed)
    start = datetime(2024, 1, 2, 8, 30)
    in_flight = {
        "低压居民": ["业务受理", "现场勘查", "装表接电", "归档", "暂停（现场勘查）"],
        "低压非居民": ["业务受理", "供电方案答复", "竣工验收", "装表接电", "合同签订"],
        "高压单电源": ["供电方案答复", "设计审查", "中间检查", "竣工检验", "合同签订", "送电"],
        "高压双电源": ["供电方案答复", "设计审查", "中间检查", "竣工验收", "合同签订"],
    }
    for i in range(n):
        unit_code, unit_name = UNITS[i % 3]
        roll = rng.random()
        cls = (
            "低压居民" if roll < 0.6 else "低压非居民" if roll < 0.9
            else "高压单电源" if roll < 0.98 else "高压双电源"
        )  # fmt: skip
        person = cls == "低压居民"
        voltage = {"低压居民": "220V", "低压非居民": "380V"}.get(cls, "10kV")
        capacity = {"低压居民": 8, "低压非居民": rng.choice([30, 50, 80, 160, 200])}.get(
            cls, rng.choice([315, 630, 800, 1250, 2500])
        )
        accepted = start + timedelta(minutes=7 * i % 1_000_000, seconds=i % 60)
        fate = rng.random()
        installed = energized = None
        cm = f"{MANAGERS[i % 4]}"
        pm = ""
        if fate < 0.70:
            state = "已归档"
            energized = accepted + timedelta(days=3 + i % 9, hours=2)
            installed = energized.date()
            changed = energized + timedelta(days=2)
        elif fate < 0.75:
            state = "已撤销"
            changed = accepted + timedelta(days=1)
        else:
            state = rng.choice(in_flight[cls])
            changed = accepted + timedelta(days=1 + i % 5, hours=1)
            if state == "归档":
                energized = changed - timedelta(hours=3)
                installed = energized.date()
        grid = "否"
        if cls != "低压居民" and state in ("竣工验收", "竣工检验") and i % 2:
            grid = "是"
            pm = PROJECT_MANAGERS[i % 2]
        date_style = i % 10
        accepted_cell = (
            accepted.strftime("%Y/%m/%d %H:%M:%S") if date_style == 0
            else accepted.replace(hour=0, minute=0, second=0) if date_style == 1
            else accepted
        )  # fmt: skip
        yield [
            f"YK-{accepted.year}-{i + 1:06d}" if i % 2 else f"33{unit_code[:2].upper()}{i:010d}",
            f"居民客户{i}" if person else f"示例企业{i}有限公司",
            "居民身份证" if person else "统一社会信用代码",
            resident_id(i) if person else credit_code(i),
            f"联系人{i % 5000}",
            f"1{3 + i % 7}{i:09d}"[:11],
            f"{unit_name[:2]}区幸福路{i}号",
            unit_name,
            cls,
            "新装" if i % 4 else "增容",
            ["网上国网", "95598", "营业厅", "客户经理上门", "政务一站式窗口"][i % 5],
            f"{capacity}kVA" if i % 10 == 3 else capacity,
            voltage,
            "是" if cls == "低压非居民" and capacity <= 160 and i % 3 == 0 else "否",
            grid,
            accepted_cell,
            state,
            changed,
            cm,
            pm,
            installed,
            energized,
            "" if i % 7 else "客户要求尽快送电",
        ]


def write_ledger(path: Path, n: int) -> None:
    from openpyxl import Workbook

    from applications.ledger.columns import APPLICATION_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("业扩台账")
    sheet.append([c.header for c in APPLICATION_COLUMNS])
    for cells in ledger_rows(n):
        sheet.append(cells)
    workbook.save(path)


def ledger_file(n: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"yekuo-bench-ledger-{n}-v{GENERATOR_VERSION}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".part")
        write_ledger(partial, n)
        partial.rename(path)
        print(f"generated {path} ({n:,} rows) in {time.perf_counter() - started:.1f} s")
    else:
        print(f"reusing {path}")
    return path


# --- Setting up ---------------------------------------------------------------------------------


def setup_org():
    from applications import roles
    from applications.demo import make_staff
    from applications.models import Unit

    company, _ = Unit.objects.get_or_create(code="hangzhou", defaults={"name": "杭州市供电公司"})
    importer = None
    for code, name in UNITS:
        unit, _ = Unit.objects.get_or_create(code=code, defaults={"name": name, "parent": company})
        for k, full_name in enumerate(MANAGERS, start=1):
            make_staff(f"cm_{code}{k}", role=roles.CUSTOMER_MANAGER, unit=unit, full_name=full_name)
        for k, full_name in enumerate(PROJECT_MANAGERS, start=1):
            make_staff(f"pm_{code}{k}", role=roles.PROJECT_MANAGER, unit=unit, full_name=full_name)
    importer = make_staff("bench_supervisor", role=roles.SUPERVISOR, unit=company, full_name="主管")
    return importer


def empty_application_tables() -> None:
    from django.db import connection

    tables = [
        "applications_application",
        "applications_customer",
        "applications_historicalapplication",
        "applications_historicalcustomer",
        "applications_historicalmeteringrecord",
        "applications_importjob",
        "applications_applicationnumbersequence",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute("VACUUM ANALYZE")


# --- (a) the project --------------------------------------------------------------------------


class PhaseLog(logging.Handler):
    """The import's own log lines (phases, chunks), printed under each run."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


PHASES = PhaseLog()
_LEDGER_LOG = logging.getLogger("applications.ledger")
_LEDGER_LOG.addHandler(PHASES)
_LEDGER_LOG.setLevel(logging.DEBUG)
_LEDGER_LOG.propagate = False


def project_import(path: Path, importer) -> tuple[float, object]:
    from django.core.files.base import ContentFile

    from applications.ledger.jobs import run_import_job
    from applications.models import ImportJob

    job = ImportJob(kind=ImportJob.Kind.APPLICATIONS, original_name=path.name, uploaded_by=importer)
    job.file.save(path.name, ContentFile(path.read_bytes()), save=False)
    job.save()
    PHASES.lines.clear()
    backend = _backend_cpu()
    python = time.process_time()
    started = time.perf_counter()
    run_import_job(job.pk)
    elapsed = time.perf_counter() - started
    python = time.process_time() - python
    backend = _backend_cpu() - backend if backend is not None else None
    job.refresh_from_db()
    for line in PHASES.lines:
        print(f"    {line}")
    # Two processes share the cores: their CPU seconds say what wall time cannot on a busy
    # machine, and where the time would have to come from.
    on_server = f"{backend:.2f} s" if backend is not None else "n/a (server not on this machine)"
    print(f"    CPU: Python {python:.2f} s (all threads, read included), PostgreSQL {on_server}")
    return elapsed, job


def _backend_cpu() -> float | None:
    """CPU seconds the connection's PostgreSQL backend has used, when it runs on this machine."""
    from django.db import connection

    connection.ensure_connection()
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat") as stat:
            name, fields = stat.read().rsplit(")", 1)
    except OSError:
        return None
    if not name.endswith("(postgres"):  # the same pid, but another machine's server
        return None
    fields = fields.split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


# --- (b) the floor ----------------------------------------------------------------------------


def floor(path: Path) -> tuple[float, float, int]:
    import python_calamine
    from django.db import connection, transaction

    started = time.perf_counter()
    with python_calamine.CalamineWorkbook.from_path(str(path)) as workbook:
        cells = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    read = time.perf_counter() - started
    width = len(cells[0])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ledger_floor")
        columns = ", ".join(f"c{i} text" for i in range(width))
        cursor.execute(f"CREATE TABLE bench_ledger_floor ({columns})")
        with cursor.cursor.copy("COPY bench_ledger_floor FROM STDIN") as copy:
            for row in cells[1:]:
                copy.write_row([None if c == "" else str(c) for c in row])
    total = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_ledger_floor")
    return total, read, len(cells) - 1


def reset_statements() -> None:
    """pg_stat_statements installed (once) and emptied, for `print_statements`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        cursor.execute("SELECT pg_stat_statements_reset()")


def print_statements(top: int = 20) -> None:
    """The statements run since `reset_statements`, by total time (nested ones included)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT total_exec_time, calls, rows, regexp_replace(query, '\\s+', ' ', 'g')"
            " FROM pg_stat_statements WHERE query NOT LIKE '%%pg_stat_statements%%'"
            " ORDER BY total_exec_time DESC LIMIT %s",
            [top],
        )
        print("    statements of the last run, by total time:")
        for ms, calls, rows, query in cursor.fetchall():
            print(f"    {ms / 1000:6.2f} s {calls:>8,} calls {rows:>8,} rows  {query[:90]}")


# --- (d) the least writes -------------------------------------------------------------------

# The tables an import of new applications fills, in foreign-key order.
WRITTEN = [
    "applications_customer",
    "applications_application",
    "applications_transitionlog",
    "monitoring_stageclock",
    "monitoring_clockpause",
    "monitoring_connectionrecord",
]


def least_writes() -> dict[str, tuple[float, int]]:
    """Table → (seconds, rows) to store again, server-side, the rows the import stored.

    Each table is copied aside, emptied and filled back by one INSERT … SELECT, in one
    transaction with its constraints checked as each statement runs (as the import does), and
    left as the import left it.
    """
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        for table in WRITTEN:
            cursor.execute(f"CREATE TEMP TABLE aside_{table} AS SELECT * FROM {table}")
    empty_application_tables()
    spent = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # until this transaction ends
        for table in WRITTEN:
            started = time.perf_counter()
            cursor.execute(f"INSERT INTO {table} SELECT * FROM aside_{table}")
            spent[table] = (time.perf_counter() - started, cursor.rowcount)
    with connection.cursor() as cursor:
        for table in WRITTEN:
            cursor.execute(f"DROP TABLE aside_{table}")
    return spent


def writing_phase() -> float | None:
    """The last import's writing phase (its log line "wrote … rows in X s"), in seconds."""
    for line in PHASES.lines:
        if match := re.search(r"wrote \d+ rows in ([\d.]+) s", line):
            return float(match.group(1))
    return None


# --- (c) django-import-export with its defaults ---------------------------------------------------


def baseline_resource():
    """A plain ModelResource: import-export's row-by-row path, our cell normalisation."""
    from import_export import fields, resources, widgets

    from applications.ledger import normalise, stages
    from applications.ledger.columns import CUSTOMER_CLASSES, ID_TYPES, kind_for
    from applications.models import Application, Customer, Unit

    class ApplicationBaselineResource(resources.ModelResource):
        number = fields.Field(attribute="number", column_name="工单编号")
        unit = fields.Field(
            attribute="unit", column_name="供电单位", widget=widgets.ForeignKeyWidget(Unit, "name")
        )
        customer_class = fields.Field(attribute="customer_class", column_name="用电类别")
        requested_capacity_kva = fields.Field(
            attribute="requested_capacity_kva", column_name="申请容量(kVA)"
        )
        supply_voltage = fields.Field(attribute="supply_voltage", column_name="供电电压")
        site_address = fields.Field(attribute="site_address", column_name="用电地址")
        accepted_at = fields.Field(
            attribute="accepted_at", column_name="受理时间", widget=widgets.DateTimeWidget()
        )
        state = fields.Field(attribute="state", column_name="当前环节")
        state_changed_at = fields.Field(
            attribute="state_changed_at",
            column_name="环节开始时间",
            widget=widgets.DateTimeWidget(),
        )
        customer = fields.Field(attribute="customer_id", column_name="customer_id")

        class Meta:
            model = Application
            import_id_fields = ("number",)
            fields = (
                "number", "unit", "customer_class", "requested_capacity_kva", "supply_voltage",
                "site_address", "accepted_at", "state", "state_changed_at", "customer",
            )  # fmt: skip

        def before_import_row(self, row, **kwargs):
            # What a ModelResource cannot do by widgets alone: the customer, the legacy names.
            id_type = ID_TYPES[normalise.header_key(row["证件类型"])]
            cls = CUSTOMER_CLASSES[normalise.header_key(row["用电类别"])]
            customer, _ = Customer.objects.get_or_create(
                id_type=id_type,
                id_number=normalise.code(row["证件号码"]),
                defaults={
                    "name": row["户名"],
                    "kind": kind_for(id_type, cls),
                    "contact_name": row["联系人"] or row["户名"],
                    "phone": normalise.code(row["联系电话"]),
                    "address": row["用电地址"],
                    "unit": Unit.objects.get(name=row["供电单位"]),
                },
            )
            row["customer_id"] = customer.pk
            row["用电类别"] = cls
            row["申请容量(kVA)"] = normalise.capacity(row["申请容量(kVA)"])
            row["供电电压"] = normalise.voltage(row["供电电压"])
            row["受理时间"] = normalise.instant(row["受理时间"])
            row["环节开始时间"] = normalise.instant(row["环节开始时间"])
            state = normalise.header_key(row["当前环节"])
            row["当前环节"] = (
                "suspended" if state.startswith("暂停") else _plain_state(stages, state)
            )

    return ApplicationBaselineResource


def _plain_state(stages, key):
    state = stages.NAMES[key]
    return "customer_construction" if state == stages.CONSTRUCTION else state


def baseline(path: Path) -> tuple[float, int, object]:
    from import_export.formats.base_formats import XLSX
    from openpyxl import Workbook, load_workbook

    slice_path = path.with_name(f"{path.stem}-first{SLICE}.xlsx")
    if not slice_path.exists():
        source = load_workbook(path, read_only=True)
        out = Workbook(write_only=True)
        sheet = out.create_sheet("业扩台账")
        width = None
        for k, row in enumerate(source.worksheets[0].iter_rows(values_only=True)):
            if k > SLICE:
                break
            width = width or len(row)
            # Empty cells as "": import-export's reader wants every row as wide as the header.
            padded = [*row, *([None] * (width - len(row)))]
            sheet.append(["" if value is None else value for value in padded])
        out.save(slice_path)
    started = time.perf_counter()
    dataset = XLSX().create_dataset(slice_path.read_bytes())
    result = baseline_resource()().import_data(dataset, dry_run=False, raise_errors=False)
    return time.perf_counter() - started, len(dataset), result


# --- The run ----------------------------------------------------------------------------------


def run(args) -> None:
    setup("import_ledger.py", SHOWN)

    path = ledger_file(args.rows)
    importer = setup_org()
    empty_application_tables()
    n = args.rows

    # Best of --runs for both (a) and (b): the machine may be busy with other work, and the
    # best run is the one least disturbed by it. Tables are emptied before each import.
    floors = [floor(path) for _ in range(args.runs)]
    floor_time, read_time, floor_rows = min(floors)
    assert floor_rows == n, (floor_rows, n)
    print(
        f"(b) floor, best of {args.runs}: calamine read {read_time:.2f} s + COPY "
        f"{floor_time - read_time:.2f} s = {floor_time:.2f} s, {n / floor_time:,.0f} rows/s"
        f"  (runs: {', '.join(f'{t:.2f}' for t, _r, _n in floors)} s)"
    )

    from monitoring.models import StageClock

    runs = []
    for run in range(args.runs):
        empty_application_tables()
        if args.statements:
            reset_statements()
        print(f"(a) project import, run {run + 1} (read + validate + write, the job's path):")
        project_time, job = project_import(path, importer)
        if job.status != "done" or job.rows_created != n:
            sys.exit(f"import failed: {job.status} {job.message} created={job.rows_created}")
        clocks = StageClock.objects.count()
        print(
            f"    = {project_time:.2f} s, {n / project_time:,.0f} rows/s "
            f"(created {job.rows_created:,}, open clocks {clocks:,})"
        )
        runs.append(project_time)
    if args.statements:
        print_statements()
    project_time = min(runs)
    print(
        f"(a) project import, best of {args.runs}: {project_time:.2f} s, "
        f"{n / project_time:,.0f} rows/s"
    )

    writing = writing_phase()
    spent = least_writes()
    least = sum(seconds for seconds, _rows in spent.values())
    print(
        f"(d) least writes, the last run's rows stored again server-side: {least:.2f} s "
        f"(the run's writing phase: {'n/a' if writing is None else f'{writing:.2f} s'})"
    )
    for table, (seconds, rows) in spent.items():
        print(f"    {table}: {rows:,} rows, {seconds:.2f} s")
    print(
        f"    bound: calamine read {read_time:.2f} s + least writes {least:.2f} s = "
        f"{read_time + least:.2f} s, {(read_time + least) / floor_time:.2f} × the floor"
    )

    empty_application_tables()
    base_time, base_rows, result = baseline(path)
    totals = dict(result.totals)
    print(
        f"(c) django-import-export defaults, first {base_rows:,} rows: {base_time:.2f} s, "
        f"{base_rows / base_time:,.0f} rows/s (new {totals['new']:,}, errors "
        f"{totals['error'] + totals['invalid']:,})"
    )
    if args.without_triggers:
        print("(foreign keys were not checked: the ratio below is a bound, not the import's)")
    print(f"ratio_to_floor={project_time / floor_time:.2f}")


if __name__ == "__main__":
    main()

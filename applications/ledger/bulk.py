"""Writing validated ledger rows: set-based, a chunk at a time, in the caller's one transaction.

The import knows which rows are new: each chunk's existing applications are locked before it
is written, and on PostgreSQL imports take an advisory lock so that two never write at once.
So the two kinds of row take different roads, each the fastest that keeps the guarantees:

- New customers, applications and their reconstructed log go straight into their tables with
  COPY, ids drawn from the tables' sequences first (SQLite: the same rows by executemany).
- Rows that already exist go through a temporary staging table, then one statement per
  table decides in the database whether anything differs: INSERT … ON CONFLICT (number) DO
  UPDATE … WHERE a column IS DISTINCT FROM the file's, and UPDATE … FROM … WHERE … for the
  customers. A column the file lacks is left alone; times compare to the second.
- The stage columns (当前环节, 环节开始时间, 受理时间, 送电日期) of applications the ledger still
  manages — imported, never moved in Yekuo — change by one UPDATE … FROM the staging table.
- Every change to an existing row is logged in simple-history (see `history`), and each new
  or moved application gets the transition log it would have had: "create" at 受理时间,
  "import" into its stage at 环节开始时间.

Foreign keys are checked as each statement runs (SET CONSTRAINTS ALL IMMEDIATE) rather than
all at commit: during a COPY the database checks rows while Python still streams the next ones.
Importing the same file twice therefore inserts nothing, updates nothing, logs nothing.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F
from django.db.models.functions import Greatest

from ..models import Application, ApplicationNumberSequence, Customer, TransitionLog
from ..states import ApplicationOrigin, State
from . import sql
from .directory import staff_label_of
from .existing import existing_applications
from .history import BASELINE_REASON, log_changes, snapshot_unlogged
from .validate import LedgerRow

logger = logging.getLogger(__name__)
STAGE = "ledger_stage"
STAGE_COLUMNS = [
    ("row_no", "integer", "integer"),
    ("number", "varchar(20)", "varchar(20)"),
    ("customer_id", "bigint", "bigint"),
    ("app_exists", "boolean", "bool"),
    ("name", "varchar(200)", "varchar(200)"),
    ("contact_name", "varchar(50)", "varchar(50)"),
    ("phone", "varchar(30)", "varchar(30)"),
    ("unit_id", "bigint", "bigint"),
    ("customer_class", "varchar(20)", "varchar(20)"),
    ("business_type", "varchar(20)", "varchar(20)"),
    ("channel", "varchar(20)", "varchar(20)"),
    ("capacity", "numeric(10, 1)", "decimal"),
    ("supply_voltage", "varchar(10)", "varchar(10)"),
    ("site_address", "varchar(300)", "varchar(300)"),
    ("is_small_micro", "boolean", "bool"),
    ("has_grid_works", "boolean", "bool"),
    ("customer_manager_id", "bigint", "bigint"),
    ("project_manager_id", "bigint", "bigint"),
    ("accepted_at", "timestamptz", "datetime"),
    ("state", "varchar(30)", "varchar(30)"),
    ("state_changed_at", "timestamptz", "datetime"),
    ("suspended_from", "varchar(30)", "varchar(30)"),
    ("energized_at", "timestamptz", "datetime"),
    ("installed_on", "date", "date"),
    ("note", "text", "text"),
    ("manage_lifecycle", "boolean", "bool"),
]
# Ledger column key → the application columns it updates, when the file has that column.
DESCRIPTIVE = {
    "unit": ["unit_id"],
    "customer_class": ["customer_class"],
    "business_type": ["business_type"],
    "channel": ["channel"],
    "capacity": ["requested_capacity_kva"],
    "supply_voltage": ["supply_voltage"],
    "site_address": ["site_address"],
    "is_small_micro": ["is_small_micro"],
    "has_grid_works": ["has_grid_works"],
    "customer_manager": ["customer_manager_id"],
    "project_manager": ["project_manager_id"],
    "installed_on": ["ledger_installed_on"],
    "note": ["note"],
}
STAGED_AS = {"requested_capacity_kva": "capacity", "ledger_installed_on": "installed_on"}
UNLOGGED_CUSTOMERS = "ledger_customer_unlogged"
UNLOGGED_APPLICATIONS = "ledger_application_unlogged"
# pg_advisory_xact_lock key: one ledger import writes at a time ("YEKU").
IMPORT_LOCK = 0x59454B55
_SEQUENCE_NUMBER = re.compile(r"^YK-(\d{4})-(\d{6})$")
CREATE_LABEL = "受理（台账导入）"
IMPORT_LABEL = "台账导入至当前环节"


@dataclass
class WriteResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    lifecycle_ids: list[int] = field(default_factory=list)  # for `applications_imported`
    created_ids: list[int] = field(default_factory=list)  # …of which the new ones

    def extend(self, other: WriteResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.lifecycle_ids += other.lifecycle_ids
        self.created_ids += other.created_ids


class StaleLedger(Exception):
    """Someone moved an application in Yekuo between validation and writing."""


@dataclass
class LedgerWriter:
    present: frozenset[str]  # column keys the file has
    user: object
    now: datetime
    reason: str  # history change reason: the import (job and file)
    job_id: int | None = None

    # --- The import's frame ---------------------------------------------------------------------

    def begin(self, numbers: Iterable[str] = ()) -> None:
        """Once per import, inside its transaction, before the first chunk."""
        self.params = {
            "now": sql.db_value(self.now),
            "user": self.user.pk,
            "reason": self.reason[:100],
            "baseline_reason": BASELINE_REASON,
            "ledger": ApplicationOrigin.LEDGER,
        }
        self.comment = f"{self.reason}（导入人：{staff_label_of(self.user)}）"
        self.inserted = 0
        self.analyzed = sql.estimated_rows(Application) if sql.is_postgres() else 0
        if sql.is_postgres():
            sql.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": IMPORT_LOCK})
            sql.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # First, so that Yekuo never issues a YK number a ledger is bringing in.
        advance_sequences(numbers)
        sql.create_staging(STAGE, STAGE_COLUMNS)

    def finish(self) -> None:
        for name in (STAGE, UNLOGGED_CUSTOMERS, UNLOGGED_APPLICATIONS):
            sql.drop_staging(name)
        if sql.is_postgres():
            sql.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's default

    def write(self, rows: list[LedgerRow]) -> WriteResult:
        """begin + one chunk + finish, for callers that have all rows at once."""
        self.begin(row.number for row in rows)
        result = self.write_chunk(rows)
        self.finish()
        return result

    # --- One chunk ------------------------------------------------------------------------------

    def write_chunk(self, rows: list[LedgerRow]) -> WriteResult:
        if not rows:
            return WriteResult()
        timer = _Timer()
        ids = self._recheck(rows)
        customers = self._existing_customers(rows)
        known_customers = set(customers)
        timer("existing")
        customers.update(self._insert_customers(rows, customers))
        timer("new customers")
        new_rows = [row for row in rows if row.existing_id is None]
        ids.update(self._insert_applications(new_rows, customers))
        timer("new applications")
        self._insert_logs(new_rows, ids)
        timer("their log")

        staged = [
            row
            for row in rows
            if row.existing_id is not None or (row.id_type, row.id_number) in known_customers
        ]
        changed_customers: set[int] = set()
        changed_apps: set[int] = set()
        if staged:
            sql.execute(f"DELETE FROM {STAGE}")
            sql.load_staging(
                STAGE, [c for c, _pg, _lite in STAGE_COLUMNS], self._stage_rows(staged, customers)
            )
            snapshot_unlogged(
                Customer, UNLOGGED_CUSTOMERS, f"t.id IN (SELECT customer_id FROM {STAGE})"
            )
            snapshot_unlogged(
                Application,
                UNLOGGED_APPLICATIONS,
                f"t.number IN (SELECT number FROM {STAGE} WHERE app_exists)",
            )
            changed_customers = self._update_customers()
            changed_apps = self._upsert_applications() | self._update_lifecycle()
            log_changes(
                Customer, list(changed_customers), params=self.params, unlogged=UNLOGGED_CUSTOMERS
            )
            log_changes(
                Application,
                list(changed_apps),
                params=self.params,
                unlogged=UNLOGGED_APPLICATIONS,
            )
            self._insert_logs([r for r in staged if r.existing_id and r.lifecycle_changed], ids)
            timer("existing rows")
        logger.debug("chunk of %s rows: %s", len(rows), timer)

        result = WriteResult()
        customer_of = {row.number: customers[(row.id_type, row.id_number)] for row in rows}
        for row in rows:
            if row.existing_id is None:
                result.created.append(row.number)
            elif row.existing_id in changed_apps or customer_of[row.number] in changed_customers:
                result.updated.append(row.number)
            else:
                result.unchanged.append(row.number)
        result.created_ids = [ids[row.number] for row in new_rows]
        result.lifecycle_ids = result.created_ids + [
            row.existing_id for row in rows if row.existing_id and row.lifecycle_changed
        ]
        self._keep_statistics(len(new_rows))
        return result

    def _keep_statistics(self, inserted: int) -> None:
        """ANALYZE the tables this import is filling, once they have doubled.

        Importing into an (almost) empty database, the planner would otherwise believe the
        tables empty for the whole transaction (autovacuum cannot see uncommitted rows) and
        plan the next chunk's lookups as nested loops over sequential scans.
        """
        self.inserted += inserted
        if sql.is_postgres() and self.inserted > 2 * self.analyzed + 1000:
            sql.execute("ANALYZE applications_application, applications_customer")
            self.analyzed = sql.estimated_rows(Application)
            self.inserted = 0

    def _recheck(self, rows: list[LedgerRow]) -> dict[str, int]:
        """Lock the existing applications, refuse if one moved since validation; number → id."""
        existing = existing_applications((r.number for r in rows), lock=True)
        for row in rows:
            now_there = existing.get(row.number)
            if (now_there.id if now_there else None) != row.existing_id:
                raise StaleLedger(row.number)
            if now_there and (
                now_there.manage_lifecycle != row.manage_lifecycle
                or not (
                    now_there.manage_lifecycle
                    or now_there.same_stage(row.state, row.suspended_from)
                )
            ):
                raise StaleLedger(row.number)
        return {number: entry.id for number, entry in existing.items()}

    # --- New rows: straight in ------------------------------------------------------------------

    @staticmethod
    def _existing_customers(rows: list[LedgerRow]) -> dict[tuple[str, str], int]:
        wanted = {(row.id_type, row.id_number) for row in rows}
        found = {}
        for part in sql.chunks(sorted({n for _t, n in wanted}), sql.chunk_size()):
            for pk, id_type, id_number in Customer.objects.filter(
                id_number__in=sql.one_of(part, "text")
            ).values_list("pk", "id_type", "id_number"):
                if (id_type, id_number) in wanted:
                    found[(id_type, id_number)] = pk
        return found

    def _insert_customers(self, rows, existing) -> dict[tuple, int]:
        """Customers not in Yekuo yet; one appearing in several rows takes the last one."""
        fresh = {}
        for row in rows:
            key = (row.id_type, row.id_number)
            if key not in existing:
                fresh[key] = row
        return sql.insert_models(
            Customer,
            [
                {
                    "name": row.name,
                    "kind": row.kind,
                    "id_type": row.id_type,
                    "id_number": row.id_number,
                    "contact_name": row.contact_name,
                    "phone": row.phone,
                    "address": row.site_address,
                    "unit_id": row.unit_id,
                    "created_at": self.now,
                }
                for row in fresh.values()
            ],
            key=("id_type", "id_number"),
        )

    def _insert_applications(self, rows, customers) -> dict[str, int]:
        found = sql.insert_models(
            Application,
            [
                {
                    "number": row.number,
                    "customer_id": customers[(row.id_type, row.id_number)],
                    "unit_id": row.unit_id,
                    "customer_class": row.customer_class,
                    "business_type": row.business_type,
                    "requested_capacity_kva": row.capacity,
                    "supply_voltage": row.supply_voltage,
                    "site_address": row.site_address,
                    "channel": row.channel,
                    "is_small_micro": row.is_small_micro,
                    "has_grid_works": row.has_grid_works,
                    "customer_manager_id": row.customer_manager_id,
                    "project_manager_id": row.project_manager_id,
                    "accepted_at": row.accepted_at,
                    "accepted_by_id": None,
                    "state": row.state,
                    "state_changed_at": row.state_changed_at,
                    "suspended_from": row.suspended_from,
                    "cancel_reason": _cancel_reason(row.state),
                    "energized_at": row.energized_at,
                    "archived_at": row.state_changed_at if row.state == State.ARCHIVED else None,
                    "ledger_installed_on": row.installed_on,
                    "note": row.note,
                    "origin": ApplicationOrigin.LEDGER,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
                for row in rows
            ],
            key=("number",),
        )
        return {number: pk for (number,), pk in found.items()}

    def _insert_logs(self, rows: list[LedgerRow], ids: dict[str, int]) -> None:
        """The log an imported application would have had, from the dates in its row.

        Who accepted it and moved it in the old system is not in the ledger: 办理人 stays
        empty, and the comment names the import (job, file, importer).
        """
        logs = []
        for row in rows:
            pk = ids[row.number]
            if row.existing_id is None:
                logs.append(
                    self._log(pk, "create", CREATE_LABEL, "", State.ACCEPT, row.accepted_at)
                )
                if row.state != State.ACCEPT:
                    logs.append(
                        self._log(pk, "import", IMPORT_LABEL, "", row.state, row.state_changed_at)
                    )
            else:
                logs.append(
                    self._log(
                        pk, "import", IMPORT_LABEL, row.old_state, row.state, row.state_changed_at
                    )
                )
        sql.insert_models(TransitionLog, logs)

    def _log(self, pk, transition, label, source, target, at) -> dict:
        return {
            "application_id": pk,
            "transition": transition,
            "transition_label": label,
            "from_state": source,
            "to_state": target,
            "actor_id": None,
            "at": at,
            "comment": self.comment,
        }

    # --- Existing rows: through the staging table ------------------------------------------------

    @staticmethod
    def _stage_rows(rows: list[LedgerRow], customers: dict):
        for row in rows:
            yield (
                row.row, row.number, customers[(row.id_type, row.id_number)],
                row.existing_id is not None, row.name, row.contact_name, row.phone, row.unit_id,
                row.customer_class, row.business_type, row.channel, row.capacity,
                row.supply_voltage, row.site_address, row.is_small_micro, row.has_grid_works,
                row.customer_manager_id, row.project_manager_id, row.accepted_at, row.state,
                row.state_changed_at, row.suspended_from, row.energized_at, row.installed_on,
                row.note, row.manage_lifecycle,
            )  # fmt: skip

    def _update_customers(self) -> set[int]:
        """Changed customers (a customer in several rows takes the last)."""
        columns = ["name", "phone"] + (["contact_name"] if "contact_name" in self.present else [])
        set_list = ", ".join(f"{c} = s.{c}" for c in columns)
        differs = " OR ".join(sql.distinct(f"c.{c}", f"s.{c}") for c in columns)
        found = sql.fetch(
            f"""
            UPDATE applications_customer AS c SET {set_list}
            FROM {STAGE} s
            WHERE c.id = s.customer_id
              AND s.row_no IN (SELECT MAX(row_no) FROM {STAGE} GROUP BY customer_id)
              AND ({differs})
            {sql.returning("c", "id")}
            """,
            self.params,
        )
        return {pk for (pk,) in found}

    def _upsert_applications(self) -> set[int]:
        """Existing applications whose descriptive columns differ from the file's."""
        columns = ["customer_id"]
        for key, names in DESCRIPTIVE.items():
            if key in self.present:
                columns += names
        set_list = ", ".join(f"{c} = excluded.{c}" for c in columns)
        differs = " OR ".join(sql.distinct(f"a.{c}", f"excluded.{c}") for c in columns)
        # Only existing applications are staged: every row conflicts, and the WHERE decides.
        found = sql.fetch(
            f"""
            INSERT INTO applications_application AS a (
                number, customer_id, unit_id, customer_class, business_type,
                requested_capacity_kva, supply_voltage, site_address, channel, is_small_micro,
                has_grid_works, is_important_customer, design_review_required,
                middle_inspection_required, customer_manager_id, manager_chosen_by_customer,
                project_manager_id, accepted_at, state, state_changed_at, suspended_from,
                suspension_reason, cancel_reason, ledger_installed_on, note, archive_location,
                origin, created_at, updated_at
            )
            SELECT s.number, s.customer_id, s.unit_id, s.customer_class, s.business_type,
                   s.capacity, s.supply_voltage, s.site_address, s.channel, s.is_small_micro,
                   s.has_grid_works, FALSE, TRUE,
                   TRUE, s.customer_manager_id, FALSE,
                   s.project_manager_id, s.accepted_at, s.state, s.state_changed_at,
                   s.suspended_from, '', '', s.installed_on, s.note, '',
                   %(ledger)s, %(now)s, %(now)s
            FROM {STAGE} s WHERE s.app_exists
            ON CONFLICT (number) DO UPDATE SET {set_list}, updated_at = excluded.updated_at
            WHERE {differs}
            {sql.returning("a", "id")}
            """,
            self.params,
        )
        return {pk for (pk,) in found}

    def _update_lifecycle(self) -> set[int]:
        """Stage columns of existing applications the ledger still manages."""
        columns = ["state", "state_changed_at", "suspended_from", "accepted_at", "energized_at"]
        differs = " OR ".join(
            sql.distinct(sql.to_second(f"a.{c}"), sql.to_second(f"s.{c}"))
            if c.endswith("_at")
            else sql.distinct(f"a.{c}", f"s.{c}")
            for c in columns
        )
        archived = f"CASE WHEN s.state = '{State.ARCHIVED}' THEN s.state_changed_at END"
        cancelled = f"CASE WHEN s.state = '{State.CANCELLED}' THEN '{_cancel_reason(State.CANCELLED)}' ELSE '' END"  # noqa: E501
        found = sql.fetch(
            f"""
            UPDATE applications_application AS a
            SET state = s.state, state_changed_at = s.state_changed_at,
                suspended_from = s.suspended_from, accepted_at = s.accepted_at,
                energized_at = s.energized_at, archived_at = {archived},
                cancel_reason = {cancelled}, updated_at = %(now)s
            FROM {STAGE} s
            WHERE a.number = s.number AND s.app_exists AND s.manage_lifecycle AND ({differs})
            {sql.returning("a", "id")}
            """,
            self.params,
        )
        return {pk for (pk,) in found}


class _Timer:
    """Where a chunk's time went, for the debug log."""

    def __init__(self):
        self.last = time.perf_counter()
        self.steps: list[str] = []

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.steps.append(f"{step} {now - self.last:.2f} s")
        self.last = now

    def __str__(self) -> str:
        return ", ".join(self.steps)


def _cancel_reason(state: str) -> str:
    return "台账记录为已撤销" if state == State.CANCELLED else ""


def advance_sequences(numbers: Iterable[str]) -> None:
    """Keep `next_application_number` from issuing a YK number a ledger brought in."""
    highest: dict[int, int] = {}
    for number in numbers:
        match = _SEQUENCE_NUMBER.match(number or "")
        if match:
            year, value = int(match.group(1)), int(match.group(2))
            highest[year] = max(highest.get(year, 0), value)
    for year, value in highest.items():
        ApplicationNumberSequence.objects.bulk_create(
            [ApplicationNumberSequence(year=year)], ignore_conflicts=True
        )
        ApplicationNumberSequence.objects.filter(year=year).update(
            last_value=Greatest(F("last_value"), value)
        )

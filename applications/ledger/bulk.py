"""Writing validated ledger rows: set-based, a chunk at a time, in the caller's one transaction.

Per chunk (10,000 rows), whatever it holds, a fixed handful of statements:

1. the rows go into a temporary staging table (PostgreSQL COPY; SQLite executemany);
2. customers: UPDATE … FROM … WHERE a column IS DISTINCT FROM the file's, then INSERT … SELECT
   of the new ones (a customer in several rows: the same values in each, see `validate`);
3. applications: INSERT … SELECT of the new ones, and for the existing ones INSERT … SELECT …
   ON CONFLICT (number) DO UPDATE … WHERE something differs, for the descriptive columns the
   file has (a column the file lacks is left alone);
4. the stage columns (当前环节, 环节开始时间, 受理时间, 送电日期) of applications the ledger still
   manages — imported, never moved in Yekuo — by one UPDATE … FROM the staging table;
5. the log: simple-history rows for every change to an existing row (see `history`), and the
   transition log an imported application would have had — "create" at 受理时间, "import" into
   its stage at 环节开始时间 — written for new applications by the statement that inserts them
   (PostgreSQL), for moved ones by INSERT … SELECT.

"Something differs" is decided by the database (IS DISTINCT FROM; times to the second), so
importing the same file twice inserts nothing, updates nothing and logs nothing. Python only
formats the validated rows once, as COPY data (`staging_data`: in a pipeline the validating
thread does it); the rest runs in the database, which lets `importing` validate the next chunk
meanwhile. Each chunk locks its existing applications first, and on PostgreSQL imports take an
advisory lock so that two never write at once. Foreign keys are checked as each statement runs
(SET CONSTRAINTS ALL IMMEDIATE), within that overlap, instead of all at once at commit.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter

from django.db import IntegrityError
from django.db.models import F
from django.db.models.functions import Greatest

from ..models import Application, ApplicationNumberSequence, Customer
from ..models.application import NUMBER_UNIQUE
from ..states import ApplicationOrigin, State
from . import sql
from .directory import staff_label_of
from .existing import existing_applications
from .history import BASELINE_REASON, log_changes, snapshot_unlogged
from .rows import LedgerRow, LedgerWriterBase, Written

logger = logging.getLogger(__name__)
STAGE = "ledger_stage"
STAGE_COLUMNS = [
    ("row_no", "integer", "integer"),
    ("number", "varchar(20)", "varchar(20)"),
    ("existing_id", "bigint", "bigint"),
    ("customer_id", "bigint", "bigint"),
    ("id_type", "varchar(20)", "varchar(20)"),
    ("id_number", "varchar(40)", "varchar(40)"),
    ("kind", "varchar(20)", "varchar(20)"),
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
    ("lifecycle_changed", "boolean", "bool"),
    ("old_state", "varchar(30)", "varchar(30)"),
]
# The LedgerRow attribute of each staging column, in order (customer_id is filled later).
_STAGED_ATTRS = [
    "row" if c == "row_no" else "no_customer_id" if c == "customer_id" else c
    for c, _pg, _lite in STAGE_COLUMNS
]
_STAGED = attrgetter(*_STAGED_ATTRS)
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
UNLOGGED_CUSTOMERS = "ledger_customer_unlogged"
UNLOGGED_APPLICATIONS = "ledger_application_unlogged"
# pg_advisory_xact_lock key: one ledger import writes at a time ("YEKU").
IMPORT_LOCK = 0x59454B55
_SEQUENCE_NUMBER = re.compile(r"^YK-(\d{4})-(\d{6})$")
CREATE_LABEL = "受理（台账导入）"
IMPORT_LABEL = "台账导入至当前环节"
CANCEL_REASON = "台账记录为已撤销"


_LOG_INSERT = """INSERT INTO applications_transitionlog
    (application_id, transition, transition_label, from_state, to_state, actor_id, at, comment)"""
_NOBODY = "CAST(NULL AS integer)"
# The log rows of new applications, from a relation `new` (id, accepted_at, state,
# state_changed_at). Braces other than {new} are doubled for str.format.
_NEW_LOG = f"""{_LOG_INSERT}
    SELECT n.id, 'create', %(create_label)s, '', %(accept)s, {_NOBODY}, n.accepted_at,
           %(comment)s
    FROM {{new}} n
    UNION ALL
    SELECT n.id, 'import', %(import_label)s, '', n.state, {_NOBODY}, n.state_changed_at,
           %(comment)s
    FROM {{new}} n WHERE n.state <> %(accept)s"""


@dataclass
class WriteResult(Written):
    lifecycle_ids: list[int] = field(default_factory=list)  # for `applications_imported`
    created_ids: list[int] = field(default_factory=list)  # …of which the new ones

    def extend(self, other: WriteResult) -> None:
        super().extend(other)
        self.lifecycle_ids += other.lifecycle_ids
        self.created_ids += other.created_ids


class StaleLedger(Exception):
    """Someone moved an application in Yekuo between validation and writing."""


def _number_taken(exc: IntegrityError) -> str | None:
    """The application number a failed INSERT of new applications found taken, else None.

    PostgreSQL names it in the error's detail; SQLite does not, but its transaction is still
    usable, so the staged number already stored is looked up.
    """
    if sql.is_postgres():
        diag = getattr(exc.__cause__, "diag", None)
        if getattr(diag, "constraint_name", None) != NUMBER_UNIQUE:
            return None
        match = re.search(r"\(number\)=\((.*)\)", diag.message_detail or "")
        return match.group(1) if match else ""
    if "applications_application.number" not in str(exc):
        return None
    taken = sql.fetch(
        f"SELECT s.number FROM {STAGE} s JOIN applications_application a ON a.number = s.number"
        " WHERE s.existing_id IS NULL ORDER BY s.row_no LIMIT 1"
    )
    return taken[0][0] if taken else ""


@dataclass
class LedgerWriter(LedgerWriterBase):
    def __post_init__(self):
        # Taken here, in the writing thread: `staging_data` runs in the validating one.
        self.copy_source = sql.copy_source()

    # --- The import's frame ---------------------------------------------------------------------

    def begin(self, numbers: Iterable[str] = ()) -> None:
        """Once per import, inside its transaction, before the first chunk."""
        self.params = {
            "now": sql.db_value(self.now),
            "user": self.user.pk,
            "reason": self.reason[:100],
            "baseline_reason": BASELINE_REASON,
            "comment": f"{self.reason}（导入人：{staff_label_of(self.user)}）",
            "ledger": ApplicationOrigin.LEDGER,
            "accept": State.ACCEPT,
            "create_label": CREATE_LABEL,
            "import_label": IMPORT_LABEL,
        }
        self.inserted = 0
        self.analyzed = 0
        if sql.is_postgres():
            sql.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": IMPORT_LOCK})
            sql.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self.analyzed = sql.estimated_rows(Application)
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

    def staging_data(self, rows: list[LedgerRow]) -> bytes | None:
        """The chunk's staging rows as COPY data (PostgreSQL), made by whichever thread calls."""
        if self.copy_source is None:
            return None
        return sql.copy_data(STAGE_COLUMNS, map(_STAGED, rows), self.copy_source)

    def write_chunk(self, rows: list[LedgerRow], staged: bytes | None = None) -> WriteResult:
        """Write one chunk; `staged` is `staging_data(rows)` when another thread made it."""
        if not rows:
            return WriteResult()
        timer = _Timer()
        ids = self._recheck(rows)
        sql.empty_staging(STAGE)
        sql.load_staging(STAGE, STAGE_COLUMNS, map(_STAGED, rows), data=staged)
        timer("staged")
        customers, changed_customers = self._upsert_customers()
        timer("customers")
        existed = bool(ids)  # `_upsert_applications` adds the new ones to `ids`
        if existed:
            # History baseline, for the rows an earlier import created (see `history`).
            snapshot_unlogged(
                Application, UNLOGGED_APPLICATIONS, f"t.number IN (SELECT number FROM {STAGE})"
            )
        created, upserted = self._upsert_applications(ids)
        moved = self._update_lifecycle() if existed else set()
        timer("applications")
        log_changes(Customer, changed_customers, params=self.params, unlogged=UNLOGGED_CUSTOMERS)
        if existed:
            log_changes(
                Application,
                list((upserted | moved) - {ids[n] for n in created}),
                params=self.params,
                unlogged=UNLOGGED_APPLICATIONS,
            )
            self._log_moves()
        timer("log")
        logger.debug("chunk of %s rows: %s", len(rows), timer)

        changed = {pk for pk in upserted | moved}
        changed_keys = set(customers.values())
        result = WriteResult()
        for row in rows:
            if row.number in created:
                result.created.append(row.number)
            elif ids[row.number] in changed or (row.id_type, row.id_number) in changed_keys:
                result.updated.append(row.number)
            else:
                result.unchanged.append(row.number)
        result.created_ids = [ids[number] for number in result.created]
        result.lifecycle_ids = result.created_ids + [
            row.existing_id for row in rows if row.existing_id and row.lifecycle_changed
        ]
        self._keep_statistics(len(created))
        return result

    def _recheck(self, rows: list[LedgerRow]) -> dict[str, int]:
        """Lock the applications validation found, refuse if one moved since; number → id.

        Rows validation found new are not looked up again (a first import is all new): if
        someone created one of their numbers meanwhile, the INSERT meets the unique number
        and `_insert_new` refuses the same way.
        """
        known = [row for row in rows if row.existing_id]
        existing = existing_applications((r.number for r in known), lock=True) if known else {}
        for row in known:
            now_there = existing.get(row.number)
            if now_there is None or now_there.id != row.existing_id:
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

    def _upsert_customers(self) -> tuple[dict[int, tuple[str, str]], list[int]]:
        """Customer id → (id_type, id_number) for the customers inserted or changed, and the
        ids of those changed.

        The staging rows first learn which customers exist; those whose name, contact or
        phone differ are updated, the others inserted with a plain INSERT. (An INSERT that
        looked for existing customers itself would scan, row by row, the very table it is
        filling whenever the planner believes it small — quadratic on an empty database.)
        A chunk of customers all new (a first import) skips the update and its history.
        """
        existing = sql.execute(
            f"""
            UPDATE {STAGE} AS s SET customer_id = c.id FROM applications_customer c
            WHERE c.id_type = s.id_type AND c.id_number = s.id_number
            """
        )
        last_rows = f"s.row_no IN (SELECT MAX(row_no) FROM {STAGE} GROUP BY id_type, id_number)"
        found = []
        if existing:
            # History baseline, for the rows an earlier import created (see `history`).
            snapshot_unlogged(
                Customer,
                UNLOGGED_CUSTOMERS,
                f"t.id IN (SELECT customer_id FROM {STAGE} WHERE customer_id IS NOT NULL)",
            )
            columns = ["name", "phone"]
            columns += ["contact_name"] if "contact_name" in self.present else []
            set_list = ", ".join(f"{c} = s.{c}" for c in columns)
            differs = " OR ".join(sql.distinct(f"c.{c}", f"s.{c}") for c in columns)
            found = sql.fetch(
                f"""
                UPDATE applications_customer AS c SET {set_list}
                FROM {STAGE} s
                WHERE c.id = s.customer_id AND {last_rows} AND ({differs})
                {sql.returning("c", "id", "id_type", "id_number")}
                """,
                self.params,
            )
        changed = [pk for pk, _id_type, _id_number in found]
        found += sql.fetch(
            f"""
            INSERT INTO applications_customer AS c
                (name, kind, id_type, id_number, contact_name, phone, address, unit_id, created_at)
            SELECT s.name, s.kind, s.id_type, s.id_number, s.contact_name, s.phone,
                   s.site_address, s.unit_id, %(now)s
            FROM {STAGE} s
            WHERE s.customer_id IS NULL AND {last_rows}
            {sql.returning("c", "id", "id_type", "id_number")}
            """,
            self.params,
        )
        return {pk: (id_type, id_number) for pk, id_type, id_number in found}, changed

    def _upsert_applications(self, ids: dict[str, int]) -> tuple[set[str], set[int]]:
        """Insert new applications, update changed descriptive columns of existing ones.

        Returns the numbers created and the ids inserted or updated; adds new ids to `ids`.
        """
        columns = ["customer_id"]
        for key, names in DESCRIPTIVE.items():
            if key in self.present:
                columns += names
        set_list = ", ".join(f"{c} = excluded.{c}" for c in columns)
        differs = " OR ".join(sql.distinct(f"a.{c}", f"excluded.{c}") for c in columns)
        insert = f"""
            INSERT INTO applications_application AS a (
                number, customer_id, unit_id, customer_class, business_type,
                requested_capacity_kva, supply_voltage, site_address, channel, is_small_micro,
                has_grid_works, is_important_customer, design_review_required,
                middle_inspection_required, customer_manager_id, manager_chosen_by_customer,
                project_manager_id, accepted_at, accepted_by_id, state, state_changed_at,
                suspended_from, suspension_reason, cancel_reason, grid_works_completed_at,
                energized_at, archived_at, archive_location, ledger_installed_on, note, origin,
                created_at, updated_at
            )
            SELECT s.number, c.id, s.unit_id, s.customer_class, s.business_type,
                   s.capacity, s.supply_voltage, s.site_address, s.channel, s.is_small_micro,
                   s.has_grid_works, FALSE, TRUE,
                   TRUE, s.customer_manager_id, FALSE,
                   s.project_manager_id, s.accepted_at, NULL, s.state, s.state_changed_at,
                   s.suspended_from, '', {_cancel_reason("s")}, NULL,
                   s.energized_at, {_archived_at("s")}, '', s.installed_on, s.note, %(ledger)s,
                   %(now)s, %(now)s
            FROM {STAGE} s
            JOIN applications_customer c ON c.id_type = s.id_type AND c.id_number = s.id_number
        """
        # New applications (their numbers were not there, and imports take turns): a plain
        # INSERT. Existing ones: every row conflicts, and the WHERE decides what changed.
        found = self._insert_new(f"{insert} WHERE s.existing_id IS NULL")
        if ids:
            found += sql.fetch(
                f"""
                {insert} WHERE s.existing_id IS NOT NULL
                ON CONFLICT (number) DO UPDATE SET {set_list}, updated_at = excluded.updated_at
                WHERE {differs}
                {sql.returning("a", "id", "number")}
                """,
                self.params,
            )
        # New: not among the numbers that existed (and were locked) before this statement.
        created = {number for _pk, number in found if number not in ids}
        ids.update({number: pk for pk, number in found})
        return created, {pk for pk, _number in found}

    def _update_lifecycle(self) -> set[int]:
        """Stage columns of existing applications the ledger still manages."""
        columns = ["state", "state_changed_at", "suspended_from", "accepted_at", "energized_at"]
        differs = " OR ".join(
            sql.distinct(sql.to_second(f"a.{c}"), sql.to_second(f"s.{c}"))
            if c.endswith("_at")
            else sql.distinct(f"a.{c}", f"s.{c}")
            for c in columns
        )
        found = sql.fetch(
            f"""
            UPDATE applications_application AS a
            SET state = s.state, state_changed_at = s.state_changed_at,
                suspended_from = s.suspended_from, accepted_at = s.accepted_at,
                energized_at = s.energized_at, archived_at = {_archived_at("s")},
                cancel_reason = {_cancel_reason("s")}, updated_at = %(now)s
            FROM {STAGE} s
            WHERE a.number = s.number AND s.manage_lifecycle AND a.created_at <> %(now)s
              AND ({differs})
            {sql.returning("a", "id")}
            """,
            self.params,
        )
        return {pk for (pk,) in found}

    def _insert_new(self, insert: str) -> list[tuple[int, str]]:
        """(id, number) of the new applications `insert` adds, and their transition log.

        The log an imported application would have had, from the dates in its row: "create"
        at 受理时间, "import" into its stage at 环节开始时间. Who accepted and moved it in the
        old system is not in the ledger: 办理人 stays empty, and the comment names the import
        (job, file, importer). On PostgreSQL the log is written from the inserted rows in the
        same statement, without joining back to the growing application table.
        """
        try:
            return self._insert_new_logged(insert)
        except IntegrityError as exc:
            number = _number_taken(exc)
            if number is None:
                raise
            raise StaleLedger(number) from exc

    def _insert_new_logged(self, insert: str) -> list[tuple[int, str]]:
        if sql.is_postgres():
            return sql.fetch(
                f"""
                WITH new AS (
                    {insert}
                    RETURNING a.id, a.number, a.accepted_at, a.state, a.state_changed_at
                ), logged AS ({_NEW_LOG.format(new="new")})
                SELECT id, number FROM new
                """,
                self.params,
            )
        found = sql.fetch(f"{insert} {sql.returning('a', 'id', 'number')}", self.params)
        just_inserted = f"""(
            SELECT a.id, a.accepted_at, a.state, a.state_changed_at
            FROM applications_application a
            WHERE a.number IN (SELECT number FROM {STAGE}) AND a.created_at = %(now)s)"""
        sql.execute(_NEW_LOG.format(new=just_inserted), self.params)
        return found

    def _log_moves(self) -> None:
        """The log of existing applications whose stage the ledger moved."""
        sql.execute(
            f"""
            {_LOG_INSERT}
            SELECT s.existing_id, 'import', %(import_label)s, s.old_state, s.state, {_NOBODY},
                   s.state_changed_at, %(comment)s
            FROM {STAGE} s
            WHERE s.existing_id IS NOT NULL AND s.manage_lifecycle AND s.lifecycle_changed
            """,
            self.params,
        )

    def _keep_statistics(self, inserted: int) -> None:
        """ANALYZE the tables this import is filling, once they have doubled.

        Importing into an (almost) empty database, the planner would otherwise believe them
        empty for the whole transaction (autovacuum cannot see uncommitted rows) and plan the
        next chunk's lookups as nested loops over sequential scans.
        """
        self.inserted += inserted
        if sql.is_postgres() and self.inserted > 2 * self.analyzed + 1000:
            # The row counts, and the columns the import's and its listeners' joins and
            # filters plan on (the rest waits for autovacuum, after the commit).
            sql.execute(
                "ANALYZE applications_application (id, number, customer_id, created_at, state,"
                " suspended_from, customer_class, energized_at),"
                " applications_customer (id, id_type, id_number)"
            )
            self.analyzed = sql.estimated_rows(Application)
            self.inserted = 0


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


def _archived_at(alias: str) -> str:
    return f"CASE WHEN {alias}.state = '{State.ARCHIVED}' THEN {alias}.state_changed_at END"


def _cancel_reason(alias: str) -> str:
    return f"CASE WHEN {alias}.state = '{State.CANCELLED}' THEN '{CANCEL_REASON}' ELSE '' END"


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

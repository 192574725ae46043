"""What validating a ledger produces: good rows, row errors, and a file's verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ..states import State
from .reader import Table


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # Excel row number
    column: str  # the header as the file writes it ("" for the whole row)
    value: str
    reason: str


@dataclass(slots=True)
class LedgerRow:
    row: int
    number: str
    name: str
    id_type: str
    id_number: str
    kind: str
    contact_name: str
    phone: str
    site_address: str
    unit_id: int
    customer_class: str
    business_type: str
    channel: str
    capacity: Decimal
    supply_voltage: str
    is_small_micro: bool
    has_grid_works: bool
    accepted_at: datetime
    state: str
    state_changed_at: datetime
    suspended_from: str
    customer_manager_id: int | None
    project_manager_id: int | None
    installed_on: date | None
    energized_at: datetime | None
    note: str
    existing_id: int | None = None
    no_customer_id: None = None  # the staging table's customer_id, found by the database
    manage_lifecycle: bool = True  # False: Yekuo owns this application's stage
    lifecycle_changed: bool = True  # its stage or stage start is new or moved
    old_state: str = ""


@dataclass
class Written:
    """What a ledger's writer did, by row key: created, updated, left unchanged."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def extend(self, other: Written) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class LedgerWriterBase:
    """What every ledger's writer is built with (`importing` builds them all alike)."""

    present: frozenset[str]  # column keys the file has
    user: object
    now: datetime
    reason: str  # history change reason: the import (job and file)
    job_id: int | None = None

    def staging_data(self, rows: list) -> bytes | None:
        """What the validating thread may prepare of `rows` for `write_chunk(rows, staged=…)`.

        None: this writer prepares nothing, and `write_chunk` is called without it.
        """
        return None


@dataclass
class Checked:
    """One chunk's verdict: its good rows, its errors and its bad rows' cells."""

    rows: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    bad: list[tuple[int, list]] = field(default_factory=list)


@dataclass
class Validated:
    table: Table
    rows: list  # LedgerRow (or the metering ledger's rows)
    errors: list[RowError]
    present: frozenset[str]  # keys of the columns the file has
    bad_rows: list[tuple[int, list]] = field(default_factory=list)  # (row number, raw cells)

    @property
    def rows_total(self) -> int:
        return len(self.table.rows)

    @property
    def error_row_count(self) -> int:
        return len(self.bad_rows)

    def state_counts(self) -> dict[str, int]:
        counts = Counter(getattr(row, "state", "") for row in self.rows)
        return {str(State(s).label): n for s, n in counts.most_common() if s}

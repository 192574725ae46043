"""The metering-record ledger (装表记录): which meter went in where, and when.

Rows: 工单编号 (an application Yekuo knows, in the importer's units), 电能表资产号, 装表日期.
Upserted by (application, meter number): importing the same file twice changes nothing; a new
date for a known meter updates it and logs it (simple-history). These records feed the
线外流转 rules — a meter installed before the system reached energization (DOMAIN.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Application, MeteringRecord
from . import sql, validate
from .cells import application_number, code_or_blank, limited, required
from .columns import METERING_COLUMNS
from .directory import Directory
from .history import BASELINE_REASON, log_changes, snapshot_unlogged
from .normalise import CellError, code, day, display
from .reader import Table
from .rows import Checked, LedgerWriterBase, RowError, Written
from .sql import chunks

STAGE = "metering_stage"
UNLOGGED = "metering_unlogged"
SOURCE = MeteringRecord.Source.METERING


@dataclass(slots=True)
class MeteringRow:
    row: int
    number: str
    application_id: int
    meter_number: str
    installed_on: date


class MeteringResult(Written):
    """Application numbers of the rows created, updated and left unchanged."""


class MeteringLedgerValidator(validate.ChunkedValidator):
    columns = METERING_COLUMNS

    def __init__(self, *, user, now: datetime | None = None, progress=None):
        self.now = now or timezone.now()
        self.progress = progress
        self.directory = Directory(user)

    def prepare(self, table: Table) -> None:
        self.table = table
        self.present = frozenset(table.columns)
        self.headers = {key: table.header_of(key) for key in table.columns}
        index = table.columns
        keys = [
            (code_or_blank(cells[index["number"]]), code_or_blank(cells[index["meter_number"]]))
            for _n, cells in table.rows
        ]
        self.numbers = [number for number, _meter in keys]
        self.known = {}
        for part in chunks(sorted({n for n in self.numbers if n}), sql.chunk_size()):
            found = Application.objects.filter(number__in=sql.one_of(part, "text"))
            self.known.update(
                {n: (pk, unit) for n, pk, unit in found.values_list("number", "id", "unit_id")}
            )
        seen: dict[tuple, list[int]] = {}
        for (row_no, _cells), key in zip(table.rows, keys, strict=True):
            if all(key):
                seen.setdefault(key, []).append(row_no)
        self.repeated = {key: rows for key, rows in seen.items() if len(rows) > 1}

    def validate_chunk(self, chunk) -> Checked:
        checked = Checked()
        index, headers = self.table.columns, self.headers
        today = timezone.localdate(self.now)
        for row_no, cells in chunk:
            errors = []

            def refuse(key, reason, cells=cells, row_no=row_no, errors=errors):
                errors.append(RowError(row_no, headers[key], display(cells[index[key]]), reason))

            values = {}
            for key, convert in (
                ("number", application_number),
                ("meter_number", required(limited(code, 40))),
                ("installed_on", required(day)),
            ):
                problem = self.table.problems.get((row_no, index[key]))
                if problem:  # a formula without a value, an error cell: read as empty
                    refuse(key, problem)
                    continue
                try:
                    values[key] = convert(cells[index[key]])
                except CellError as exc:
                    refuse(key, str(exc))
            found = None
            if not errors:
                found = self.known.get(values["number"])
                if found is None:
                    refuse("number", _("系统中没有这个工单编号，请先导入业扩台账。"))
                elif not self.directory.may_touch(found[1]):
                    refuse("number", _("该工单不属于您的供电单位。"))
                if values["installed_on"] > today:
                    refuse("installed_on", _("日期晚于当前时间。"))
                repeated = self.repeated.get((values["number"], values["meter_number"]))
                if repeated:
                    others = "、".join(str(r) for r in repeated if r != row_no)
                    reason = _("同一工单的同一电能表在文件中重复出现（另见第%(rows)s行）。")
                    refuse("meter_number", reason % {"rows": others})
            if errors:
                checked.errors.extend(errors)
                checked.bad.append((row_no, cells))
            else:
                checked.rows.append(
                    MeteringRow(
                        row_no, values["number"], found[0], values["meter_number"],
                        values["installed_on"],
                    )
                )  # fmt: skip
        return checked


@dataclass
class MeteringWriter(LedgerWriterBase):
    def begin(self, numbers=()) -> None:
        pass

    def finish(self) -> None:
        pass

    def write(self, rows: list[MeteringRow]) -> MeteringResult:
        return self.write_chunk(rows)

    def write_chunk(self, rows: list[MeteringRow]) -> MeteringResult:
        result = MeteringResult()
        if not rows:
            return result
        params = {
            "now": sql.db_value(self.now),
            "user": self.user.pk,
            "reason": self.reason[:100],
            "job": self.job_id,
            "source": SOURCE,
            "baseline_reason": BASELINE_REASON,
        }
        before = set()
        for part in chunks(sorted({r.application_id for r in rows}), sql.chunk_size()):
            before.update(
                MeteringRecord.objects.filter(
                    application_id__in=sql.one_of(part), source=SOURCE
                ).values_list("application_id", "meter_number")
            )
        columns = [
            ("row_no", "integer", "integer"),
            ("application_id", "bigint", "bigint"),
            ("meter_number", "varchar(40)", "varchar(40)"),
            ("installed_on", "date", "date"),
        ]
        sql.create_staging(STAGE, columns)
        sql.load_staging(
            STAGE,
            columns,
            ((r.row, r.application_id, r.meter_number, r.installed_on) for r in rows),
        )
        snapshot_unlogged(
            MeteringRecord,
            UNLOGGED,
            f"t.source = '{SOURCE}' AND EXISTS (SELECT 1 FROM {STAGE} k"
            " WHERE k.application_id = t.application_id AND k.meter_number = t.meter_number)",
        )
        found = sql.fetch(
            f"""
            INSERT INTO applications_meteringrecord AS m
                (application_id, meter_number, installed_on, source, imported_at, import_job_id)
            SELECT s.application_id, s.meter_number, s.installed_on, %(source)s, %(now)s, %(job)s
            FROM {STAGE} s WHERE TRUE
            ON CONFLICT (application_id, source, meter_number) DO UPDATE
            SET installed_on = excluded.installed_on, imported_at = excluded.imported_at,
                import_job_id = excluded.import_job_id
            WHERE {sql.distinct("m.installed_on", "excluded.installed_on")}
            {sql.returning("m", "id", "application_id", "meter_number")}
            """,
            params,
        )
        sql.drop_staging(STAGE)
        created = {(app, meter): pk for pk, app, meter in found if (app, meter) not in before}
        updated = {(app, meter): pk for pk, app, meter in found if (app, meter) in before}
        # Created records are the import job's; changes are logged (see `history`).
        log_changes(
            MeteringRecord,
            list(updated.values()),
            params=params,
            unlogged=UNLOGGED,
            born="t.imported_at",
            new_rows="FALSE",
        )
        sql.drop_staging(UNLOGGED)
        for row in rows:
            key = (row.application_id, row.meter_number)
            bucket = (
                result.created if key in created else result.updated if key in updated else None
            )
            (bucket if bucket is not None else result.unchanged).append(row.number)
        return result

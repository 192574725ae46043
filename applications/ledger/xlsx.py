"""Writing workbooks people will open: exports and the error workbook.

Formula injection (CSV/Excel injection): a cell whose text starts with = + - @ (or a tab or
carriage return) could run as a formula when the file is opened, or after it is saved as CSV
and reopened. Such text is written with a leading apostrophe — the OWASP recommendation: the
cell shows '=HYPERLINK(…) as text in Excel, WPS and LibreOffice, and stays text when saved as
CSV. Our import drops exactly that one apostrophe again (`normalise.text`), so export then
import changes nothing. Only text is touched: real numbers and dates are written as such.

Identifiers (工单编号, 证件号码, 联系电话) are strings here and stay text cells, so Excel never
turns an 18-digit ID into 3.30106E+17.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .normalise import FORMULA_STARTS, display
from .reader import Table
from .rows import Validated

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"


def neutralise(value):
    """Text that a spreadsheet could read as a formula, made inert; everything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SheetWriter:
    """Rows into one write-only worksheet, neutralised, dates as real Excel dates."""

    def __init__(self, workbook: Workbook, title: str, headers: Sequence[str]):
        self.sheet = workbook.create_sheet(title=title[:31])
        bold = Font(bold=True)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(self.sheet, value=neutralise(str(header)))
            cell.font = bold
            header_cells.append(cell)
        self.sheet.append(header_cells)
        self.sheet.freeze_panes = "A2"

    def append(self, values: Iterable) -> None:
        row = []
        for value in values:
            if isinstance(value, datetime):
                if timezone.is_aware(value):
                    value = timezone.localtime(value).replace(tzinfo=None)
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.number_format = DATETIME_FORMAT
                row.append(cell)
            elif isinstance(value, date):
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.number_format = DATE_FORMAT
                row.append(cell)
            else:
                row.append(neutralise(value))
        self.sheet.append(row)


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # openpyxl's own, harmless
        workbook.save(buffer)
    return buffer.getvalue()


def write_rows(title: str, headers: Sequence[str], rows: Iterable[Iterable]) -> bytes:
    """One sheet of `rows` under `headers`, as .xlsx bytes."""
    workbook = new_workbook()
    writer = SheetWriter(workbook, title, headers)
    for row in rows:
        writer.append(row)
    return save(workbook)


def error_workbook(validated: Validated) -> bytes:
    """The rows that were refused, two ways.

    Sheet 错误明细: one line per error — Excel row, column, value, reason.
    Sheet 待修正的行: the refused rows as they were, under the file's own headers, with the
    reasons in a last column: correct them there and import this sheet again (the extra
    columns are ignored on import).
    """
    table: Table = validated.table
    workbook = new_workbook()
    details = SheetWriter(workbook, "错误明细", ["行号", "列", "原值", "错误原因"])
    for error in validated.errors:
        details.append([error.row, error.column, error.value, error.reason])
    reasons: dict[int, list[str]] = {}
    for error in validated.errors:
        reasons.setdefault(error.row, []).append(
            f"{error.column}：{error.reason}" if error.column else error.reason
        )
    rows = SheetWriter(workbook, "待修正的行", [*table.headers, "原行号", "错误原因"])
    for row_no, cells in validated.bad_rows:
        values = [None if c == "" else _cell(c) for c in cells[: len(table.headers)]]
        rows.append([*values, row_no, "；".join(reasons.get(row_no, []))])
    return save(workbook)


def _cell(value):
    if isinstance(value, str | int | float | date):
        return value
    return display(value)

"""Reports as Excel workbooks: an overview sheet, then one sheet per table of the page.

Text that a spreadsheet would read as a formula (starting with = + - @, or a tab or carriage
return) is written with a leading apostrophe by the ledger's `neutralise` (the same rule as
every other export), so an opened report never runs a customer's name as a formula.
Numbers stay numbers, with the page's format (0.00 days, 0.0% rates).
"""

from __future__ import annotations

import re
from io import BytesIO

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from applications.ledger.xlsx import neutralise as safe

from .tables import Report

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet_title(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:28].strip() or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}({n})", n + 1
    used.add(name)
    return name


def workbook(report: Report) -> Workbook:
    wb = Workbook()
    overview = wb.active
    overview.title = _("说明")
    overview.append([safe(str(report.title))])
    overview["A1"].font = Font(bold=True, size=14)
    for label, value in report.subtitle:
        overview.append([safe(str(label)), safe(str(value))])
    overview.append([])
    overview.append([_("表"), _("说明")])
    for table in report.tables:
        overview.append([safe(str(table.title)), safe(str(table.note))])
    used = {overview.title}
    for table in report.tables:
        ws = wb.create_sheet(_sheet_title(str(table.title), used))
        ws.append([safe(str(c)) for c in table.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([safe(c.export_value()) for c in row])
            for cell, source in zip(ws[ws.max_row], row, strict=True):
                cell.number_format = source.number_format
        for i, column in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, 2 * len(column)))
        ws.freeze_panes = "A2"
    return wb


def xlsx_response(report: Report) -> HttpResponse:
    buffer = BytesIO()
    workbook(report).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response

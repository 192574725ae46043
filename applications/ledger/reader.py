"""Reading a ledger file into a `Table`: raw cells, their Excel row numbers, the header found.

- The file's kind comes from its bytes, not its name: a zip is an xlsx, an OLE2 compound file
  is an xls — or an encrypted xlsx (Excel wraps password-protected workbooks in OLE2) — and
  anything else is read as csv in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text")
  or GBK/GB18030.
- xlsx and xls are read with python-calamine (LIBS.md: ~12× faster than openpyxl).
- The header row is the row, among the first 30, that names the most known columns; title
  rows above it are skipped. A header cell left empty because a merged cell above spans two
  rows takes the name from the row above.
- Rows that are completely empty are skipped; row numbers stay those Excel shows.
"""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from dataclasses import dataclass, field

import python_calamine
from django.utils.translation import gettext as _

from .columns import Column, header_index
from .formulas import problem_cells
from .normalise import header_key, is_blank, text

HEADER_SEARCH_ROWS = 30
MIN_HEADER_MATCHES = 3
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARKERS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))


class LedgerFileError(Exception):
    """The file as a whole cannot be read; the message says why and what to do, in Chinese."""


@dataclass
class Table:
    kind: str  # xlsx, xls, csv
    sheet: str
    header_row: int  # Excel row number of the header
    headers: list[str]  # header text per column index, as in the file
    columns: dict[str, int]  # column key → index
    unknown_headers: list[str]
    rows: list[tuple[int, list]]  # (Excel row number, cells), empty rows left out
    problems: dict[tuple[int, int], str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def header_of(self, key: str) -> str:
        return self.headers[self.columns[key]]


def sniff(data: bytes, expected: str = "") -> str:
    """'xlsx', 'xls' or 'csv' from the bytes; raises LedgerFileError for encrypted files."""
    if not data:
        raise LedgerFileError(_("文件是空的。"))
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        if any(marker in data for marker in ENCRYPTED_MARKERS) or expected in ("xlsx", "xlsm"):
            raise LedgerFileError(
                _(
                    "文件已加密（设置了打开密码），无法读取。请在Excel中取消密码后另存为.xlsx再上传。"
                )
            )
        return "xls"
    return "csv"


def read_table(data: bytes, *, columns: tuple[Column, ...], expected: str = "") -> Table:
    """Read `data` (xlsx, xls or csv) and find the ledger in it."""
    kind = sniff(data, expected)
    if kind == "csv":
        return _table("csv", "", _csv_rows(data), columns)
    return _read_workbook(data, kind, columns)


def _corrupt(detail: str = "") -> LedgerFileError:
    message = _(
        "文件已损坏或不是有效的Excel/CSV文件，无法读取。请在Excel中打开并另存为.xlsx后重试。"
    )
    return LedgerFileError(message + (f"（{detail}）" if detail else ""))


def _read_workbook(data: bytes, kind: str, columns: tuple[Column, ...]) -> Table:
    archive = None
    if kind == "xlsx":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            if "xl/workbook.xml" not in archive.namelist():
                raise _corrupt(_("压缩包中没有工作簿"))
        except zipfile.BadZipFile as exc:
            raise _corrupt() from exc
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise LedgerFileError(
            _("文件已加密（设置了打开密码），无法读取。请在Excel中取消密码后另存为.xlsx再上传。")
        ) from exc
    except Exception as exc:  # calamine raises several error types for damaged files
        raise _corrupt() from exc
    first_error = None
    with workbook:
        for meta in workbook.sheets_metadata:
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                continue
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            # The formula scan is mostly zlib, which runs without the GIL: do it alongside.
            scan = _Scan(archive, meta.name) if archive is not None else None
            try:
                cells = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except Exception as exc:
                raise _corrupt() from exc
            rows = list(enumerate(cells, start=1))
            try:
                table = _table(kind, meta.name, rows, columns)
            except LedgerFileError as exc:
                first_error = first_error or exc
                continue  # e.g. an instructions sheet first: try the next one
            if scan is not None:
                table.problems = scan.result()
            return table
    raise first_error or LedgerFileError(_("文件中没有可见的工作表。"))


class _Scan(threading.Thread):
    """`formulas.problem_cells` of one sheet, in a thread of its own."""

    def __init__(self, archive: zipfile.ZipFile, sheet: str):
        super().__init__(name="ledger-formula-scan", daemon=True)
        self.archive, self.sheet = archive, sheet
        self.problems: dict | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.problems = problem_cells(self.archive, self.sheet)
        except BaseException as exc:
            self.error = exc

    def result(self) -> dict:
        self.join()
        if self.error is not None:
            raise _corrupt() from self.error
        return self.problems or {}


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerFileError(_("无法识别文件编码。请在Excel中另存为“CSV UTF-8”或.xlsx后重新上传。"))


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    content = _decode(data)
    if "\x00" in content:
        raise _corrupt(_("文件含有二进制内容"))
    sample = content[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    try:
        return [
            (number, row)
            for number, row in enumerate(csv.reader(io.StringIO(content), dialect), start=1)
        ]
    except csv.Error as exc:
        raise _corrupt(str(exc)) from exc


def _find_header(rows: list[tuple[int, list]], index: dict[str, Column]) -> int:
    best, best_score = -1, 0
    for position, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = len({index[k].key for k in map(header_key, cells) if k in index})
        if score > best_score:
            best, best_score = position, score
    return best if best_score >= MIN_HEADER_MATCHES else -1


def _table(kind: str, sheet: str, rows: list[tuple[int, list]], columns) -> Table:
    index = header_index(columns)
    position = _find_header(rows, index)
    if position < 0:
        required = "、".join(c.header for c in columns if c.required)
        raise LedgerFileError(
            _("在前%(n)s行中没有找到表头。表头行应包含这些列：%(cols)s。")
            % {"n": HEADER_SEARCH_ROWS, "cols": required}
        )
    header_row, header_cells = rows[position]
    above = rows[position - 1][1] if position > 0 else []
    headers, found, unknown, duplicates = [], {}, [], []
    for i, cell in enumerate(header_cells):
        name = text(cell)
        if not name and i < len(above) and header_key(above[i]) in index:
            name = text(above[i])  # a merged header cell spanning this row from above
        headers.append(name)
        column = index.get(header_key(name))
        if column is None:
            if name:
                unknown.append(name)
        elif column.key in found:
            duplicates.append(name)
        else:
            found[column.key] = i
    if duplicates:
        raise LedgerFileError(
            _("表头中这些列出现了不止一次：%(cols)s。请删除重复的列。")
            % {"cols": "、".join(duplicates)}
        )
    missing = [c.header for c in columns if c.required and c.key not in found]
    if missing:
        raise LedgerFileError(
            _("第%(row)s行表头缺少必需的列：%(cols)s。")
            % {"row": header_row, "cols": "、".join(missing)}
        )
    width = len(headers)
    data = []
    for number, cells in rows[position + 1 :]:
        first = cells[0] if cells else ""
        if (first == "" or first is None) and all(is_blank(c) for c in cells):
            continue  # a row is usually not empty from its first cell on: checked only then
        if len(cells) < width:
            cells = [*cells, *([""] * (width - len(cells)))]  # calamine/csv rows can be short
        data.append((number, cells))
    if not data:
        raise LedgerFileError(_("表头下面没有数据行。"))
    return Table(kind, sheet, header_row, headers, found, unknown, data)

"""Cells calamine cannot give a value for: formulas never calculated, and error values.

python-calamine returns "" both for an empty cell and for a formula whose result was never
stored (files written by scripts, not by Excel) or an error value (#N/A, #REF!). An empty cell
may be fine; a formula or an error is not, so these cells are found in the sheet's XML. The scan
costs one decompression of the sheet and a substring search; only the few cells around each
`<f` or `t="e"` are looked at, so a sheet without formulas costs no parsing at all.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from posixpath import join, normpath

from django.utils.translation import gettext as _

_SHEET = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(rb"<Relationship\b([^>]*)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_CHUNK = 1 << 22


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index - 1


def sheet_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The path inside the package of the worksheet called `sheet_name`."""
    workbook = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    targets = {}
    for match in _REL.finditer(rels):
        attrs = dict(_ATTR.findall(match.group(1)))
        targets[attrs.get(b"Id", b"")] = attrs.get(b"Target", b"").decode()
    for name, rid in _SHEET.findall(workbook):
        target = targets.get(rid)
        if target and _xml_unescape(name.decode("utf-8", "replace")) == sheet_name:
            return target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
    return None


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _sheet_xml_if_it_has_problems(archive: zipfile.ZipFile, path: str) -> bytes | None:
    """The sheet's XML if it holds a formula or an error value anywhere, else None.

    Streams the decompression so a sheet with neither is never held whole in memory.
    """
    chunks, tail, suspicious = [], b"", False
    with archive.open(path) as stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            if not suspicious and (b"<f" in window or b't="e"' in window):
                suspicious = True
            chunks.append(chunk)
            tail = chunk[-8:]
    return b"".join(chunks) if suspicious else None


def problem_cells(data: bytes | zipfile.ZipFile, sheet_name: str) -> dict[tuple[int, int], str]:
    """{(excel_row, column_index): reason} for formulas without values and error cells."""
    archive = data if isinstance(data, zipfile.ZipFile) else zipfile.ZipFile(BytesIO(data))
    path = sheet_path(archive, sheet_name)
    if path is None or path not in archive.namelist():
        return {}
    xml = _sheet_xml_if_it_has_problems(archive, path)
    if xml is None:
        return {}
    problems: dict[tuple[int, int], str] = {}
    starts = set()
    for marker in (b"<f", b't="e"'):
        position = xml.find(marker)
        while position != -1:
            starts.add(xml.rfind(b"<c ", 0, position))
            position = xml.find(marker, position + 1)
    for start in sorted(s for s in starts if s >= 0):
        head_end = xml.find(b">", start)
        if xml[head_end - 1 : head_end] == b"/":
            continue  # <c r="A1"/>: an empty cell
        head = xml[start : head_end + 1]
        cell = xml[start : xml.find(b"</c>", head_end) + 4]
        ref = _CELL_REF.match(head)
        if not ref:
            continue
        key = (int(ref.group(2)), _column_index(ref.group(1)))
        value = _VALUE.search(cell)
        if b't="e"' in head:
            code = value.group(1).decode() if value else "#ERROR"
            problems[key] = _("单元格是Excel错误值 %(code)s，请修正公式或填写数值。") % {
                "code": code
            }
        elif b"<f" in cell and not (value and value.group(1)) and b't="str"' not in head:
            # t="str" with <v></v> is a formula whose result is an empty string: a value.
            problems[key] = _(
                "单元格是公式但没有计算结果（文件不是用Excel保存的）。"
                "请在Excel中打开并保存，或把公式粘贴为数值后重新导入。"
            )
    return problems

"""Reading whatever users upload: the right kind of file, the header, or a clear error."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from applications.ledger.columns import APPLICATION_COLUMNS
from applications.ledger.reader import LedgerFileError, read_table

from . import factory as f


def read(data, expected=""):
    return read_table(data, columns=APPLICATION_COLUMNS, expected=expected)


def test_header_under_title_rows_and_merged_cells():
    data = f.xlsx(
        [f.row(1), f.row(2)],
        title_rows=[["西湖供电服务中心业扩台账"], ["统计日期：2026-03-31", None, "制表：张三"]],
    )
    table = read(data)
    assert table.header_row == 3
    assert [number for number, _cells in table.rows] == [4, 5]  # Excel's row numbers
    assert table.columns["number"] == 0


def test_header_cell_merged_down_from_the_row_above():
    # Two-row header: 工单编号 merged over rows 1-2, the other names in row 2.
    workbook = Workbook()
    ws = workbook.active
    ws.append(["工单编号", "客户信息"])
    ws.append([None, *f.HEADERS[1:]])
    ws.merge_cells("A1:A2")
    values = f.row(1)
    ws.append([values[k] for k in f.KEYS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read(buffer.getvalue())
    assert table.header_row == 2
    assert table.header_of("number") == "工单编号"


def test_headers_with_full_width_brackets_spaces_and_aliases():
    headers = [
        {"申请容量(kVA)": "申请容量（ＫＶＡ）", "工单编号": " *工单编号 ", "户名": "客户名称"}.get(
            h, h
        )
        for h in f.HEADERS
    ]
    table = read(f.xlsx([f.row(1)], headers=headers))
    assert {"capacity", "number", "name"} <= set(table.columns)


def test_unknown_columns_are_ignored_and_listed():
    table = read(f.xlsx([f.row(1)], headers=[*f.HEADERS, "营销系统流水号"]))
    assert table.unknown_headers == ["营销系统流水号"]


def test_empty_rows_are_skipped_keeping_row_numbers():
    data = f.xlsx([f.row(1), {}, f.row(3)])
    assert [number for number, _cells in read(data).rows] == [2, 4]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_chinese_encodings(encoding):
    table = read(f.csv_bytes([f.row(1)], encoding=encoding), expected="csv")
    assert table.kind == "csv"
    assert table.rows[0][1][table.columns["name"]] == "居民客户1"


def test_tab_separated_utf16_text_as_excel_saves_unicode_text():
    table = read(f.csv_bytes([f.row(1)], encoding="utf-16", delimiter="\t"))
    assert table.rows[0][1][table.columns["unit"]] == "西湖供电服务中心"


def test_an_xlsx_named_csv_is_read_as_xlsx():
    assert read(f.xlsx([f.row(1)]), expected="csv").kind == "xlsx"


def test_the_first_visible_sheet_with_a_ledger_is_used():
    workbook = Workbook()
    workbook.active.title = "填表说明"
    workbook.active.append(["请按以下格式填写"])
    hidden = workbook.create_sheet("旧数据")
    hidden.sheet_state = "hidden"
    hidden.append(f.HEADERS)
    ledger = workbook.create_sheet("台账")
    ledger.append(f.HEADERS)
    ledger.append([f.row(7)[k] for k in f.KEYS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read(buffer.getvalue())
    assert table.sheet == "台账"


# --- The corpus of bad files: each with the error the user sees --------------------------------

ENCRYPTED = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 512 + b"junk" * 100


def _truncated_xlsx():
    data = f.xlsx([f.row(1)])
    return data[: len(data) // 2]


def _zip_without_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


BAD_FILES = [
    ("empty", b"", "", "文件是空的"),
    ("encrypted xlsx", ENCRYPTED, "xlsx", "文件已加密"),
    (
        "encrypted, marked inside",
        ENCRYPTED + "EncryptedPackage".encode("utf-16-le"),
        "",
        "文件已加密",
    ),
    ("ole2 junk named xls", bytes.fromhex("D0CF11E0A1B11AE1") + b"\x01" * 600, "xls", "已损坏"),
    ("truncated xlsx", _truncated_xlsx(), "xlsx", "已损坏"),
    ("zip without workbook", _zip_without_workbook(), "xlsx", "已损坏"),
    ("binary junk", b"\x00\x01\x02garbage\x00" * 50, "", "已损坏"),
    ("no header", f.xlsx([], headers=["姓名", "年龄"]), "", "没有找到表头"),
    ("missing columns", f.xlsx([f.row(1)], headers=f.HEADERS[:8]), "", "缺少必需的列：用电类别"),
    ("duplicate column", f.xlsx([f.row(1)], headers=[*f.HEADERS, "户名"]), "", "出现了不止一次"),
    ("header only", f.xlsx([]), "", "没有数据行"),
    # Neither UTF-8 nor GB18030 (0x81 must be followed by a GB trail byte).
    ("not an encoding we know", "工单编号,户名".encode() + b"\x81\x20", "csv", "无法识别文件编码"),
]


@pytest.mark.parametrize(
    ("data", "expected", "message"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_files_get_a_clear_chinese_error(data, expected, message):
    with pytest.raises(LedgerFileError) as error:
        read(data, expected=expected)
    assert message in str(error.value)


def test_formulas_without_values_and_error_cells_are_found():
    workbook = Workbook()
    ws = workbook.active
    ws.append(f.HEADERS)
    values = [f.row(1)[k] for k in f.KEYS]
    values[f.KEYS.index("capacity")] = "=4*2"  # openpyxl stores no result: as scripts do
    ws.append(values)
    ws.append([f.row(2)[k] for k in f.KEYS])
    ws.cell(row=3, column=f.KEYS.index("phone") + 1).value = "#N/A"
    ws.cell(row=3, column=f.KEYS.index("phone") + 1).data_type = "e"
    buffer = io.BytesIO()
    workbook.save(buffer)
    problems = read(buffer.getvalue()).problems
    assert "公式但没有计算结果" in problems[(2, f.KEYS.index("capacity"))]
    assert "#N/A" in problems[(3, f.KEYS.index("phone"))]

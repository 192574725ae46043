"""Issue 6, item 4, case by case: each messy input gets a clear error or a documented
normalisation (README "Ledger import"), checked end to end — file bytes in, what the import
would write or the error the user sees out. The finer cases are in test_normalise,
test_reader and test_validate; this is the checklist."""

from datetime import datetime
from decimal import Decimal

import pytest

from applications.ledger.reader import LedgerFileError

from . import factory as f
from .test_reader import ENCRYPTED, _truncated_xlsx

pytestmark = pytest.mark.django_db


def preview(run_import, rows, **kwargs):
    """Validate a file of `rows` (nothing written): (good rows by number, errors)."""
    outcome = run_import(f.xlsx(rows, **kwargs), write=False)
    rows = {row.number: row for row in outcome.validated.rows}
    return rows, [(e.row, e.column, e.value, e.reason) for e in outcome.errors]


def local(*args):
    from applications.ledger.normalise import TZ

    return datetime(*args, tzinfo=TZ)


def test_dates_as_serials_text_or_empty(run_import):
    rows, errors = preview(
        run_import,
        [
            f.row(1, accepted_at=46083.375, state_changed_at=46084.5),  # Excel serials
            f.row(2, accepted_at="2026/3/2 9:30", state_changed_at="2026年3月3日"),
            f.row(3, accepted_at="2026.3.2", state_changed_at="20260303"),
            f.row(4, accepted_at=""),
        ],
    )
    assert (rows["XH-2026-00001"].accepted_at, rows["XH-2026-00001"].state_changed_at) == (
        local(2026, 3, 2, 9, 0),
        local(2026, 3, 3, 12, 0),
    )
    assert (rows["XH-2026-00002"].accepted_at, rows["XH-2026-00002"].state_changed_at) == (
        local(2026, 3, 2, 9, 30),
        local(2026, 3, 3),
    )
    assert rows["XH-2026-00003"].state_changed_at == local(2026, 3, 3)
    assert errors == [(5, "受理时间", "", "必填，不能为空。")]


def test_full_width_digits_spaces_and_trailing_spaces(run_import):
    rows, errors = preview(
        run_import,
        [f.row(1, phone="１３８ ０００ ０００ ０１", name="居民客户1 \u3000", capacity="８")],
    )
    assert not errors
    row = rows["XH-2026-00001"]
    assert (row.phone, row.name, row.capacity) == ("13800000001", "居民客户1", Decimal("8.0"))


def test_capacity_with_units(run_import):
    rows, errors = preview(
        run_import, [f.business(1, capacity="80kVA"), f.business(2, capacity="1,250 kVA",
                     customer_class="高压单电源", supply_voltage="10kV", state="供电方案答复")]
    )  # fmt: skip
    assert not errors
    assert rows["XH-2026-00001"].capacity == Decimal("80.0")
    assert rows["XH-2026-00002"].capacity == Decimal("1250.0")


def test_title_rows_above_the_header_keep_excel_s_row_numbers(run_import):
    rows, errors = preview(
        run_import,
        [f.row(1), f.row(2, state="待定")],
        title_rows=[["西湖供电服务中心业扩台账"], ["统计日期：2026-03-31"]],
    )
    assert list(rows) == ["XH-2026-00001"]
    ((row, column, value, reason),) = errors
    assert (row, column, value) == (5, "当前环节", "待定")  # Excel's row number
    assert reason.startswith("无法识别的环节“待定”。可用：业务受理、勘查及方案答复")


def test_duplicate_numbers_and_unknown_stage_names(run_import):
    _rows, errors = preview(run_import, [f.row(1), f.row(1), f.row(2, state="待定")])
    assert [(row, column) for row, column, _v, _r in errors] == [
        (2, "工单编号"),
        (3, "工单编号"),
        (4, "当前环节"),
    ]
    assert errors[0][3] == "工单编号在文件中重复出现（另见第3行），请只保留一行。"
    assert "无法识别的环节“待定”" in errors[2][3]


def test_formulas_without_a_value_are_row_errors(run_import):
    # openpyxl writes "=4*2" as a formula with no cached result, as scripts do.
    rows, errors = preview(run_import, [f.row(1, capacity="=4*2")])
    assert not rows
    ((row, column, value, reason),) = errors  # the formula, not also "必填"
    assert (row, column, value) == (2, "申请容量(kVA)", "")
    assert reason.startswith("单元格是公式但没有计算结果（文件不是用Excel保存的）。")


def test_a_csv_instead_of_an_xlsx_is_read_as_csv(run_import):
    outcome = run_import(f.csv_bytes([f.row(1)], encoding="gbk"), write=False, expected="xlsx")
    assert outcome.validated.table.kind == "csv"
    assert [row.number for row in outcome.validated.rows] == ["XH-2026-00001"]


@pytest.mark.parametrize(
    ("data", "expected", "message"),
    [
        (ENCRYPTED, "xlsx", "文件已加密（设置了打开密码），无法读取。"),
        (_truncated_xlsx(), "xlsx", "文件已损坏或不是有效的Excel/CSV文件，无法读取。"),
        # An .xls that is not a workbook (a real .xls is read by calamine like an .xlsx).
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x01" * 600, "xls", "文件已损坏"),
    ],
    ids=["password-protected", "corrupt", "broken xls"],
)
def test_unreadable_files_are_refused_whole(run_import, data, expected, message):
    with pytest.raises(LedgerFileError) as error:
        run_import(data, expected=expected)
    assert str(error.value).startswith(message)

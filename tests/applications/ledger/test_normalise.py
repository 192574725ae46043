"""Messy cells and what they become (README "Ledger import": documented normalisations)."""

import random
from datetime import date, datetime
from decimal import Decimal

import pytest
from stdnum.cn import ric, uscc

from applications.demo import credit_code, resident_id
from applications.ledger import ids, normalise
from applications.ledger.normalise import CellError

TZ = normalise.TZ


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2026, 3, 1, 10, 23), datetime(2026, 3, 1, 10, 23)),
        (datetime(2026, 3, 1, 9, 59, 59, 999_600), datetime(2026, 3, 1, 10, 0)),  # Excel's float
        (date(2026, 3, 1), datetime(2026, 3, 1)),
        (46082.0, datetime(2026, 3, 1)),  # Excel serial
        (46082.5, datetime(2026, 3, 1, 12, 0)),
        ("46082", datetime(2026, 3, 1)),  # a serial stored as text
        (20260301, datetime(2026, 3, 1)),  # yyyymmdd typed as a number
        ("20260301", datetime(2026, 3, 1)),
        ("2026-03-01", datetime(2026, 3, 1)),
        ("2026/3/1", datetime(2026, 3, 1)),
        ("2026.3.1", datetime(2026, 3, 1)),
        ("2026年3月1日", datetime(2026, 3, 1)),
        ("2026年3月1日 10时23分", datetime(2026, 3, 1, 10, 23)),
        ("2026-03-01 10:23", datetime(2026, 3, 1, 10, 23)),
        ("2026/3/1 10:23:45", datetime(2026, 3, 1, 10, 23, 45)),
        ("2026-03-01T10:23:45", datetime(2026, 3, 1, 10, 23, 45)),
        ("２０２６－０３－０１", datetime(2026, 3, 1)),  # full-width digits and dash
        (" 2026-03-01\u3000", datetime(2026, 3, 1)),  # trailing ideographic space
        ("", None),
        (None, None),
    ],
)
def test_dates(cell, expected):
    result = normalise.instant(cell)
    assert result == (expected.replace(tzinfo=TZ) if expected else None)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2026-02-30", "日期不存在"),
        ("下周一", "无法识别的日期"),
        ("3/1/2026", "无法识别的日期"),
        (datetime(1900, 1, 1), "超出合理范围"),
    ],
)
def test_bad_dates(cell, message):
    with pytest.raises(CellError, match=message):
        normalise.instant(cell)


@pytest.mark.parametrize(
    ("cell", "kva"),
    [
        (315, "315"),
        (315.0, "315"),
        ("315", "315"),
        ("315kVA", "315"),
        ("315 kVA", "315"),
        ("315 KVA", "315"),
        ("３１５ｋＶＡ", "315"),  # full width
        ("315千伏安", "315"),
        ("0.315MVA", "315"),
        ("1,250kVA", "1250"),
        ("8kW", "8"),  # low-voltage ledgers quote kW; read as kVA
        ("12.25", "12.3"),  # rounded to 0.1 kVA, half up
    ],
)
def test_capacity(cell, kva):
    assert normalise.capacity(cell) == Decimal(kva)


@pytest.mark.parametrize("cell", ["三百千伏安", "315kV", "0", "-5", ""])
def test_bad_capacity(cell):
    with pytest.raises(CellError):
        normalise.capacity(cell)


@pytest.mark.parametrize(
    ("cell", "volts"),
    [
        ("220V", "220V"),
        ("0.22kV", "220V"),
        ("380V", "380V"),
        ("0.4kV", "380V"),
        ("400V", "380V"),
        ("10kV", "10kV"),
        ("10KV", "10kV"),
        ("10千伏", "10kV"),
        ("交流10kV", "10kV"),
        ("AC10kV", "10kV"),
        (10, "10kV"),
        ("110", "110kV"),
        (220, "220V"),
        ("35 kV", "35kV"),
    ],
)
def test_voltage(cell, volts):
    assert normalise.voltage(cell) == volts


@pytest.mark.parametrize("cell", ["6kV", "高压", "500kV"])
def test_bad_voltage(cell):
    with pytest.raises(CellError):
        normalise.voltage(cell)


@pytest.mark.parametrize(
    ("cell", "flag"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("有", True), ("无", False),
     ("√", True), (1.0, True), (0, False), ("", False), (None, False), (True, True)],
)  # fmt: skip
def test_yes_no(cell, flag):
    assert normalise.boolean(cell) is flag


def test_yes_no_refuses_anything_else():
    with pytest.raises(CellError, match="应填写“是”或“否”"):
        normalise.boolean("可能")


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (13812345678.0, "13812345678"),  # calamine reads numbers as floats
        ("138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        (" YK-2026-000001 ", "YK-2026-000001"),
        ("'0571-87654321", "'0571-87654321"),  # an apostrophe not before = + - @ stays
    ],
)
def test_codes(cell, text):
    assert normalise.code(cell) == text


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (330106198001011234.0, "超过15位的部分已丢失"),
        ("3.30106E+17", "科学计数法"),
        (12.5, "小数"),
    ],
)
def test_codes_excel_has_already_damaged(cell, message):
    with pytest.raises(CellError, match=message):
        normalise.code(cell)


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("  西湖区幸福路（东段）1号  ", "西湖区幸福路（东段）1号"),  # full-width brackets kept
        ("张\u200b三", "张三"),  # zero-width space
        ('\'=HYPERLINK("x")', '=HYPERLINK("x")'),  # our export's neutralising apostrophe
        ("'-5", "-5"),
        (123.0, "123"),
        (None, ""),
    ],
)
def test_free_text(cell, text):
    assert normalise.text(cell) == text


def test_identity_checks_agree_with_python_stdnum():
    rng = random.Random(1)
    numbers = [resident_id(i) for i in range(300)] + [credit_code(i) for i in range(300)]
    for number in list(numbers):  # damaged copies: one character changed
        position = rng.randrange(18)
        numbers.append(number[:position] + rng.choice("0123456789X") + number[position + 1 :])
    numbers += ["", "123", "11010519491231002X", "110105194912310021", "91350100M000100Y43"]
    for number in numbers:
        assert ids.resident_id_valid(number) == ric.is_valid(number), number
        assert ids.credit_code_valid(number) == uscc.is_valid(number), number

"""One cell in, one clean value out — or a `CellError` saying why, in Chinese.

Cells come from python-calamine (str, float, date, datetime, time, bool) or from csv (str).
Documented normalisations (README "Ledger import"):

- free text (户名, 用电地址, 联系人, 备注): ends trimmed (trailing spaces, the ideographic
  space, zero-width characters), nothing else — full-width brackets belong to Chinese names;
- everything parsed or looked up (codes, dates, numbers, units, staff, choices, headers):
  Unicode NFKC first (full-width digits, letters and spaces become ASCII), spaces collapsed;
- one leading apostrophe in front of = + - @ is dropped (it is what our export adds against
  formula injection, so an exported file imports unchanged);
- codes (工单编号, 证件号码, 联系电话): as text, all spaces removed; a number that calamine read
  as a float goes back to its digits (13812345678.0 → "13812345678"), but a number of 16 or more
  digits or in scientific notation is refused — Excel has already cut its last digits;
- dates: Excel dates, Excel serial numbers (45678), text such as 2026-03-01, 2026/3/1,
  2026.3.1, 2026年3月1日, 20260301, each optionally followed by a time (10:23 or 10:23:45); a
  bare date means 00:00; times are Asia/Shanghai and kept to the second;
- capacity: 315, "315kVA", "315 kVA", "315千伏安", "0.315MVA", "1,250kVA"; kW is read as kVA
  (low-voltage ledgers quote 报装容量 in kW); rounded to 0.1 kVA;
- voltage: 220V, 0.22kV, 380V, 400V, 0.4kV, 10kV, 10千伏, 交流10kV, or a bare number;
- yes/no: 是/否, Y/N, 有/无, √/×, true/false, 1/0; empty is 否.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from ..states import SupplyVoltage


class CellError(ValueError):
    """A cell that cannot be used; `str(error)` is the reason shown to the user."""


TZ = ZoneInfo(settings.TIME_ZONE)
EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 = 1900-01-01, past Excel's 1900 leap-year bug
MAX_SERIAL = 2958465  # 9999-12-31
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_STARTS) - {""}
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")


def is_blank(value) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def display(value) -> str:
    """A cell as the user would recognise it in the error list."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S").removesuffix(" 00:00:00")
    return str(value)


def _as_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return display(value)


def _unquote(s: str) -> str:
    if len(s) > 1 and s[0] == "'" and s[1] in FORMULA_STARTS:
        return s[1:]
    return s


def text(value) -> str:
    """Free text (names, addresses, remarks): trimmed, otherwise exactly as written.

    No NFKC here: full-width brackets and commas are part of how Chinese names and addresses
    are written, and changing them would make every re-import an "update".
    """
    s = value if type(value) is str else _as_str(value)
    if not s.isascii():
        s = s.translate(_ZERO_WIDTH)
    s = s.strip()
    return s[1:] if s[:1] == "'" and s[1:2] in _FORMULA_CHARS else s


def clean(value) -> str:
    """Text to be parsed or looked up: NFKC (full-width → ASCII), spaces collapsed, trimmed."""
    s = _as_str(value)
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s).translate(_ZERO_WIDTH)
    return _unquote(_SPACES.sub(" ", s).strip())


def compact(value) -> str:
    """`clean` without any spaces, for codes and keys."""
    return clean(value).replace(" ", "")


_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+]?\d+$")


def code(value) -> str:
    """Digits-and-letters identifiers; refuses what Excel has already truncated."""
    if type(value) is str and value.isascii():  # the usual case, kept fast
        s = value.strip()
        if " " in s or "\t" in s:
            s = "".join(s.split())
        if s[:1] == "'" and s[1:2] in _FORMULA_CHARS:
            s = s[1:]
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("应为文本编号，却是小数 %(value)s。") % {"value": value})
        if abs(value) >= 1e15:
            raise CellError(
                _(
                    "Excel已把该编号存为数字，超过15位的部分已丢失。请把该列设为“文本”格式后重新填写。"
                )
            )
        return str(int(value))
    else:
        s = compact(value)
    if ("E" in s or "e" in s) and _SCIENTIFIC.match(s):
        raise CellError(
            _(
                "编号显示为科学计数法（%(value)s），末尾数字已丢失。请把该列设为“文本”格式后重新填写。"
            )
            % {"value": s}
        )
    return s


# --- Dates -------------------------------------------------------------------------------------

_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时]\s*(\d{1,2})\s*(?:[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TEXT_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")


def _from_serial(serial: float) -> datetime:
    if not 1 <= serial <= MAX_SERIAL:
        raise CellError(_("不是有效的日期：%(value)s。") % {"value": display(serial)})
    return EXCEL_EPOCH + timedelta(seconds=round(serial * 86400))


def _parse_date_text(s: str) -> datetime:
    match = _DATE_TEXT.match(s)
    if match:
        parts = [int(p) if p else 0 for p in match.groups()]
    elif match := _COMPACT_DATE.match(s):
        parts = [int(p) for p in match.groups()] + [0, 0, 0]
    elif _TEXT_SERIAL.match(s):
        return _from_serial(float(s))
    else:
        raise CellError(
            _("无法识别的日期“%(value)s”，请使用 2026-03-01 或 2026-03-01 10:30 的格式。")
            % {"value": s}
        )
    try:
        return datetime(*parts)
    except ValueError:
        raise CellError(_("日期不存在：%(value)s。") % {"value": s}) from None


def instant(value) -> datetime | None:
    """A moment in Asia/Shanghai, to the second, or None for an empty cell."""
    if type(value) is datetime and not value.microsecond and value.tzinfo is None:
        if 1990 <= value.year <= 2100:  # the usual cell, kept fast
            return value.replace(tzinfo=TZ)
        naive = value
    elif isinstance(value, datetime):
        # Excel keeps times as fractions of a day: 10:00:00 may come back as 09:59:59.999999.
        naive = (value.replace(tzinfo=None) + timedelta(microseconds=500_000)).replace(
            microsecond=0
        )
    elif isinstance(value, date):
        naive = datetime(value.year, value.month, value.day)
    elif isinstance(value, bool):
        raise CellError(_("应为日期。"))
    elif isinstance(value, int | float):
        if 19000101 <= value <= 29991231 and float(value).is_integer():
            naive = _parse_date_text(str(int(value)))  # 20260301 typed as a number
        else:
            naive = _from_serial(float(value))
    elif isinstance(value, time | timedelta):
        raise CellError(_("只有时间没有日期。"))
    elif is_blank(value):
        return None
    else:
        naive = _parse_date_text(clean(value))
    if not 1990 <= naive.year <= 2100:
        raise CellError(_("日期超出合理范围：%(value)s。") % {"value": display(naive)})
    return naive.replace(tzinfo=TZ)


def day(value) -> date | None:
    """A calendar day (the time of day, if any, is dropped)."""
    moment = instant(value)
    return None if moment is None else moment.date()


# --- Quantities --------------------------------------------------------------------------------

_CAPACITY = re.compile(r"^(\d+(?:\.\d+)?)(kva|kw|千伏安|千瓦|mva|mw|兆伏安|兆瓦)?$")
_CAPACITY_FACTOR = {"mva": 1000, "mw": 1000, "兆伏安": 1000, "兆瓦": 1000}
TENTH = Decimal("0.1")


def capacity(value) -> Decimal:
    """Requested capacity in kVA, rounded to 0.1."""
    if isinstance(value, bool):
        raise CellError(_("应为容量数字。"))
    if isinstance(value, int | float):
        amount = Decimal(str(value))
    else:
        s = compact(value).lower().replace(",", "")
        if not s:
            raise CellError(_("必填，不能为空。"))
        match = _CAPACITY.match(s)
        if not match:
            raise CellError(
                _("无法识别的容量“%(value)s”，请填写数字（单位kVA），如 315 或 315kVA。")
                % {"value": text(value)}
            )
        try:
            amount = Decimal(match.group(1)) * _CAPACITY_FACTOR.get(match.group(2), 1)
        except InvalidOperation:
            raise CellError(_("无法识别的容量“%(value)s”。") % {"value": text(value)}) from None
    amount = amount.quantize(TENTH, rounding=ROUND_HALF_UP)
    if not Decimal("0.1") <= amount < Decimal("1000000000"):
        raise CellError(_("容量应大于0且小于10亿kVA：%(value)s。") % {"value": display(value)})
    return amount


_VOLTAGE = re.compile(r"^(?:交流|ac)?(\d+(?:\.\d+)?)(v|kv|伏|千伏)?$")
_VOLTS = {
    220: SupplyVoltage.V220,
    380: SupplyVoltage.V380,
    400: SupplyVoltage.V380,  # 0.4 kV is the usual name of the 380 V network
    10_000: SupplyVoltage.KV10,
    20_000: SupplyVoltage.KV20,
    35_000: SupplyVoltage.KV35,
    110_000: SupplyVoltage.KV110,
}


def voltage(value) -> str:
    """Supply voltage as a `SupplyVoltage` value."""
    s = compact(value).lower() if not isinstance(value, int | float) else display(value)
    match = _VOLTAGE.match(s)
    if not match:
        raise CellError(_("无法识别的供电电压“%(value)s”。") % {"value": text(value)})
    number, unit = Decimal(match.group(1)), match.group(2)
    if unit in ("kv", "千伏"):
        candidates = [number * 1000]
    elif unit in ("v", "伏"):
        candidates = [number]
    else:  # a bare number: 220/380/400 are volts, 0.4/10/35/110 kilovolts
        candidates = [number, number * 1000]
    found = next(
        (_VOLTS[int(v)] for v in candidates if v == v.to_integral_value() and int(v) in _VOLTS),
        None,
    )
    if found is None:
        raise CellError(
            _("不支持的供电电压“%(value)s”，可选：%(choices)s。")
            % {"value": text(value), "choices": "、".join(SupplyVoltage.values)}
        )
    return found


# --- Yes / no ----------------------------------------------------------------------------------

_YES = {"是", "y", "yes", "true", "1", "有", "√", "✓", "t"}
_NO = {"否", "n", "no", "false", "0", "无", "×", "✗", "x", "f", ""}


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    s = compact(value).lower()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise CellError(_("应填写“是”或“否”，而不是“%(value)s”。") % {"value": text(value)})


def header_key(value) -> str:
    """A header cell as compared with known headers: no spaces, no required-marks, lower case."""
    return compact(value).strip("*：:").lower()

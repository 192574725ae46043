"""Ledger files for tests: rows as a user would type them, written with openpyxl or csv."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import Workbook

from applications.demo import credit_code, resident_id
from applications.ledger.columns import APPLICATION_COLUMNS, METERING_COLUMNS

HEADERS = [c.header for c in APPLICATION_COLUMNS]
KEYS = [c.key for c in APPLICATION_COLUMNS]
METERING_HEADERS = [c.header for c in METERING_COLUMNS]


def row(serial: int, **values) -> dict:
    """One in-flight low-voltage resident in 勘查 (survey), unless `values` say otherwise."""
    base = {
        "number": f"XH-2026-{serial:05d}",
        "name": f"居民客户{serial}",
        "id_type": "居民身份证",
        "id_number": resident_id(serial),
        "contact_name": f"联系人{serial}",
        "phone": f"138{serial:08d}",
        "site_address": f"西湖区幸福路{serial}号",
        "unit": "西湖供电服务中心",
        "customer_class": "低压居民",
        "business_type": "新装",
        "channel": "营业厅",
        "capacity": 8,
        "supply_voltage": "220V",
        "is_small_micro": "否",
        "has_grid_works": "否",
        "accepted_at": datetime(2026, 3, 2, 9, 30),
        "state": "现场勘查",
        "state_changed_at": datetime(2026, 3, 3, 10, 0),
        "customer_manager": "cm",
        "project_manager": "",
        "installed_on": None,
        "energized_at": None,
        "note": "",
    }
    return {**base, **values}


def business(serial: int, **values) -> dict:
    base = {
        "name": f"示例企业{serial}有限公司",
        "id_type": "统一社会信用代码",
        "id_number": credit_code(serial),
        "customer_class": "低压非居民",
        "capacity": 80,
        "supply_voltage": "380V",
    }
    return row(serial, **{**base, **values})


def archived(serial: int, **values) -> dict:
    base = {
        "state": "已归档",
        "state_changed_at": datetime(2026, 3, 9, 16, 0),
        "installed_on": datetime(2026, 3, 6),
        "energized_at": datetime(2026, 3, 6, 15, 0),
    }
    return row(serial, **{**base, **values})


def xlsx(rows: list[dict], *, headers=None, title_rows=(), sheet="台账") -> bytes:
    """An .xlsx with `title_rows` above the header (each a list of cells)."""
    headers = headers or HEADERS
    keys = [KEYS[HEADERS.index(h)] if h in HEADERS else h for h in headers]
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    for title in title_rows:
        ws.append(list(title))
    ws.append(list(headers))
    for values in rows:
        ws.append([values.get(k) for k in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def metering_xlsx(rows: list[tuple]) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.append(METERING_HEADERS)
    for values in rows:
        ws.append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], *, encoding="utf-8-sig", delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADERS)
    for values in rows:
        writer.writerow(
            [
                v.strftime("%Y-%m-%d %H:%M")
                if isinstance(v, datetime)
                else ("" if v is None else v)
                for v in (values.get(k) for k in KEYS)
            ]
        )
    return out.getvalue().encode(encoding)

"""The metering-record ledger (装表记录): meter numbers and installation dates per application."""

from datetime import date

import pytest

from applications.models import MeteringRecord

from . import factory as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(run_import):
    run_import(f.xlsx([f.row(1), f.row(2)]))


def test_records_are_created_updated_and_left_alone(run_import, imported, importer):
    rows = [("XH-2026-00001", "M-1", "2026-03-04"), ("XH-2026-00002", 3301000012345.0, 46085)]
    outcome = run_import(f.metering_xlsx(rows), kind="metering")
    assert sorted(outcome.created) == ["XH-2026-00001", "XH-2026-00002"]
    assert MeteringRecord.objects.get(meter_number="3301000012345").installed_on == date(2026, 3, 4)
    again = run_import(f.metering_xlsx(rows), kind="metering")
    assert len(again.unchanged) == 2
    assert MeteringRecord.history.model.objects.count() == 0  # created by the import job only
    changed = run_import(
        f.metering_xlsx([("XH-2026-00001", "M-1", "2026-03-05"), rows[1]]), kind="metering"
    )
    assert changed.updated == ["XH-2026-00001"]
    record = MeteringRecord.objects.get(meter_number="M-1")
    old, new = record.history.order_by("history_date", "history_id")
    assert (old.installed_on, new.installed_on) == (date(2026, 3, 4), date(2026, 3, 5))
    assert new.history_user == importer


def test_metering_rows_are_checked(run_import, imported):
    rows = [
        ("XH-2026-00009", "M-9", "2026-03-04"),  # no such application
        ("XH-2026-00001", "", "2026-03-04"),
        ("XH-2026-00001", "M-1", "2099-01-01"),
        ("XH-2026-00002", "M-2", "2026-03-04"),
        ("XH-2026-00002", "M-2", "2026-03-05"),
    ]
    outcome = run_import(f.metering_xlsx(rows), kind="metering", write=False)
    assert [(e.row, e.column) for e in outcome.errors] == [
        (2, "工单编号"),
        (3, "电能表资产号"),
        (4, "装表日期"),
        (5, "电能表资产号"),
        (6, "电能表资产号"),
    ]
    assert "请先导入业扩台账" in outcome.errors[0].reason
    assert "重复出现" in outcome.errors[3].reason


def test_a_formula_date_is_reported_as_a_formula(run_import, imported):
    outcome = run_import(
        f.metering_xlsx([("XH-2026-00001", "M-1", "=TODAY()")]), kind="metering", write=False
    )
    ((row, column, reason),) = [(e.row, e.column, e.reason) for e in outcome.errors]
    assert (row, column) == (2, "装表日期")
    assert reason.startswith("单元格是公式但没有计算结果")

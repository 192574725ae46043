"""Writing a ledger: upsert by 工单编号, idempotent, changes logged, never half a file."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from applications.ledger import bulk, sql, validate
from applications.ledger.importing import ImportRefused
from applications.models import (
    Application,
    ApplicationNumberSequence,
    Customer,
    TransitionLog,
)
from applications.services.numbering import next_application_number

from . import factory as f

pytestmark = pytest.mark.django_db
History = Application.history.model
TZ = ZoneInfo("Asia/Shanghai")


def counts():
    return (
        Customer.objects.count(),
        Application.objects.count(),
        TransitionLog.objects.count(),
        History.objects.count(),
        Customer.history.model.objects.count(),
    )


def test_a_ledger_creates_customers_and_applications_as_the_rows_say(run_import, staff, unit):
    outcome = run_import(f.xlsx([f.row(1), f.business(2, has_grid_works="否"), f.archived(3)]))
    assert outcome.written
    assert sorted(outcome.created) == ["XH-2026-00001", "XH-2026-00002", "XH-2026-00003"]
    app = Application.objects.select_related("customer").get(number="XH-2026-00001")
    assert (app.state, app.origin, app.customer_class, app.supply_voltage) == (
        "scheme",
        "ledger",
        "lv_resident",
        "220V",
    )
    assert app.customer_manager == staff["customer_manager"]
    assert app.unit == unit
    assert app.requested_capacity_kva == Decimal("8")
    assert app.customer.id_type == "resident_id" and app.customer.kind == "person"
    assert app.customer.phone == "13800000001"
    business = Application.objects.get(number="XH-2026-00002")
    assert business.customer.kind == "enterprise"
    done = Application.objects.get(number="XH-2026-00003")
    assert done.state == "archived" and done.energized_at and done.archived_at
    assert str(done.ledger_installed_on) == "2026-03-06"


def test_the_known_history_is_reconstructed_in_the_transition_log(run_import):
    run_import(f.xlsx([f.row(1), f.row(2, state="业务受理", state_changed_at=None)]))
    logs = list(
        TransitionLog.objects.filter(application__number="XH-2026-00001").values_list(
            "transition", "from_state", "to_state", "at", "actor"
        )
    )
    accepted, entered = logs
    assert accepted[:3] == ("create", "", "accept")
    assert entered[:3] == ("import", "", "scheme")
    assert accepted[3] < entered[3]
    assert accepted[4] is None  # the ledger does not say who did it in the old system
    comment = TransitionLog.objects.filter(application__number="XH-2026-00001").first().comment
    assert "台账导入" in comment and "主管甲" in comment  # …but the log says who imported it
    assert TransitionLog.objects.filter(application__number="XH-2026-00002").count() == 1


def test_importing_the_same_file_twice_changes_nothing(run_import):
    data = f.xlsx([f.row(1), f.business(2), f.archived(3), f.row(4, state="暂停（现场勘查）")])
    run_import(data)
    before = counts()
    again = run_import(data)
    assert (again.created, again.updated) == ([], [])
    assert len(again.unchanged) == 4
    assert counts() == before  # not one log or history row more


def test_a_changed_row_updates_and_logs_old_and_new(run_import, importer):
    run_import(f.xlsx([f.row(1), f.row(2)]))
    outcome = run_import(f.xlsx([f.row(1, capacity="12kVA"), f.row(2)]))
    assert outcome.updated == ["XH-2026-00001"]
    assert outcome.unchanged == ["XH-2026-00002"]
    app = Application.objects.get(number="XH-2026-00001")
    assert app.requested_capacity_kva == Decimal("12")
    old, new = app.history.order_by("history_date", "history_id")
    assert (old.requested_capacity_kva, new.requested_capacity_kva) == (8, 12)
    assert new.history_user == importer
    assert new.history_change_reason.startswith("台账导入")
    assert [c.field for c in new.diff_against(old).changes] == ["requested_capacity_kva"]


def test_a_customer_s_new_phone_is_an_update_of_the_row(run_import):
    run_import(f.xlsx([f.row(1)]))
    outcome = run_import(f.xlsx([f.row(1, phone="13900000001")]))
    assert outcome.updated == ["XH-2026-00001"]
    customer = Customer.objects.get()
    assert customer.phone == "13900000001"
    assert customer.history.count() == 2  # the state before the change, then the change


def test_columns_missing_from_a_file_leave_values_alone(run_import):
    run_import(f.xlsx([f.row(1, note="客户要求尽快", has_grid_works="否")]))
    headers = [h for h in f.HEADERS if h not in ("备注", "客户经理", "项目经理")]
    outcome = run_import(f.xlsx([f.row(1)], headers=headers))
    assert outcome.unchanged == ["XH-2026-00001"]
    app = Application.objects.get()
    assert app.note == "客户要求尽快" and app.customer_manager_id is not None


def test_an_error_late_in_the_file_leaves_the_database_unchanged(run_import):
    run_import(f.xlsx([f.row(1)]))
    before = counts()
    rows = [f.row(1, capacity=20), *(f.row(i) for i in range(2, 40)), f.row(40, unit="火星")]
    outcome = run_import(f.xlsx(rows))
    assert not outcome.written
    assert [e.row for e in outcome.errors] == [41]
    assert counts() == before
    assert Application.objects.get().requested_capacity_kva == 8


def test_a_failure_while_writing_rolls_back_every_chunk(run_import, monkeypatch):
    """The database refuses something mid-import: what was written before is undone."""
    monkeypatch.setattr(validate, "CHUNK_ROWS", 5)
    original = bulk.LedgerWriter.write_chunk
    calls = []

    def failing(self, rows, **prepared):
        calls.append((len(rows), "staged" in prepared))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(self, rows, **prepared)

    monkeypatch.setattr(bulk.LedgerWriter, "write_chunk", failing)
    with pytest.raises(RuntimeError):
        run_import(f.xlsx([f.row(i) for i in range(1, 14)]))
    # On PostgreSQL the validating thread prepared each chunk's staging data.
    pipelined = sql.is_postgres()
    assert calls == [(5, pipelined), (5, pipelined), (3, pipelined)]
    assert counts() == (0, 0, 0, 0, 0)


def test_skipping_bad_rows_writes_the_good_ones(run_import):
    outcome = run_import(f.xlsx([f.row(1), f.row(2, state="待定"), f.row(3)]), skip_errors=True)
    assert outcome.written
    assert sorted(outcome.created) == ["XH-2026-00001", "XH-2026-00003"]
    assert [e.row for e in outcome.errors] == [3]
    assert outcome.validated.bad_rows[0][0] == 3


def test_a_dry_run_counts_exactly_and_writes_nothing(run_import):
    run_import(f.xlsx([f.row(1)]))
    before = counts()
    outcome = run_import(f.xlsx([f.row(1, capacity=9), f.row(2)]), dry_run=True)
    assert (outcome.created, outcome.updated) == (["XH-2026-00002"], ["XH-2026-00001"])
    assert counts() == before


def test_ledger_numbers_in_yekuo_s_format_move_the_sequence_on(run_import, make_app):
    run_import(f.xlsx([f.row(1, number="YK-2026-000500")]))
    assert ApplicationNumberSequence.objects.get(year=2026).last_value == 500
    assert next_application_number(2026) == "YK-2026-000501"


def test_a_customer_in_several_rows_takes_the_last(run_import):
    run_import(f.xlsx([f.row(1), f.row(2, id_number=f.row(1)["id_number"], phone="13911112222")]))
    assert Customer.objects.get().phone == "13911112222"
    assert Application.objects.filter(customer__phone="13911112222").count() == 2


def test_the_ledger_keeps_moving_applications_it_brought_in(run_import):
    run_import(f.xlsx([f.business(1, state="业务受理", state_changed_at=None)]))
    moved = f.business(1, state="竣工验收", state_changed_at=datetime(2026, 3, 20, 9, 0))
    outcome = run_import(f.xlsx([moved]))
    assert outcome.updated == ["XH-2026-00001"]
    app = Application.objects.get()
    assert app.state == "completion_inspection"
    last = TransitionLog.objects.filter(application=app).order_by("at").last()
    assert (last.transition, last.from_state, last.to_state) == (
        "import",
        "accept",
        "completion_inspection",
    )


def test_the_same_import_works_with_many_chunks(run_import, monkeypatch):
    monkeypatch.setattr(validate, "CHUNK_ROWS", 4)
    rows = [f.row(i) for i in range(1, 12)] + [f.row(12, id_number=f.row(1)["id_number"])]
    outcome = run_import(f.xlsx(rows))
    assert len(outcome.created) == 12
    assert Customer.objects.count() == 11
    again = run_import(f.xlsx(rows))
    assert len(again.unchanged) == 12


def test_a_number_created_after_validation_refuses_the_whole_file(run_import, monkeypatch):
    """Validation saw the number free; by the time of writing another import created it."""
    run_import(f.xlsx([f.row(2)]))
    before = counts()
    monkeypatch.setattr(validate, "existing_applications", lambda numbers: {})
    with pytest.raises(ImportRefused, match="工单XH-2026-00002在校验后已被他人办理"):
        run_import(f.xlsx([f.row(1), f.row(2), f.row(3)]))
    assert counts() == before


def test_an_application_moved_after_validation_refuses_the_whole_file(run_import, monkeypatch):
    """Validation saw it imported and untouched; by the time of writing it was handled."""
    run_import(f.xlsx([f.row(1)]))
    before = counts()
    original = validate.existing_applications

    def seen_before_the_move(numbers):
        found = original(numbers)
        TransitionLog.objects.create(  # someone handled it in Yekuo: Yekuo is now its master
            application=Application.objects.get(number="XH-2026-00001"),
            transition="submit_scheme",
            transition_label="提交供电方案会签",
            from_state="scheme",
            to_state="scheme",
            at=datetime(2026, 3, 20, 9, 0, tzinfo=TZ),
        )
        return found

    monkeypatch.setattr(validate, "existing_applications", seen_before_the_move)
    with pytest.raises(ImportRefused, match="工单XH-2026-00001在校验后已被他人办理"):
        run_import(f.xlsx([f.row(1, capacity=9), f.row(2)]))
    assert counts()[:2] == before[:2]
    assert Application.objects.get(number="XH-2026-00001").requested_capacity_kva == 8

"""Connection records follow the lifecycle: exact the moment an application is energized."""

from applications.states import State
from monitoring.clocks import process_elapsed_working_days
from monitoring.dashboard.records import refresh_connection_records
from monitoring.models import ConnectionRecord

from ..test_clocks import local


def test_energizing_writes_the_record_with_the_clocks_sum(make_app, walker):
    app = make_app("lv_business", has_grid_works=True, at=local(2026, 3, 2, 9))
    app = walker.walk(app, until=State.ENERGIZE, start=local(2026, 3, 2, 9))
    assert not ConnectionRecord.objects.filter(application=app).exists()

    app = walker.step(app, local(2026, 3, 20, 10))  # energized
    record = ConnectionRecord.objects.get(application=app)
    assert record.energized_at == app.energized_at == local(2026, 3, 20, 10)
    assert record.working_days == process_elapsed_working_days(app)
    assert record.working_days > 0
    assert (record.customer_class, record.is_small_micro, record.has_grid_works) == (
        "lv_business", True, True,
    )  # fmt: skip
    # ① accept ② scheme ③ works/customer completion ④ completion inspection ⑤ energize.
    assert record.customer_steps == 5
    assert record.unit_id == app.unit_id and record.customer_manager_id == app.customer_manager_id

    before = (record.working_days, record.customer_steps, record.late_clocks)
    assert refresh_connection_records() >= 1  # the daily rebuild changes nothing
    record.refresh_from_db()
    assert (record.working_days, record.customer_steps, record.late_clocks) == before


def test_a_record_goes_when_the_application_is_no_longer_energized(make_app, walker):
    app = make_app("lv_resident", at=local(2026, 3, 2, 9))
    app = walker.walk(app, until=State.ARCHIVE, start=local(2026, 3, 2, 9))
    assert ConnectionRecord.objects.filter(application=app).exists()
    type(app).objects.filter(pk=app.pk).update(energized_at=None)  # corrected by hand
    refresh_connection_records()
    assert not ConnectionRecord.objects.filter(application=app).exists()

"""Imported applications in flight get the clock a hand-made one would have now."""

from datetime import datetime

import pytest
from django.utils import timezone

from applications.ledger.importing import import_ledger, read
from applications.models import Application
from monitoring import clocks
from monitoring.models import ClockPause, ConnectionRecord, StageClock, TimeLimitPolicy
from tests.applications.ledger import factory as f

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


def local(*args):
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
def run_import(staff):
    def run(rows):
        table = read("applications", f.xlsx(rows))
        return import_ledger(
            kind="applications", table=table, user=staff["supervisor"], reason="台账导入"
        )

    return run


def clock_of(number):
    return StageClock.objects.get(application__number=number, outcome="open")


def test_an_in_flight_application_gets_its_stage_clock_from_the_stage_start(run_import, staff):
    # 勘查 since Tue 2026-03-03 10:00; low-voltage residents have 2 working days (DOMAIN §4a).
    run_import([f.row(1, state="现场勘查", state_changed_at=datetime(2026, 3, 3, 10, 0))])
    clock = clock_of("XH-2026-00001")
    assert clock.stage == "scheme"
    assert clock.started_at == local(2026, 3, 3, 10, 0)
    assert clock.limit_value == 2
    assert clock.due_at == local(2026, 3, 6, 0, 0)  # end of Thu 2026-03-05
    assert clock.warn_at is not None and clock.warn_at <= clock.due_at
    assert clock.responsible == staff["customer_manager"]
    assert clock.counts_against_company


def test_the_clock_is_late_if_the_ledger_s_stage_started_long_ago(run_import):
    run_import([f.row(1, state_changed_at=datetime(2026, 3, 3, 10, 0))])
    assert clock_of("XH-2026-00001").due_at < timezone.now()  # the sweep will escalate it


def test_acceptance_is_timed_in_hours_from_the_acceptance(run_import):
    run_import([f.row(1, state="业务受理", state_changed_at=None)])
    clock = clock_of("XH-2026-00001")
    assert (clock.stage, clock.limit_unit, clock.limit_value) == ("accept", "hours", 24)
    assert clock.due_at == local(2026, 3, 3, 9, 30)


def timed_by_hand(clock):
    """The timing `clocks.start_clock` gives a clock of that stage started at that instant."""
    expected = StageClock(
        stage=clock.stage, started_at=clock.started_at, customer_class=clock.customer_class
    )
    day = timezone.localdate(clock.started_at)
    clocks._apply_policy(expected, clocks.policy_for(clock.customer_class, clock.stage, day))
    return expected


TIMING = ("policy_id", "counts_against_company", "limit_unit", "limit_value", "warn_at", "due_at")


@pytest.mark.parametrize(
    "row",
    [
        f.row(1, state="业务受理", state_changed_at=datetime(2026, 3, 2, 9, 30)),
        f.row(
            1, state="业务受理", accepted_at=datetime(2026, 3, 6, 17, 47, 13), state_changed_at=None
        ),  # a Friday
        f.row(1, state="现场勘查", state_changed_at=datetime(2026, 3, 3, 23, 59, 59)),
        f.business(1, state="暂停（供电方案答复）"),
    ],
    ids=["hours", "hours-over-a-weekend", "working-days-late-in-the-day", "paused"],
)
def test_an_imported_clock_is_timed_as_one_started_by_hand(run_import, row):
    run_import([row])
    clock = clock_of("XH-2026-00001")
    expected = timed_by_hand(clock)
    assert [getattr(clock, name) for name in TIMING] == [getattr(expected, n) for n in TIMING]


def test_an_hour_warning_that_would_come_before_the_start_comes_at_the_start(run_import):
    TimeLimitPolicy.objects.filter(stage="accept").update(warn_unit="hours", warn_before_value=30)
    run_import(
        [
            f.row(
                1,
                state="业务受理",
                accepted_at=datetime(2026, 3, 6, 17, 47, 13),
                state_changed_at=None,
            )
        ]
    )
    clock = clock_of("XH-2026-00001")
    assert clock.due_at == local(2026, 3, 7, 17, 47, 13)  # 24 calendar hours
    assert clock.warn_at == clock.started_at == local(2026, 3, 6, 17, 47, 13)
    assert clock.warn_at == timed_by_hand(clock).warn_at


def test_a_suspended_application_gets_its_stage_clock_paused(run_import):
    run_import([f.business(1, state="暂停（供电方案答复）")])
    clock = clock_of("XH-2026-00001")
    assert clock.stage == "scheme"
    assert clock.paused_at == clock.started_at
    assert ClockPause.objects.filter(clock=clock, resumed_at__isnull=True).count() == 1


def test_finished_applications_get_no_clock(run_import):
    run_import([f.archived(1), f.row(2, state="已撤销", state_changed_at=None)])
    assert not StageClock.objects.exists()


def test_re_importing_the_same_ledger_leaves_the_clocks_alone(run_import):
    rows = [f.row(1), f.business(2, state="暂停（供电方案答复）")]
    run_import(rows)
    before = list(StageClock.objects.values_list("pk", "due_at", "outcome"))
    run_import(rows)
    assert list(StageClock.objects.values_list("pk", "due_at", "outcome")) == before


def test_when_the_ledger_moves_an_application_its_clocks_follow(run_import):
    run_import([f.business(1, state="供电方案答复", state_changed_at=datetime(2026, 3, 3, 10))])
    run_import([f.business(1, state="竣工验收", state_changed_at=datetime(2026, 3, 4, 15))])
    scheme = StageClock.objects.get(stage="scheme")
    assert scheme.outcome == "met"  # finished within its 3 days
    assert scheme.stopped_at == local(2026, 3, 4, 15)
    assert clock_of("XH-2026-00001").stage == "completion_inspection"
    run_import([f.business(1, state="竣工验收", state_changed_at=datetime(2026, 3, 5, 9))])
    retimed = clock_of("XH-2026-00001")  # the ledger corrected the stage's start
    assert retimed.started_at == local(2026, 3, 5, 9)
    run_import(
        [
            f.business(
                1,
                state="已归档",
                state_changed_at=datetime(2026, 3, 12, 9),
                energized_at=datetime(2026, 3, 10, 9),
            )
        ]
    )
    assert not StageClock.objects.filter(outcome="open").exists()
    assert Application.objects.get().state == "archived"


def test_an_application_the_ledger_energizes_gets_its_connection_record(run_import):
    # In 勘查 since Tue 2026-03-03 10:00 (limit 2 working days), then the next ledger has it
    # energized on Fri 03-06 and archived on Mon 03-09 16:00: the 勘查 clock stops there,
    # 4 working days after its start day (Wed, Thu, Fri, Mon), and the record counts them.
    run_import([f.row(1)])
    assert not ConnectionRecord.objects.exists()
    run_import([f.archived(1)])
    clock = StageClock.objects.get(application__number="XH-2026-00001")
    assert (clock.outcome, clock.stopped_at) == ("breached", local(2026, 3, 9, 16, 0))
    record = ConnectionRecord.objects.get(application__number="XH-2026-00001")
    assert record.energized_at == local(2026, 3, 6, 15, 0)
    assert (record.working_days, record.late_clocks) == (4, 1)


def test_a_new_application_energized_in_flight_gets_its_record_at_once(run_import):
    # 归档 (archiving, after energization) is a stage with a clock: the record is there.
    run_import([f.archived(1, state="归档", state_changed_at=datetime(2026, 3, 6, 15, 0))])
    record = ConnectionRecord.objects.get(application__number="XH-2026-00001")
    assert record.energized_at == local(2026, 3, 6, 15, 0)
    assert record.late_clocks == 0

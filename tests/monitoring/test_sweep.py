"""The sweep raises each alert once, at its instant, whatever reruns, crashes or races happen.

Dates counted by hand (2026): National Day 1–7 Oct off, Sat 10 Oct a make-up workday. A
low-voltage business scheme (3 working days, warned 1 working day before) started Mon 28 Sep
10:00: Tue 29 (1), Wed 30 (2), Thu 8 Oct (3) → due 24:00 Thu 8 Oct, shown as Fri 9 Oct 00:00;
the warning from 00:00 Thu 8 Oct.
"""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django_q.models import Schedule, Task
from django_q.tasks import async_task

from applications.demo import make_staff
from monitoring import schedules, sql, sweep, tasks
from monitoring.models import Alert, EmailDelivery, Notification, StageClock
from monitoring.sweep import run_sweep

from .sweeping import (
    ESCALATION,
    OVERDUE,
    WARNING,
    alerts,
    all_rows,
    local,
    resume,
    scheme_clock,
    suspend,
)

WARN, DUE = local(2026, 10, 8), local(2026, 10, 9)
LATE = local(2026, 10, 20)  # after every escalation of that clock
EVERYTHING = {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2), (ESCALATION, 3)}
SECOND = timedelta(seconds=1)
# This module's steps (other modules append theirs to SWEEP_STEPS).
ALERT_STEPS = ["raise_warnings", "raise_overdue", "raise_escalations", "notify_alerts"]


def created(result) -> list[int]:
    return [result.counts[step] for step in ALERT_STEPS]


@pytest.fixture
def app_and_clock(make_app, walker):
    return scheme_clock(make_app, walker, local(2026, 9, 28, 9))


@pytest.fixture
def clock(app_and_clock):
    return app_and_clock[1]


def test_warning_is_raised_at_warn_at_not_before(app_and_clock):
    app, clock = app_and_clock
    assert (clock.warn_at, clock.due_at) == (WARN, DUE)

    assert run_sweep(WARN - SECOND).counts["raise_warnings"] == 0
    assert alerts(clock) == set()

    assert run_sweep(WARN).counts["raise_warnings"] == 1
    alert = Alert.objects.get(clock=clock)
    assert (alert.kind, alert.level, alert.raised_at, alert.due_at) == (WARNING, 0, WARN, DUE)
    assert (alert.application, alert.unit) == (app, app.unit)


def test_overdue_is_raised_at_due_at(clock):
    run_sweep(DUE - SECOND)
    assert alerts(clock) == {(WARNING, 0)}

    result = run_sweep(DUE)
    assert result.counts["raise_overdue"] == 1
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1)}
    assert Alert.objects.get(clock=clock, kind=OVERDUE).raised_at == DUE


def test_one_sweep_after_downtime_raises_everything_that_became_due(clock):
    result = run_sweep(LATE)

    assert result.ok
    assert alerts(clock) == EVERYTHING


def test_a_suspended_clock_raises_nothing_and_a_resumed_one_raises_at_its_extended_due(
    app_and_clock, staff
):
    app, clock = app_and_clock
    cm = staff["customer_manager"]
    app = suspend(app, cm, local(2026, 9, 30, 11))

    run_sweep(local(2026, 10, 9, 9))  # past the old due, still suspended
    assert alerts() == set()

    resume(app, cm, local(2026, 10, 9, 10))
    clock.refresh_from_db()
    # Paused: Thu 8 and Fri 9 Oct → due moves 2 working days, to 24:00 Sat 10 Oct (make-up).
    assert (clock.warn_at, clock.due_at) == (local(2026, 10, 10), local(2026, 10, 11))
    run_sweep(local(2026, 10, 9, 12))  # the old due has passed, the new warning not yet
    assert alerts() == set()
    run_sweep(local(2026, 10, 10))
    assert alerts(clock) == {(WARNING, 0)}
    run_sweep(local(2026, 10, 11))
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1)}


def test_closed_clocks_and_customer_time_raise_nothing(app_and_clock, walker, make_app):
    # The scheme clock stops; customer time is forced onto a running, due clock.
    app, clock = app_and_clock
    walker.step(app, local(2026, 10, 8, 12))  # the scheme ends on time; energize starts
    clock.refresh_from_db()
    assert clock.outcome == StageClock.Outcome.MET
    _other_app, customer_time = scheme_clock(make_app, walker, local(2026, 9, 28, 9))
    StageClock.objects.filter(pk=customer_time.pk).update(counts_against_company=False)

    run_sweep(LATE)

    assert alerts(clock) == set()
    assert alerts(customer_time) == set()
    assert alerts() == set()


def test_running_the_sweep_twice_changes_nothing(clock, staff):
    staff["customer_manager"].email = "cm@example.com"
    staff["customer_manager"].save()
    first = run_sweep(LATE)
    before = all_rows()

    second = run_sweep(LATE)
    later = run_sweep(LATE + timedelta(days=3))

    assert created(first) == [1, 1, 2, 3]
    assert created(second) == created(later) == [0, 0, 0, 0]
    assert all_rows() == before
    assert len(before["alerts"]) == 4 and len(before["emails"]) == 2  # cm at levels 0 and 1


def test_a_failing_step_is_reported_the_others_run_and_a_rerun_completes(clock, monkeypatch):
    def raise_overdue(now):
        raise RuntimeError("database hiccup")

    broken = [raise_overdue if s is sweep.raise_overdue else s for s in sweep.SWEEP_STEPS]
    monkeypatch.setattr(sweep, "SWEEP_STEPS", broken)
    result = run_sweep(LATE)

    assert result.failed == {"raise_overdue": "RuntimeError: database hiccup"}
    # The steps after it still ran.
    assert alerts(clock) == {(WARNING, 0), (ESCALATION, 2), (ESCALATION, 3)}
    with pytest.raises(tasks.SweepStepFailed):  # the scheduled task fails, visibly
        tasks.sweep()

    monkeypatch.undo()
    rerun = run_sweep(LATE)

    assert rerun.ok and rerun.counts["raise_overdue"] == 1
    assert alerts(clock) == EVERYTHING
    assert Alert.objects.count() == 4
    overdue = Alert.objects.get(clock=clock, kind=OVERDUE)
    assert overdue.notified_at == LATE and overdue.notifications.count() == 2  # cm + supervisor


class Crash(BaseException):
    """The process dies (SIGKILL, power): nothing after this point runs."""


def test_a_crash_between_alerts_and_their_notifications_loses_nothing(clock, staff, monkeypatch):
    staff["customer_manager"].email = "cm@example.com"
    staff["customer_manager"].save()
    execute = sql.execute

    def crash_when_queueing_emails(statement, params):
        if "INSERT INTO " + sql.table(EmailDelivery) in statement:
            raise Crash
        return execute(statement, params)

    monkeypatch.setattr(sql, "execute", crash_when_queueing_emails)
    with pytest.raises(Crash):
        run_sweep(LATE)

    # The alerts were committed step by step; the notify step rolled back as a whole.
    assert alerts(clock) == EVERYTHING
    assert not Notification.objects.exists() and not EmailDelivery.objects.exists()
    assert not Alert.objects.filter(notified_at__isnull=False).exists()

    monkeypatch.undo()
    rerun = run_sweep(LATE + timedelta(minutes=5))

    assert rerun.counts["notify_alerts"] == 3  # warning: cm; overdue: cm and supervisor
    assert EmailDelivery.objects.count() == 2
    assert Alert.objects.count() == 4


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_on_postgresql_create_each_row_once(make_app, walker, staff, unit):
    staff["customer_manager"].email = "cm@example.com"
    staff["customer_manager"].save()
    unit.leader = make_staff("leader", role=None, unit=unit, full_name="单位负责人")
    unit.save()
    for day in range(8):  # clocks at every point of their life: some warned, some escalated
        scheme_clock(make_app, walker, local(2026, 9, 21 + day, 9))
    barrier = threading.Barrier(4)
    results, errors = [], []

    def sweeper(now):
        try:
            barrier.wait(timeout=15)
            results.append(run_sweep(now))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    # Two pairs: one pair at the same instant, the other a second later.
    threads = [threading.Thread(target=sweeper, args=(LATE + SECOND * (i % 2),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors and len(results) == 4
    assert all(result.ok for result in results), [r.failed for r in results]
    assert sum(r.counts["raise_warnings"] for r in results) == 8
    assert sum(r.counts["raise_escalations"] for r in results) == 16
    assert Alert.objects.count() == 8 * 4
    # Warning → cm; overdue → cm, supervisor; level 2 → leader; level 3: no marketing staff.
    assert sum(r.counts["notify_alerts"] for r in results) == 8 * 4
    assert Notification.objects.count() == 8 * 4
    assert EmailDelivery.objects.count() == 8 * 2
    before = all_rows()
    assert created(run_sweep(LATE)) == [0, 0, 0, 0]
    assert all_rows() == before


def test_run_sweep_command_prints_the_counts(clock, monkeypatch):
    monkeypatch.setattr(sweep.timezone, "now", lambda: LATE)
    out = StringIO()
    call_command("run_sweep", stdout=out)

    assert out.getvalue().splitlines()[:7] == [
        "raise_warnings: 1",
        "raise_overdue: 1",
        "raise_escalations: 2",
        "raise_deadline_warnings: 0",
        "raise_deadline_overdue: 0",
        "raise_deadline_escalations: 0",
        "notify_alerts: 3",
    ]


def test_schedules_exist_after_migrate_and_setup_is_idempotent(db):
    def found():
        return {s.name: (s.func, s.schedule_type, s.minutes) for s in Schedule.objects.all()}

    expected = {s.name: (s.func, Schedule.MINUTES, s.minutes) for s in schedules.SCHEDULES}
    assert found() == expected  # made by the post_migrate receiver
    assert expected["monitoring.sweep"] == ("monitoring.tasks.sweep", Schedule.MINUTES, 5)
    assert expected["monitoring.send_pending_emails"][::2] == (
        "monitoring.tasks.send_pending_emails",
        1,
    )

    out = StringIO()
    call_command("setup_schedules", stdout=out)
    assert "monitoring.sweep: unchanged" in out.getvalue()

    Schedule.objects.filter(name="monitoring.sweep").update(minutes=60)
    Schedule.objects.filter(name="monitoring.send_pending_emails").delete()
    call_command("setup_schedules", stdout=out)
    call_command("setup_schedules", stdout=out)
    assert found() == expected
    assert Schedule.objects.count() == len(expected)


def test_the_scheduled_functions_run_as_django_q_tasks(clock):
    # sync=True runs the task inline, through django-q2's own machinery (as a worker would).
    for func in ("monitoring.tasks.sweep", "monitoring.tasks.send_pending_emails"):
        async_task(func, sync=True)
    assert Task.objects.filter(success=True).count() == 2

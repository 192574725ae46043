"""What the sweep, escalation and notification tests share: instants, clocks, alert snapshots."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from applications.services.lifecycle import perform_transition
from applications.states import State
from monitoring.models import Alert, Notification, StageClock
from monitoring.sweep import SweepResult, run_sweep

SHANGHAI = ZoneInfo("Asia/Shanghai")
WARNING, OVERDUE, ESCALATION = Alert.Kind.WARNING, Alert.Kind.OVERDUE, Alert.Kind.ESCALATION


def local(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def scheme_clock(make_app, walker, accepted_at: datetime, customer_class="lv_business"):
    """An application accepted at `accepted_at`, its scheme clock started an hour later."""
    app = make_app(customer_class, at=accepted_at)
    app = walker.step(app, accepted_at + timedelta(hours=1))
    clock = StageClock.objects.get(application=app, stage=State.SCHEME, scheme_approval=None)
    return app, clock


def alerts(clock=None) -> set[tuple[str, int]]:
    rows = Alert.objects.all() if clock is None else Alert.objects.filter(clock=clock)
    return set(rows.values_list("kind", "level"))


def all_rows() -> dict[str, list]:
    """Every alert, notification and e-mail row, to compare whole states before and after."""
    return {
        "alerts": sorted(Alert.objects.values_list("clock_id", "kind", "level", "raised_at")),
        "notifications": sorted(Notification.objects.values_list("alert_id", "recipient_id")),
        "emails": sorted(
            Notification.objects.filter(email__isnull=False).values_list("pk", "email__to_address")
        ),
    }


def suspend(app, user, at):
    return perform_transition(
        application=app,
        name="suspend",
        user=user,
        at=at,
        comment="客户申请暂缓",
        reason="customer_request",
    )


def resume(app, user, at):
    return perform_transition(application=app, name="resume", user=user, at=at)


def concurrent_sweeps(instants: list[datetime]) -> list[SweepResult]:
    """One sweep per instant, each in its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(instants))
    results, errors = [], []

    def sweeper(now):
        try:
            barrier.wait(timeout=15)
            results.append(run_sweep(now))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper, args=(now,)) for now in instants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and len(results) == len(instants), errors
    assert all(result.ok for result in results), [r.failed for r in results]
    return results

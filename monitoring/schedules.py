"""The periodic django-q2 schedules of the monitoring app, created idempotently by name.

`ensure_schedules()` runs after every `migrate` (post_migrate below) and from the management
command `setup_schedules` (the demo script calls it): each schedule is found by its name and
brought to the values here, so running it again changes nothing and a deleted one comes back.

catch_up: after downtime django-q2 would otherwise fire every missed run in a row. In
django-q2 1.11 it is a cluster setting (Q_CLUSTER["catch_up"]), not one per schedule; both
schedules here want it off — the sweep compares with `now`, so one run after downtime raises
everything that became due; the e-mail task sends everything due in one run — so settings.py
sets it False for the cluster, and a warning is logged if someone turns it back on.

Chained after the sweep (`AFTER_SWEEP`): the breach forecast's refresh runs once the sweep has
raised what is due, at most every `ForecastPolicy.refresh_minutes` (default 60): the sweep
task claims it (`queue_after_sweep`) and queues it as a task of its own, so a slow refresh at a
million clocks never delays the next sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    minutes: int


SCHEDULES = [
    # Warnings come at 00:00 of a working day or an hour mark: 5 minutes late is soon enough.
    ScheduleSpec("monitoring.sweep", "monitoring.tasks.sweep", minutes=5),
    # Retries back off from one minute: poll each minute so a retry is never much late.
    ScheduleSpec("monitoring.send_pending_emails", "monitoring.tasks.send_pending_emails", 1),
    # Dashboards: rebuild the connection records daily (the lifecycle keeps them current).
    ScheduleSpec(
        "monitoring.dashboard_records", "monitoring.dashboard.records.refresh_all", minutes=1440
    ),
    # 线外流转 detection: daily; the evidence (callbacks, imports, contacts) moves by the day.
    ScheduleSpec("monitoring.run_detection", "monitoring.tasks.run_detection", minutes=1440),
]


# Tasks the sweep task queues after its run when they are due: (function, claim) — the claim
# says whether it is due and marks it taken (a conditional UPDATE, so one sweep wins).
AFTER_SWEEP = [
    ("monitoring.tasks.refresh_forecasts", "monitoring.forecast.refresh.claim_refresh"),
]


def queue_after_sweep(now) -> list[str]:
    """Queue the tasks chained after the sweep whose claim says they are due; their names."""
    from django.utils.module_loading import import_string
    from django_q.tasks import async_task

    queued = []
    for func, claim in AFTER_SWEEP:
        if import_string(claim)(now):
            async_task(func, task_name=f"{func}@{now:%Y%m%d%H%M}")
            queued.append(func)
    return queued


def ensure_schedules(using: str = DEFAULT_DB_ALIAS) -> list[tuple[str, str]]:
    """Create or update each schedule by name; returns (name, 'created'|'updated'|'unchanged')."""
    from django_q.conf import Conf
    from django_q.models import Schedule

    if Conf.CATCH_UP:
        logger.warning("Q_CLUSTER catch_up is on: missed sweeps would all run after downtime.")
    done = []
    for spec in SCHEDULES:
        wanted = {
            "func": spec.func,
            "schedule_type": Schedule.MINUTES,
            "minutes": spec.minutes,
            "repeats": -1,
        }
        rows = list(Schedule.objects.using(using).filter(name=spec.name).order_by("pk"))
        if not rows:
            Schedule.objects.using(using).create(name=spec.name, **wanted)
            done.append((spec.name, "created"))
            continue
        schedule, extra = rows[0], rows[1:]
        for duplicate in extra:  # made by hand in the admin: one schedule per name
            duplicate.delete()
        changed = {k: v for k, v in wanted.items() if getattr(schedule, k) != v}
        if changed:
            # next_run stays: updating never makes the task run at once or skip a run.
            Schedule.objects.using(using).filter(pk=schedule.pk).update(**changed)
        done.append((spec.name, "updated" if changed or extra else "unchanged"))
    return done


@receiver(post_migrate, dispatch_uid="monitoring.ensure_schedules")
def schedules_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    # post_migrate is sent once per app: act once, and only when django-q2's table exists
    # (a partial migrate may not have created it yet).
    if sender.name != "monitoring":
        return
    from django_q.models import Schedule

    if Schedule._meta.db_table in connections[using].introspection.table_names():
        ensure_schedules(using)

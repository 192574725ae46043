"""The clock timeline of one application: what each stage was allowed, used and has left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from . import workdays
from .clocks import elapsed_working_days
from .models import ClockForecast, StageClock

Outcome = StageClock.Outcome


@dataclass(frozen=True)
class TimelineRow:
    clock: StageClock
    used_working_days: int
    remaining_working_days: int | None  # open day-limited clocks only; negative when overdue
    colour: str  # green / amber / red / grey
    status: str
    forecast: ClockForecast | None = None  # the breach forecast of an open clock, with its why


def _status(clock: StageClock, now: datetime) -> tuple[str, str]:
    """Traffic light and words for one clock (红 overdue, 黄 in its warning window)."""
    customer_time = not clock.counts_against_company or clock.limit_value is None
    if customer_time and clock.outcome in (Outcome.MET, Outcome.BREACHED):
        return "grey", _("客户时间，已结束")
    if clock.outcome == Outcome.BREACHED:
        return "red", _("超期办结")
    if clock.outcome == Outcome.MET:
        return "green", _("按期办结")
    if clock.outcome != Outcome.OPEN:
        return "grey", clock.get_outcome_display()
    if clock.is_paused:
        return "grey", _("暂停中")
    if customer_time or clock.due_at is None:
        return "grey", _("客户时间，不计时限")
    if now > clock.due_at:
        return "red", _("已超期")
    if clock.warn_at and now >= clock.warn_at:
        return "amber", _("临近到期")
    return "green", _("正常")


def clock_timeline(application, now: datetime | None = None) -> list[TimelineRow]:
    """Every clock of the application in order, with used/remaining working days and status."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = []
    clocks = (
        StageClock.objects.filter(application=application)
        .select_related("responsible", "scheme_approval")
        .order_by("started_at", "pk")
    )
    forecasts = {
        f.clock_id: f
        for f in ClockForecast.objects.filter(application=application, clock__outcome=Outcome.OPEN)
    }
    for clock in clocks:
        until = clock.stopped_at or now
        remaining = None
        if clock.is_open and clock.due_at and clock.limit_unit == "working_days":
            due_day = timezone.localdate(clock.due_at - timezone.timedelta(seconds=1))
            remaining = (
                workdays.working_days_between(today, due_day)
                if due_day >= today
                else -workdays.working_days_between(due_day, today)
            )
        colour, status = _status(clock, now)
        rows.append(
            TimelineRow(
                clock,
                elapsed_working_days(clock, until),
                remaining,
                colour,
                status,
                forecasts.get(clock.pk),
            )
        )
    return rows


def uncovered_due_warnings(application) -> list[str]:
    """Loud warnings when an open clock's due date lies in a year the calendar does not cover."""
    dues = StageClock.objects.filter(
        application=application, outcome=Outcome.OPEN, due_at__isnull=False
    ).values_list("started_at", "due_at")
    warnings: list[str] = []
    for started, due in dues:
        for message in workdays.coverage_warnings(
            timezone.localdate(started), timezone.localdate(due)
        ):
            if message not in warnings:
                warnings.append(message)
    return warnings

"""A unit's month in figures — computed by the dashboard's own functions, never re-derived.

Connection time (`figures.connection_groups` + `connection_total`), the overdue rate
(`figures.judged_summary`, totalled over the stages as the dashboard's stage table totals
them), letters and cases (`dashboard.supervision.supervision_figures`), complaints
(`complaints.counts`, the dashboard's and the assessments' tally) — each called with the
dashboard's `Filters` for the unit and the month, so the summary and the dashboard cannot
disagree (tests/monitoring/summary asserts it). 督办 items are counted from their deadlines
(`Deadline.Kind.SUPERVISION_ITEM`), whoever keeps the items themselves.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models import Unit

from .. import complaints
from ..dashboard import figures as F
from ..dashboard.dashboard import STAGE_ORDER
from ..dashboard.filters import (
    Filters,
    Period,
    scoped_clocks,
    scoped_monthly,
    scoped_records,
)
from ..dashboard.supervision import supervision_figures
from ..models import Deadline, MonthlyStageFigures

# (key, label, kind): the rows of the figures table, kinds as the dashboard's cells.
FIGURE_ROWS = [
    ("energized", _("送电户数"), "count"),
    ("connection_average", _("平均接电时长（工作日）"), "days"),
    ("late_connections", _("有环节超时限户数"), "count"),
    ("clocks_finished", _("办结环节数"), "count"),
    ("clocks_breached", _("超期办结环节数"), "count"),
    ("overdue_rate", _("超期率"), "rate"),
    ("complaints", _("受理投诉（件）"), "count"),
    ("letters_issued", _("签发监督意见书（份）"), "count"),
    ("cases_found", _("发现监督线索（条）"), "count"),
    ("items_opened", _("督办事项新增"), "count"),
    ("items_closed", _("督办事项办结"), "count"),
    ("items_open", _("月末未办结督办事项"), "count"),
]
PERIODS = [("current", _("本月")), ("previous", _("上月")), ("year_before", _("去年同月"))]


def month_period(month: date) -> Period:
    return Period.month(month.year, month.month)


def compared_months(month: date) -> dict[str, Period]:
    """This month, the month before and the same month a year earlier."""
    current = month_period(month)
    year, number = (month.year, month.month - 1) if month.month > 1 else (month.year - 1, 12)
    return {
        "current": current,
        "previous": Period.month(year, number),
        "year_before": Period.month(month.year - 1, month.month),
    }


def dashboard_filters(unit: Unit, period: Period) -> Filters:
    """The dashboard's filters for one unit and one month (baseline: a year before)."""
    return Filters(period=period, baseline=period.shifted(-1), unit=unit)


def supervision_items(unit: Unit, period: Period) -> dict[str, int]:
    """督办 items of the unit: opened and closed in the period, still open at its end."""
    items = Deadline.objects.filter(kind=Deadline.Kind.SUPERVISION_ITEM, unit=unit)
    judged = [Deadline.Outcome.MET, Deadline.Outcome.BREACHED]
    return {
        "items_opened": items.filter(
            started_at__gte=period.since, started_at__lt=period.until
        ).count(),
        "items_closed": items.filter(
            outcome__in=judged, stopped_at__gte=period.since, stopped_at__lt=period.until
        ).count(),
        "items_open": items.filter(started_at__lt=period.until)
        .filter(Q(stopped_at__isnull=True) | Q(stopped_at__gte=period.until))
        .count(),
    }


def period_figures(user, unit: Unit, period: Period) -> dict:
    """Every figure of FIGURE_ROWS for the unit and period, as the dashboard counts it."""
    filters = dashboard_filters(unit, period)
    connection = F.connection_total(F.connection_groups(scoped_records(user, filters), period))
    judged = F.judged_summary(
        scoped_clocks(user, filters),
        period,
        scoped_monthly(user, filters, MonthlyStageFigures),
    ).by_stage
    stages = [judged[s] for s in STAGE_ORDER if s in judged]
    finished = sum(s.finished for s in stages)
    breached = sum(s.breached for s in stages)
    supervised = supervision_figures(user, filters)
    tally = complaints.counts([unit], period.since, period.until).units.get(unit.pk)
    return {
        "start": f"{period.start:%Y-%m-%d}",
        "end": f"{period.end:%Y-%m-%d}",
        "energized": connection.count,
        "connection_average": connection.average,
        "late_connections": connection.late,
        "clocks_finished": finished,
        "clocks_breached": breached,
        "overdue_rate": breached / finished if finished else None,
        "complaints": tally.complaints if tally else 0,
        "letters_issued": supervised.letters_issued,
        "cases_found": supervised.cases_found,
        **supervision_items(unit, period),
    }


def change(current, earlier):
    """current − earlier, or None when either is unknown."""
    return None if current is None or earlier is None else current - earlier

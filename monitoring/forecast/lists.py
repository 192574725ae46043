"""The "likely late" lists (预计超期清单): where supervisors and owners decide what to do first.

Open clocks whose forecast reaches the policy's threshold and that are not overdue yet, in the
user's units only (`applications.rules.scope_to_user`), sorted by risk (highest first) and then
by the working days left (fewest first): the riskiest stages that can still be saved lead.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import rules
from applications.admin.scoping import staff_label

from ..dashboard.tables import Cell, Table, rate, text
from ..models import ClockForecast, ForecastPolicy, StageClock

MAX_ROWS = 50


def likely_late(
    user,
    *,
    unit=None,
    stations: bool = True,
    owner=None,
    customer_class: str = "",
    small_micro: bool | None = None,
    threshold: float | None = None,
) -> QuerySet[ClockForecast]:
    """Open, not yet overdue clocks at or over the threshold, in the user's units.

    `unit` narrows to that unit and, with `stations`, the stations under it (the briefing's
    audience); the dashboard's unit filter is exact (`stations=False`).
    """
    if threshold is None:
        threshold = ForecastPolicy.current().alert_threshold / 100
    found = ClockForecast.objects.filter(
        probability__gte=threshold,
        remaining_working_days__gte=0,
        clock__outcome=StageClock.Outcome.OPEN,
    )
    found = rules.scope_to_user(found, user, unit_field="unit")
    if unit is not None and stations:
        found = found.filter(unit__in=[unit.pk, *unit.children.values_list("pk", flat=True)])
    elif unit is not None:
        found = found.filter(unit=unit)
    if owner is not None:
        found = found.filter(responsible=owner)
    if customer_class:
        found = found.filter(clock__customer_class=customer_class)
    if small_micro is not None:
        found = found.filter(application__is_small_micro=small_micro)
    return found.order_by("-probability", "remaining_working_days", "clock_id")


def likely_late_table(forecasts: QuerySet[ClockForecast], *, key: str = "likely_late") -> Table:
    """预计超期清单: each row the application (linked), stage, owner, risk and why."""
    shown = forecasts.select_related("application__customer", "unit", "responsible")[:MAX_ROWS]
    threshold = ForecastPolicy.current().alert_threshold
    table = Table(
        key,
        _("预计超期清单"),
        [
            _("工单编号"),
            _("户名"),
            _("供电单位"),
            _("环节"),
            _("责任人"),
            _("到期时间"),
            _("剩余工作日"),
            _("超期概率"),
            _("依据"),
        ],
        note=_(
            "尚未超期、超期概率不低于%(threshold)s%%的计时环节，按超期概率从高到低、"
            "剩余工作日从少到多排列（最多%(n)s项）。概率来自本公司同类已办结环节的历史。"
        )
        % {"threshold": threshold, "n": MAX_ROWS},
    )
    for forecast in shown:
        app = forecast.application
        due = timezone.localtime(forecast.due_at) if forecast.due_at else None
        table.rows.append(
            [
                text(app.number, reverse("admin:applications_application_change", args=[app.pk])),
                text(app.customer.name),
                text(forecast.unit.name),
                text(forecast.get_stage_display()),
                text(staff_label(forecast.responsible) if forecast.responsible else ""),
                text(f"{due:%Y-%m-%d %H:%M}" if due else ""),
                Cell(forecast.remaining_working_days, "count"),
                rate(forecast.probability),
                text(forecast.explanation),
            ]
        )
    total = forecasts.count()
    if total > MAX_ROWS:
        table.note += " " + _("共%(n)s项，此处列出前%(limit)s项。") % {
            "n": total,
            "limit": MAX_ROWS,
        }
    return table

"""Charges and their settlement time (收费结清时长) on the dashboard, per unit.

Settlement time = paid_at − issued_at of a charge, in calendar hours (as
`applications.services.charges.settlement_hours`: seed 000's e-invoice went from 2 days to
1 hour), over the charges **paid in the period**. The median and the mean come from one
grouped query: a histogram {(unit, duration): charges} whose percentile is PostgreSQL's
percentile_cont (`percentiles`). Unpaid (待缴) charges are counted now, whatever the period.

Charges belong to an application: region scoping and every filter (unit, class, small/micro)
apply through it, like the application figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from applications import rules
from applications.models import Charge, ChargeStatus, Unit

from .filters import Filters, Period
from .links import Links, period_params
from .percentiles import percentile_cont
from .tables import Cell, Chart, Table, count, days, text, total_label


def scoped_charges(user, filters: Filters) -> QuerySet[Charge]:
    """Charges of the user's units' applications, narrowed by the dashboard's filters."""
    qs = rules.scope_to_user(Charge.objects.all(), user, unit_field="application__unit")
    if filters.unit is not None:
        qs = qs.filter(application__unit=filters.unit)
    if filters.customer_class:
        qs = qs.filter(application__customer_class=filters.customer_class)
    if filters.small_micro is not None:
        qs = qs.filter(application__is_small_micro=filters.small_micro)
    return qs


@dataclass
class UnitSettlement:
    issued: int = 0  # issued in the period (cancelled ones left out)
    waived: int = 0  # of those, waived (三零 included)
    paid: int = 0  # paid in the period
    durations: dict[float, int] = field(default_factory=dict)  # hours → charges paid
    unpaid_now: int = 0
    unpaid_amount: Decimal = Decimal("0.00")

    @property
    def median_hours(self) -> float | None:
        return percentile_cont(self.durations, 0.5)

    @property
    def mean_hours(self) -> float | None:
        n = sum(self.durations.values())
        return sum(h * k for h, k in self.durations.items()) / n if n else None

    def add(self, other: UnitSettlement) -> None:
        self.issued += other.issued
        self.waived += other.waived
        self.paid += other.paid
        self.unpaid_now += other.unpaid_now
        self.unpaid_amount += other.unpaid_amount
        for hours, n in other.durations.items():
            self.durations[hours] = self.durations.get(hours, 0) + n


def _hours(value: timedelta) -> float:
    return value.total_seconds() / 3600


def settlement_figures(charges: QuerySet[Charge], period: Period) -> dict[int, UnitSettlement]:
    """Per unit id: issued and waived in the period, paid in the period with the histogram of
    settlement hours, and unpaid now (count and amount). Three grouped queries."""
    by_unit: dict[int, UnitSettlement] = defaultdict(UnitSettlement)
    in_period = Q(issued_at__gte=period.since, issued_at__lt=period.until)
    issued = (
        charges.filter(in_period)
        .exclude(status=ChargeStatus.CANCELLED)
        .order_by()
        .values("application__unit")
        .annotate(n=Count("pk"), waived=Count("pk", filter=Q(status=ChargeStatus.WAIVED)))
    )
    for row in issued:
        figures = by_unit[row["application__unit"]]
        figures.issued, figures.waived = row["n"], row["waived"]

    settlement = ExpressionWrapper(F("paid_at") - F("issued_at"), output_field=DurationField())
    paid = (
        charges.filter(
            status=ChargeStatus.PAID, paid_at__gte=period.since, paid_at__lt=period.until
        )
        .order_by()
        .values_list("application__unit", settlement)
        .annotate(n=Count("pk"))
    )
    for unit_id, duration, n in paid:
        figures = by_unit[unit_id]
        figures.paid += n
        hours = _hours(duration)
        figures.durations[hours] = figures.durations.get(hours, 0) + n

    unpaid = (
        charges.filter(status=ChargeStatus.ISSUED)
        .order_by()
        .values("application__unit")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    )
    for row in unpaid:
        figures = by_unit[row["application__unit"]]
        # SQLite sums decimals as floats: give both databases the model's cents.
        figures.unpaid_now = row["n"]
        figures.unpaid_amount = Decimal(str(row["amount"] or 0)).quantize(Decimal("0.01"))
    return dict(by_unit)


def settlement_total(by_unit: dict[int, UnitSettlement]) -> UnitSettlement:
    total = UnitSettlement()
    for figures in by_unit.values():
        total.add(figures)
    return total


def settlement_table(by_unit: dict[int, UnitSettlement], links: Links, period: Period) -> Table:
    """收费与结清时长: a row per unit and the total, each count linked to the charges it counts."""
    table = Table(
        "settlement",
        _("收费与结清时长"),
        [
            _("供电单位"),
            _("统计期内开具（笔）"),
            _("其中减免（笔）"),
            _("统计期内缴清（笔）"),
            _("结清时长中位数（小时）"),
            _("平均结清时长（小时）"),
            _("当前待缴（笔）"),
            _("当前待缴金额（元）"),
        ],
        note=_(
            "结清时长＝收费开具至缴费到账的日历小时数，按统计期内缴清的收费计；中位数为连续插值。"
            "开具、减免按开具时间在统计期内计（已撤销的不计；减免含“三零”客户自动减免）；"
            "当前待缴不受统计期限制。"
        ),
        chart=Chart("bar", [4, 5]),
    )
    names = dict(Unit.objects.filter(pk__in=by_unit).values_list("pk", "name"))
    issued = period_params("issued_at", period)
    paid = period_params("paid_at", period)

    def row(label: str, figures: UnitSettlement, unit_id: int | None) -> list[Cell]:
        on = {"application__unit__id__exact": unit_id}
        live = [ChargeStatus.ISSUED, ChargeStatus.PAID, ChargeStatus.WAIVED]
        paid_url = links.charges(**paid, **on, status__exact=ChargeStatus.PAID)
        return [
            text(label),
            count(figures.issued, links.charges(**issued, **on, status__in=live)),
            count(figures.waived, links.charges(**issued, **on, status__exact="waived")),
            count(figures.paid, paid_url),
            days(figures.median_hours, paid_url),
            days(figures.mean_hours, paid_url),
            count(figures.unpaid_now, links.charges(**on, status__exact=ChargeStatus.ISSUED)),
            Cell(figures.unpaid_amount, "decimal"),
        ]

    for unit_id in sorted(by_unit, key=lambda pk: names.get(pk, "")):
        table.rows.append(row(names.get(unit_id, ""), by_unit[unit_id], unit_id))
    table.rows.append(row(total_label(), settlement_total(by_unit), None))
    return table

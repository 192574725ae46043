"""Supervision figures for the dashboards (DOMAIN.md §9: letters and assessments per category).

`summary(units=…, period=…)` is what the dashboard's "supervision cases and letters" block
calls; `period` is any object with `start` and `end` dates (the dashboard's `Period`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from ..models import Assessment, LetterCategory, SupervisionCase, SupervisionLetter
from .assessments import month_of


@dataclass
class SupervisionSummary:
    open_cases: int  # 待核实 now
    cases_found: int  # found in the period
    letters_issued: int  # issued in the period (void ones left out)
    letters_by_category: dict[str, int] = field(default_factory=dict)  # label -> n, every category
    letters_open: int = 0  # issued, not yet closed (now)
    assessments: int = 0  # 人次 in the period's months
    assessment_points: Decimal = Decimal("0")
    assessment_amount: Decimal = Decimal("0")  # 元


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def summary(*, units=None, period, cases=None) -> SupervisionSummary:
    """Cases, letters per category and assessments of `units` (None: all) in `period`.

    `cases`: the cases a user may see (the dashboard leaves out those handed over to 纪检);
    None: all of them.
    """
    since, until = _midnight(period.start), _midnight(period.end + timedelta(days=1))

    def scoped(queryset):
        return queryset if units is None else queryset.filter(unit__in=units)

    cases = scoped(SupervisionCase.objects.all() if cases is None else cases)
    letters = scoped(SupervisionLetter.objects.exclude(status=SupervisionLetter.Status.VOID))
    issued = letters.filter(issued_at__gte=since, issued_at__lt=until)
    per_category = dict(
        issued.values("category").annotate(n=Count("pk")).values_list("category", "n")
    )
    assessed = scoped(
        Assessment.objects.filter(
            status=Assessment.Status.ACTIVE,
            period__gte=month_of(period.start),
            period__lte=month_of(period.end),
        )
    ).aggregate(n=Count("pk"), points=Sum("points"), amount=Sum("amount"))
    return SupervisionSummary(
        open_cases=cases.filter(status=SupervisionCase.Status.OPEN).count(),
        cases_found=cases.filter(found_at__gte=since, found_at__lt=until).count(),
        letters_issued=sum(per_category.values()),
        letters_by_category={
            str(label): per_category.get(value, 0) for value, label in LetterCategory.choices
        },
        letters_open=letters.filter(
            status__in=[
                SupervisionLetter.Status.ISSUED,
                SupervisionLetter.Status.RECTIFYING,
                SupervisionLetter.Status.RECTIFIED,
            ]
        ).count(),
        assessments=assessed["n"],
        assessment_points=(assessed["points"] or Decimal("0")).quantize(Decimal("0.1")),
        assessment_amount=(assessed["amount"] or Decimal("0")).quantize(Decimal("0.01")),
    )

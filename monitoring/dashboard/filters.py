"""What a dashboard user chose, and the rows they may count.

Region scoping comes first and the user's choices only narrow it: a user who cannot see every
unit counts their own unit (and the stations under it) whatever the unit filter says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import rules
from applications.models import Application, Unit
from applications.states import CustomerClass
from portal.models import ServiceRating

from ..models import Callback, ConnectionRecord, MonthlyFigures, StageClock


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Period:
    """Local days `start`..`end`, both included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return local_midnight(self.start)

    @property
    def until(self) -> datetime:
        """00:00 of the day after `end`: instants in the period are since <= t < until."""
        return local_midnight(self.end + timedelta(days=1))

    def shifted(self, years: int) -> Period:
        return Period(shift_years(self.start, years), shift_years(self.end, years))

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))

    @classmethod
    def iso_week(cls, year: int, week: int) -> Period:
        monday = date.fromisocalendar(year, week, 1)
        return cls(monday, monday + timedelta(days=6))


@dataclass(frozen=True)
class Filters:
    period: Period
    baseline: Period
    unit: Unit | None = None
    customer_class: str = ""
    small_micro: bool | None = None

    def with_period(self, period: Period) -> Filters:
        return replace(self, period=period)


def default_period(today: date) -> Period:
    """This month so far."""
    return Period(today.replace(day=1), today)


def visible_units(user) -> QuerySet[Unit]:
    return rules.scope_to_user(Unit.objects.all(), user, unit_field="").order_by("code")


class FilterForm(forms.Form):
    start = forms.DateField(label=_("统计期起"), required=False)
    end = forms.DateField(label=_("统计期止"), required=False)
    unit = forms.ModelChoiceField(
        label=_("供电单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部")
    )
    customer_class = forms.ChoiceField(
        label=_("用电类别"),
        choices=[("", _("全部")), *CustomerClass.choices],
        required=False,
    )
    small_micro = forms.TypedChoiceField(
        label=_("小微企业"),
        choices=[("", _("全部")), ("1", _("是")), ("0", _("否"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    baseline_start = forms.DateField(label=_("对比基期起"), required=False)
    baseline_end = forms.DateField(label=_("对比基期止"), required=False)

    def __init__(self, data, *, user, today: date):
        super().__init__(data)
        self.today = today
        self.fields["unit"].queryset = visible_units(user)
        for name in ("start", "end", "baseline_start", "baseline_end"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})

    def clean(self):
        data = super().clean()
        for a, b in (("start", "end"), ("baseline_start", "baseline_end")):
            if data.get(a) and data.get(b) and data[a] > data[b]:
                self.add_error(b, _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> Filters:
        """The chosen filters; a field that is invalid (say, a unit outside the user's scope)
        falls back to its default and shows its error, the valid ones still apply."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # unbound: no choices yet
        default = default_period(self.today)
        start = data.get("start") or default.start
        end = data.get("end") or (default.end if start <= default.end else start)
        period = Period(start, end)
        year_before = period.shifted(-1)
        baseline = Period(
            data.get("baseline_start") or year_before.start,
            data.get("baseline_end") or year_before.end,
        )
        return Filters(
            period=period,
            baseline=baseline,
            unit=data.get("unit"),
            customer_class=data.get("customer_class") or "",
            small_micro=data.get("small_micro"),
        )


# --- The rows a user may count, narrowed by their choices -------------------------------------


# Where a model keeps the customer class and the small/micro flag: on the row itself (the
# default; the dashboard's own rows copy them), or on its application.
CLASS_FIELDS = {
    StageClock: ("customer_class", "application__is_small_micro"),
    Callback: ("application__customer_class", "application__is_small_micro"),
    ServiceRating: ("application__customer_class", "application__is_small_micro"),
}


def class_fields(model) -> tuple[str, str]:
    """(customer class field, small/micro field) of `model`, as lookups from its rows."""
    return CLASS_FIELDS.get(model, ("customer_class", "is_small_micro"))


def _narrowed(model, user, filters: Filters) -> QuerySet:
    """`model`'s rows in the user's units, narrowed by the unit, class and small/micro filters."""
    qs = rules.scope_to_user(model.objects.all(), user, unit_field="unit")
    class_field, small_micro_field = class_fields(model)
    if filters.unit is not None:
        qs = qs.filter(unit=filters.unit)
    if filters.customer_class:
        qs = qs.filter(**{class_field: filters.customer_class})
    if filters.small_micro is not None:
        qs = qs.filter(**{small_micro_field: filters.small_micro})
    return qs


def scoped_applications(user, filters: Filters) -> QuerySet[Application]:
    return _narrowed(Application, user, filters)


def scoped_clocks(user, filters: Filters) -> QuerySet[StageClock]:
    return _narrowed(StageClock, user, filters)


def scoped_callbacks(user, filters: Filters) -> QuerySet[Callback]:
    return _narrowed(Callback, user, filters)


def scoped_ratings(user, filters: Filters) -> QuerySet[ServiceRating]:
    """The customer pages' ratings (they count in the satisfaction rate)."""
    return _narrowed(ServiceRating, user, filters)


def scoped_records(user, filters: Filters) -> QuerySet[ConnectionRecord]:
    # A copy of the application's unit, class and flags as energized: no join needed.
    return _narrowed(ConnectionRecord, user, filters)


def scoped_monthly(user, filters: Filters, model=MonthlyFigures) -> QuerySet:
    """Rollup rows (`MonthlyFigures`, `MonthlyStageFigures` or `DailyReceived`) narrowed like
    the applications."""
    return _narrowed(model, user, filters)

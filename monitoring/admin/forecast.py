"""Admin of the breach forecast: the forecasts (read-only), the settings row, and the risk
column and filter it adds to the application list (through applications.admin.panels)."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from applications.admin.panels import register_list_column, register_list_filter
from applications.admin.scoping import ReadOnlyAdminMixin, UnitScopedAdminMixin

from ..models import ClockForecast, ForecastPolicy, StageClock

VIEW_PERMISSION = "monitoring.view_clockforecast"


def _open_forecasts():
    return ClockForecast.objects.filter(
        application=OuterRef("pk"),
        clock__outcome=StageClock.Outcome.OPEN,
        probability__isnull=False,
    )


def _with_risk(queryset):
    # The highest risk among the application's open clocks (a stage and its approvals).
    highest = _open_forecasts().order_by("-probability").values("probability")[:1]
    return queryset.annotate(forecast_risk=Subquery(highest))


def risk_column(application) -> str:
    risk = getattr(application, "forecast_risk", None)
    return "—" if risk is None else f"{risk * 100:.0f}%"


risk_column.short_description = _("超期预测")
risk_column.admin_order_field = "forecast_risk"


class RiskFilter(admin.SimpleListFilter):
    """Applications by the highest breach risk of their open clocks (threshold from the policy)."""

    title = _("超期预测")
    parameter_name = "forecast_risk"

    def lookups(self, request, model_admin):
        threshold = ForecastPolicy.current().alert_threshold
        return [
            ("high", _("高（≥%(t)s%%）") % {"t": threshold}),
            ("medium", _("中（30%%–%(t)s%%）") % {"t": threshold}),
            ("low", _("低（<30%）")),
            ("none", _("无预测")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        threshold = ForecastPolicy.current().alert_threshold / 100
        ranges = {
            "high": {"probability__gte": threshold},
            "medium": {"probability__gte": min(0.3, threshold), "probability__lt": threshold},
            "low": {"probability__lt": min(0.3, threshold)},
        }
        if value in ranges:
            return queryset.filter(Exists(_open_forecasts().filter(**ranges[value])))
        if value == "none":
            return queryset.exclude(Exists(_open_forecasts()))
        return queryset


def _sees_forecasts(request) -> bool:
    return request.user.has_perm(VIEW_PERMISSION)


register_list_column(
    "forecast_risk_column", risk_column, annotate=_with_risk, visible=_sees_forecasts
)
register_list_filter(RiskFilter, visible=_sees_forecasts)


@admin.register(ClockForecast)
class ClockForecastAdmin(ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "application",
        "stage",
        "unit",
        "responsible",
        "due_at",
        "remaining_working_days",
        "probability_display",
        "group_size",
        "computed_at",
    ]
    list_filter = ["stage", "unit", "group_level", "paused"]
    list_select_related = ["application", "unit", "responsible"]
    search_fields = ["application__number", "application__customer__name"]
    ordering = ["-probability", "remaining_working_days"]
    fields = [
        "application",
        "clock",
        "stage",
        "unit",
        "responsible",
        "due_at",
        "paused",
        "elapsed_working_days",
        "remaining_working_days",
        "probability_display",
        "group_level",
        "group_size",
        "late_count",
        "explanation",
        "computed_at",
    ]
    readonly_fields = fields


@admin.register(ForecastPolicy)
class ForecastPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "early_alert_enabled",
        "alert_threshold",
        "min_group_size",
        "history_days",
        "refresh_minutes",
        "refresh_claimed_at",
    ]
    readonly_fields = ["refresh_claimed_at"]

    def has_add_permission(self, request):
        # One settings row: made with the defaults when first needed.
        return super().has_add_permission(request) and not ForecastPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

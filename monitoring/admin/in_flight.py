"""The ledger 系统流程在途 (DOMAIN.md §8): every application in flight with its running stage
clock — stage, due, working days left (negative: overdue) — filtered and exported to Excel
like the projects' ledgers. It lives here because the clocks are monitoring's."""

from django.contrib import admin
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.admin.scoping import ReadOnlyAdminMixin, UnitScopedAdminMixin
from monitoring import workdays
from monitoring.models import StageClock
from projects.admin.export import XlsxExportMixin
from projects.admin.ledgers import LEDGER_PERMISSION
from projects.models import InFlightLedger

Outcome = StageClock.Outcome


def open_clock(field: str) -> Subquery:
    """`field` of the application's open stage clock (not a department's approval clock)."""
    clocks = StageClock.objects.filter(
        application=OuterRef("pk"), outcome=Outcome.OPEN, scheme_approval__isnull=True
    ).order_by("-started_at")
    return Subquery(clocks.values(field)[:1])


def working_days_left(due_at, now=None) -> int | None:
    """Working days from today to the due date; negative once overdue."""
    if due_at is None:
        return None
    today = timezone.localdate(now)
    due = timezone.localdate(due_at)
    if due >= today:
        return workdays.working_days_between(today, due)
    return -workdays.working_days_between(due, today)


class ClockFilter(admin.SimpleListFilter):
    title = _("时限状态")
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return [("overdue", _("已超期")), ("running", _("未超期")), ("none", _("无计时"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(clock_due_at__lte=now)
        if self.value() == "running":
            return queryset.filter(clock_due_at__gt=now)
        if self.value() == "none":
            return queryset.filter(clock_due_at__isnull=True)
        return queryset


def _projects(app) -> str:
    return "、".join(p.number for p in app.projects.all())


def _name(user) -> str:
    return user.get_full_name() or user.get_username() if user else ""


@admin.register(InFlightLedger)
class InFlightLedgerAdmin(
    XlsxExportMixin, ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin
):
    export_name = "in-flight"
    list_display = [
        "number",
        "customer",
        "unit",
        "customer_class",
        "state",
        "clock_stage_display",
        "clock_started_at",
        "clock_due_at",
        "days_left",
        "customer_manager",
        "project_manager",
        "project_numbers",
    ]
    list_filter = ["unit", "state", ClockFilter, "customer_class", "has_grid_works"]
    search_fields = ["number", "customer__name", "projects__number"]
    list_select_related = ["customer", "unit", "customer_manager", "project_manager"]
    export_columns = [
        (_("工单编号"), lambda a: a.number),
        (_("户名"), lambda a: a.customer.name),
        (_("供电单位"), lambda a: a.unit.name),
        (_("用电类别"), lambda a: a.get_customer_class_display()),
        (_("当前环节"), lambda a: a.get_state_display()),
        (_("计时环节"), lambda a: InFlightLedgerAdmin.stage_label(a)),
        (_("环节开始时间"), lambda a: a.clock_started_at),
        (_("到期时间"), lambda a: a.clock_due_at),
        (_("剩余工作日（负数为超期）"), lambda a: working_days_left(a.clock_due_at)),
        (_("客户经理"), lambda a: _name(a.customer_manager)),
        (_("项目经理"), lambda a: _name(a.project_manager)),
        (_("配套工程"), _projects),
    ]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(LEDGER_PERMISSION)

    def has_module_permission(self, request):
        return request.user.has_perm(LEDGER_PERMISSION)

    def get_ordering(self, request):
        # Most urgent first: overdue, then due soonest; applications without a clock last.
        return [F("clock_due_at").asc(nulls_last=True), "number"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                clock_stage=open_clock("stage"),
                clock_started_at=open_clock("started_at"),
                clock_due_at=open_clock("due_at"),
            )
            .prefetch_related("projects")
        )

    @staticmethod
    def stage_label(app) -> str:
        stages = dict(StageClock._meta.get_field("stage").choices)
        return str(stages.get(app.clock_stage, app.clock_stage or ""))

    @admin.display(description=_("计时环节"))
    def clock_stage_display(self, obj):
        return self.stage_label(obj) or "—"

    @admin.display(description=_("环节开始时间"), ordering="clock_started_at")
    def clock_started_at(self, obj):
        return obj.clock_started_at

    @admin.display(description=_("到期时间"), ordering="clock_due_at")
    def clock_due_at(self, obj):
        return obj.clock_due_at

    @admin.display(description=_("剩余工作日"))
    def days_left(self, obj):
        left = working_days_left(obj.clock_due_at)
        return "—" if left is None else left

    @admin.display(description=_("配套工程"))
    def project_numbers(self, obj):
        return _projects(obj) or "—"

"""The ledgers 先接入后改造 and 预推进工程 (DOMAIN.md §8): read-only lists with their own
filters and an Excel export of what is shown. 系统流程在途 is in monitoring (it shows clocks)."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from applications.admin.scoping import ReadOnlyAdminMixin, UnitScopedAdminMixin
from applications.models import Application

from ..models import AheadLedger, ConnectFirstLedger, ProjectPhase
from .export import XlsxExportMixin
from .project import BehindPlanFilter

LEDGER_PERMISSION = "projects.view_ledgers"


def _numbers(project) -> str:
    return "、".join(a.number for a in project.applications.all())


def _customers(project) -> str:
    return "、".join(a.customer.name for a in project.applications.all())


def _phase(project, phase: str, field: str):
    for row in project.phases.all():
        if row.phase == phase:
            return getattr(row, field)
    return None


def _last_energized(project):
    times = [a.energized_at for a in project.applications.all() if a.energized_at]
    return max(times) if times else None


def _all_energized(project) -> bool:
    apps = list(project.applications.all())
    return bool(apps) and all(a.energized_at for a in apps)


class LedgerAdmin(XlsxExportMixin, ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    """Read by everyone with the ledgers' permission, in their unit (all units for 主管, 纪检)."""

    list_select_related = ["unit", "project_manager"]
    search_fields = ["number", "name", "applications__number", "applications__customer__name"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(LEDGER_PERMISSION)

    def has_module_permission(self, request):
        return request.user.has_perm(LEDGER_PERMISSION)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("applications__customer", "phases")


class EnergizedFilter(admin.SimpleListFilter):
    title = _("是否已送电")
    parameter_name = "energized"

    def lookups(self, request, model_admin):
        return [("yes", _("已送电")), ("no", _("未送电"))]

    def queryset(self, request, queryset):
        waiting = Application.objects.filter(projects=OuterRef("pk"), energized_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(applications__isnull=False).exclude(Exists(waiting)).distinct()
        if self.value() == "no":
            return queryset.filter(Exists(waiting))
        return queryset


COMPLETION = ProjectPhase.Phase.COMPLETION


@admin.register(ConnectFirstLedger)
class ConnectFirstLedgerAdmin(LedgerAdmin):
    export_name = "connect-first"
    list_display = [
        "number",
        "name",
        "unit",
        "project_manager",
        "status",
        "progress_percent",
        "application_numbers",
        "energized",
        "last_energized_at",
        "completion_planned_on",
        "completed_on",
    ]
    list_filter = ["unit", "status", EnergizedFilter, BehindPlanFilter]
    export_columns = [
        (_("工程编号"), lambda p: p.number),
        (_("工程名称"), lambda p: p.name),
        (_("供电单位"), lambda p: p.unit.name),
        (_("项目经理"), lambda p: p.project_manager.get_full_name()),
        (_("工程状态"), lambda p: p.get_status_display()),
        (_("形象进度(%)"), lambda p: p.progress_percent),
        (_("关联业扩申请"), _numbers),
        (_("户名"), _customers),
        (_("是否已送电"), lambda p: "是" if _all_energized(p) else "否"),
        (_("送电时间"), _last_energized),
        (_("计划竣工"), lambda p: _phase(p, COMPLETION, "planned_on")),
        (_("实际竣工"), lambda p: _phase(p, COMPLETION, "actual_on")),
    ]

    @admin.display(description=_("关联业扩申请"))
    def application_numbers(self, obj):
        return _numbers(obj) or "—"

    @admin.display(description=_("已送电"), boolean=True)
    def energized(self, obj):
        return _all_energized(obj)

    @admin.display(description=_("送电时间"))
    def last_energized_at(self, obj):
        return _last_energized(obj)

    @admin.display(description=_("计划竣工"))
    def completion_planned_on(self, obj):
        return _phase(obj, COMPLETION, "planned_on")

    @admin.display(description=_("实际竣工"))
    def completed_on(self, obj):
        return _phase(obj, COMPLETION, "actual_on")


class ApplicationArrivedFilter(admin.SimpleListFilter):
    title = _("是否已报装")
    parameter_name = "arrived"

    def lookups(self, request, model_admin):
        return [("yes", _("已有业扩申请")), ("no", _("尚未报装"))]

    def queryset(self, request, queryset):
        linked = Application.objects.filter(projects=OuterRef("pk"))
        if self.value() == "yes":
            return queryset.filter(Exists(linked))
        if self.value() == "no":
            return queryset.exclude(Exists(linked))
        return queryset


@admin.register(AheadLedger)
class AheadLedgerAdmin(LedgerAdmin):
    export_name = "ahead"
    list_display = [
        "number",
        "name",
        "unit",
        "project_manager",
        "expected_customer",
        "expected_demand_kva",
        "status",
        "progress_percent",
        "arrived",
        "application_numbers",
        "completion_planned_on",
    ]
    list_filter = ["unit", "status", ApplicationArrivedFilter, BehindPlanFilter]
    search_fields = [*LedgerAdmin.search_fields, "expected_customer"]
    export_columns = [
        (_("工程编号"), lambda p: p.number),
        (_("工程名称"), lambda p: p.name),
        (_("供电单位"), lambda p: p.unit.name),
        (_("项目经理"), lambda p: p.project_manager.get_full_name()),
        (_("预计用电客户"), lambda p: p.expected_customer),
        (_("预计负荷(kVA)"), lambda p: p.expected_demand_kva),
        (_("工程状态"), lambda p: p.get_status_display()),
        (_("形象进度(%)"), lambda p: p.progress_percent),
        (_("是否已报装"), lambda p: "是" if p.applications.all() else "否"),
        (_("关联业扩申请"), _numbers),
        (_("计划竣工"), lambda p: _phase(p, COMPLETION, "planned_on")),
    ]

    @admin.display(description=_("已报装"), boolean=True)
    def arrived(self, obj):
        return bool(obj.applications.all())

    @admin.display(description=_("关联业扩申请"))
    def application_numbers(self, obj):
        return _numbers(obj) or "—"

    @admin.display(description=_("计划竣工"))
    def completion_planned_on(self, obj):
        return _phase(obj, COMPLETION, "planned_on")

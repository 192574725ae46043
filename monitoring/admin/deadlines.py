"""Admin for deadlines (事项时限): a read-only list scoped to the user's unit, the deadlines'
escalation steps, and the panel other pages include to show a subject's deadlines."""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applications import rules
from applications.admin.panels import register_panel
from applications.admin.scoping import ReadOnlyAdminMixin
from monitoring import complaints, deadlines
from monitoring.models import Deadline, DeadlineEscalationStep


class DeadlineStatusFilter(admin.SimpleListFilter):
    """Open deadlines overdue now or in their warning window, judged when the list is shown."""

    title = _("当前时限状态")
    parameter_name = "now_status"

    def lookups(self, request, model_admin):
        return [("overdue", _("已超期")), ("warning", _("预警中"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        running = queryset.filter(outcome=Deadline.Outcome.OPEN)
        if self.value() == "overdue":
            return running.filter(due_at__lte=now)
        if self.value() == "warning":
            return running.filter(Q(warn_at__lte=now), due_at__gt=now)
        return queryset


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "label",
        "kind",
        "unit",
        "responsible",
        "limit_display",
        "started_at",
        "due_at",
        "stopped_at",
        "outcome",
        "subject_link",
    ]
    list_filter = ["kind", "outcome", "unit", DeadlineStatusFilter]
    list_select_related = ["unit", "responsible", "content_type"]
    search_fields = ["label"]
    date_hierarchy = "started_at"
    ordering = ["-started_at", "-pk"]
    fields = [
        "kind",
        "label",
        "subject_link",
        "key",
        "unit",
        "responsible",
        "application",
        "limit_display",
        "started_at",
        "warn_at",
        "due_at",
        "retimed_at",
        "stopped_at",
        "outcome",
        "cancel_reason",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        queryset = rules.scope_to_user(queryset, request.user, unit_field="unit")
        return complaints.visible_deadlines(request.user, queryset)

    @admin.display(description=_("事项"))
    def subject_link(self, deadline):
        url = deadlines.subject_admin_url(deadline)
        name = f"{deadline.content_type.name} #{deadline.object_id}"
        return format_html('<a href="{}">{}</a>', url, name) if url else name


@admin.register(DeadlineEscalationStep)
class DeadlineEscalationStepAdmin(admin.ModelAdmin):
    """Who hears of an overdue deadline, and when; the same levels as the stage clocks'."""

    list_display = ["level", "overdue_working_days", "target"]
    fields = ["level", "overdue_working_days", "target"]
    ordering = ["level"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(policy__isnull=True)


@register_panel("admin/monitoring/deadlines_panel.html", order=20)
def application_deadlines_panel(request, application):
    """The deadlines about an application (complaints, 督办 items …), under its clocks."""
    if not request.user.has_perm("monitoring.view_deadline"):
        return None
    visible = complaints.visible_deadlines(request.user, application.deadlines.all())
    rows = deadlines.panel_rows(visible.select_related("responsible"))
    return {"rows": rows} if rows else None


@register_panel("admin/monitoring/deadlines_panel.html", order=10, page="project")
def project_deadlines_panel(request, project):
    """A project's phase deadlines (工程节点) on its page."""
    if not request.user.has_perm("monitoring.view_deadline"):
        return None
    return {"rows": deadlines.deadlines_panel_rows(project)}

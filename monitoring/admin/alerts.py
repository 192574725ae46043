"""Admin list of alerts (时限告警): filters by kind, level, region, acknowledged; region-scoped."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applications.admin.scoping import UnitScopedAdminMixin
from applications.services.errors import TransitionRefused
from monitoring import alerts, complaints, deadlines
from monitoring.models import Alert


class AcknowledgedFilter(admin.SimpleListFilter):
    title = _("是否已确认")
    parameter_name = "acknowledged"

    def lookups(self, request, model_admin):
        return [("no", _("未确认")), ("yes", _("已确认"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(acknowledged_at__isnull=self.value() == "no")
        return queryset


class SourceFilter(admin.SimpleListFilter):
    title = _("告警来源")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [("clock", _("环节时限")), ("deadline", _("事项时限"))]

    def queryset(self, request, queryset):
        if self.value() in ("clock", "deadline"):
            return queryset.filter(deadline__isnull=self.value() == "clock")
        return queryset


@admin.register(Alert)
class AlertAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit"
    list_display = [
        "application",
        "subject",
        "level_display",
        "unit",
        "due_at",
        "raised_at",
        "acknowledged_at",
        "acknowledged_by",
    ]
    list_filter = ["kind", "level", SourceFilter, "deadline__kind", "unit", AcknowledgedFilter]
    list_select_related = [
        "application",
        "clock",
        "deadline__content_type",
        "unit",
        "acknowledged_by",
    ]
    search_fields = ["application__number", "application__customer__name", "deadline__label"]
    date_hierarchy = "raised_at"
    fields = [
        "application",
        "clock",
        "deadline",
        "kind",
        "level",
        "unit",
        "due_at",
        "raised_at",
        "notified_at",
        "acknowledged_at",
        "acknowledged_by",
        "note",
    ]
    readonly_fields = [f for f in fields if f != "note"]
    actions = ["acknowledge"]

    def get_queryset(self, request):
        return complaints.visible_deadlines(
            request.user, super().get_queryset(request), path="deadline"
        )

    @admin.display(description=_("环节/事项"), ordering="clock__stage")
    def subject(self, alert):
        """The stage of a clock's alert; a deadline's kind and label, linked to its subject."""
        if alert.deadline_id is None:
            return alert.clock.get_stage_display()
        url = deadlines.subject_admin_url(alert.deadline)
        return (
            format_html('<a href="{}">{}</a>', url, alert.deadline) if url else str(alert.deadline)
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Only the handling note is editable, by those who may acknowledge.
        return self.has_acknowledge_permission(request)

    def has_acknowledge_permission(self, request):
        return request.user.has_perm("monitoring.acknowledge_alert")

    @admin.action(description=_("确认所选告警"), permissions=["acknowledge"])
    def acknowledge(self, request, queryset):
        selected = queryset.count()
        in_unit = alerts.acting_scope(queryset, request.user).count()
        try:
            done = alerts.acknowledge_alerts(user=request.user, alerts=queryset)
        except TransitionRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, _("已确认 %(n)s 条告警。") % {"n": done}, messages.SUCCESS)
        if in_unit > done:
            self.message_user(
                request, _("%(n)s 条此前已确认，未改动。") % {"n": in_unit - done}, messages.INFO
            )
        if selected > in_unit:
            self.message_user(
                request,
                _("%(n)s 条属于其他单位：可以查看，只能由该单位确认。") % {"n": selected - in_unit},
                messages.WARNING,
            )

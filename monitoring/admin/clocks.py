"""Admin for stage clocks: read-only (the lifecycle writes them), scoped to the user's unit."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from applications import rules
from applications.services.errors import TransitionRefused
from monitoring import clocks
from monitoring.dashboard.admin_filters import ClockStatusFilter
from monitoring.models import ClockPause, StageClock


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClockPauseInline(ReadOnlyMixin, admin.TabularInline):
    model = ClockPause
    fields = ["paused_at", "resumed_at", "paused_working_days", "reason"]
    readonly_fields = fields
    extra = 0


@admin.register(StageClock)
class StageClockAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "application",
        "stage",
        "customer_class",
        "unit",
        "responsible",
        "limit_display",
        "started_at",
        "due_at",
        "stopped_at",
        "elapsed_working_days",
        "paused_working_days",
        "outcome",
        "counts_against_company",
    ]
    list_filter = [
        "outcome",
        "stage",
        "unit",
        "customer_class",
        "counts_against_company",
        ClockStatusFilter,  # the dashboard's links: overdue now, due today, warning
        "application__is_small_micro",
    ]
    list_select_related = ["application__customer", "unit", "responsible"]
    search_fields = ["application__number", "application__customer__name"]
    date_hierarchy = "started_at"
    ordering = ["-started_at"]
    inlines = [ClockPauseInline]
    actions = ["reapply_current_policy"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return rules.scope_to_user(queryset, request.user, unit_field="unit")

    def has_reapply_policy_permission(self, request):
        return request.user.has_perm("monitoring.reapply_policy")

    @admin.action(description=_("按现行标准重新计算"), permissions=["reapply_policy"])
    def reapply_current_policy(self, request, queryset):
        done, refused = 0, []
        for clock in queryset:
            try:
                clocks.reapply_policy(clock, request.user)
            except TransitionRefused as exc:
                refused.append(f"{clock}：{'；'.join(exc.reasons)}")
            else:
                done += 1
                self.log_change(request, clock, str(_("按现行标准重新计算时限")))
        if done:
            self.message_user(
                request, _("已按现行标准重新计算 %(n)s 个时限。") % {"n": done}, messages.SUCCESS
            )
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

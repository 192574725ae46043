"""Admin for the time-limit standards: supervisors add new versions, never rewrite used ones."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from monitoring.models import EscalationStep, ProcessLimitPolicy, TimeLimitPolicy
from monitoring.models.policy import DEFAULT_ESCALATION

# Once a clock ran under a row, its limit is history: a change is a new row, effective later.
VERSIONED_FIELDS = [
    "effective_from",
    "customer_class",
    "stage",
    "limit_unit",
    "limit_value",
    "small_job_limit_value",
    "warn_before_value",
    "warn_unit",
    "counts_against_company",
]


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    fields = ["level", "overdue_working_days", "target"]

    def get_extra(self, request, obj=None, **kwargs):
        return len(DEFAULT_ESCALATION) if obj is None else 0


@admin.register(TimeLimitPolicy)
class TimeLimitPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "customer_class",
        "stage",
        "effective_from",
        "limit_display",
        "warn_before_value",
        "warn_unit",
        "small_job_limit_value",
        "counts_against_company",
        "basis",
    ]
    list_filter = ["customer_class", "stage", "effective_from", "counts_against_company"]
    search_fields = ["basis"]
    inlines = [EscalationStepInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.clocks.exists():
            return VERSIONED_FIELDS
        return []

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        # A new standard starts with the default escalation (DOMAIN.md §4), ready to edit.
        if isinstance(inline, EscalationStepInline) and obj.pk is None and request.method == "GET":
            kwargs["initial"] = DEFAULT_ESCALATION
        return kwargs

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method == "GET" and obj is not None and obj.clocks.exists():
            messages.info(
                request,
                _(
                    "已有环节时限按此标准计时，时限不能再修改。如需调整，请新增一条更晚生效的标准，"
                    "再由主管对在途时限执行“按现行标准重新计算”。"
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ProcessLimitPolicy)
class ProcessLimitPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "customer_class",
        "small_micro",
        "kind",
        "working_days",
        "effective_from",
        "basis",
    ]
    list_filter = ["customer_class", "kind", "effective_from"]
    search_fields = ["basis"]

"""Outage plans in the admin: drafts by the project's manager, decisions by dispatch (调控) —
every step through `projects.services.outages`, with its refusal shown on the page."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from applications import rules as app_rules
from applications.admin.scoping import UnitScopedAdminMixin

from .. import forms as project_forms
from .. import rules
from ..models import OutagePlan, Project
from ..services import outages
from .actions import ObjectAction, ObjectActionsMixin

Status = OutagePlan.Status


class AwaitingDispatchFilter(admin.SimpleListFilter):
    title = _("待办")
    parameter_name = "todo"

    def lookups(self, request, model_admin):
        return [("dispatch", _("待调控审批"))]

    def queryset(self, request, queryset):
        if self.value() == "dispatch":
            return queryset.filter(status=Status.SUBMITTED)
        return queryset


def _manager(user, plan):
    return rules.manager_refusal(user, plan.project, "change_outageplan")


OUTAGE_ACTIONS = {
    "submit": ObjectAction(
        label=_("提交调控审批"),
        form=project_forms.ConfirmForm,
        run=lambda user, plan, data: outages.submit(user=user, plan=plan),
        refusal=_manager,
        shown=lambda plan: plan.status in (Status.DRAFT, Status.REJECTED),
        done=_("停电计划已提交调控中心审批。"),
    ),
    "approve": ObjectAction(
        label=_("批准"),
        form=project_forms.OutageApprovalForm,
        run=lambda user, plan, data: outages.approve(
            user=user, plan=plan, start=data["start"], end=data["end"], note=data["note"]
        ),
        refusal=lambda user, plan: rules.dispatch_refusal(user, plan.project),
        shown=lambda plan: plan.status == Status.SUBMITTED,
        done=_("停电计划已批准。"),
    ),
    "reject": ObjectAction(
        label=_("驳回"),
        form=project_forms.ReasonForm,
        run=lambda user, plan, data: outages.reject(user=user, plan=plan, reason=data["reason"]),
        refusal=lambda user, plan: rules.dispatch_refusal(user, plan.project),
        shown=lambda plan: plan.status == Status.SUBMITTED,
        done=_("停电计划已驳回。"),
    ),
    "cancel": ObjectAction(
        label=_("取消计划"),
        form=project_forms.ReasonForm,
        run=lambda user, plan, data: outages.cancel(user=user, plan=plan, reason=data["reason"]),
        refusal=_manager,
        shown=lambda plan: plan.status != Status.CANCELLED,
        done=_("停电计划已取消。"),
    ),
}


class OutagePlanForm(forms.ModelForm):
    user = None

    class Meta:
        model = OutagePlan
        fields = ["project", "kind", "live_line", "description", "requested_start", "requested_end"]

    def clean(self):
        data = super().clean()
        project = data.get("project")
        if project is not None and not self.errors:
            code = "change_outageplan" if self.instance.pk else "add_outageplan"
            refused = rules.manager_refusal(self.user, project, code)
            if refused:
                raise ValidationError(refused)
        return data


@admin.register(OutagePlan)
class OutagePlanAdmin(ObjectActionsMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "project__unit"
    form = OutagePlanForm
    object_actions = OUTAGE_ACTIONS
    list_display = [
        "project",
        "kind",
        "live_line",
        "requested_start",
        "requested_end",
        "approved_start",
        "approved_end",
        "status",
        "decided_by",
    ]
    list_filter = [AwaitingDispatchFilter, "status", "kind", "live_line", "project__unit"]
    search_fields = ["project__number", "project__name", "description"]
    list_select_related = ["project", "decided_by"]
    autocomplete_fields = ["project"]
    readonly_fields = [
        "status",
        "approved_start",
        "approved_end",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "decision_note",
        "cancel_reason",
        "actions_panel",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = app_rules.scope_to_user(
                Project.objects.exclude(
                    status__in=[Project.Status.COMPLETED, Project.Status.CANCELLED]
                ),
                request.user,
                unit_field="unit",
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        outages.save_draft(user=request.user, plan=obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # Only drafts and rejected plans are edited, by the project's manager.
        return obj is None or (
            obj.status in (Status.DRAFT, Status.REJECTED) and _manager(request.user, obj) is None
        )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("可办理"))
    def actions_panel(self, obj):
        return self.action_buttons(obj) if obj and obj.pk else "—"

"""Approvers' desk: the scheme approvals waiting for their department, and the decision page."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..forms import ApprovalDecisionForm
from ..models import ApprovalRequirement, SchemeApproval
from ..services import TransitionRefused
from ..services.approvals import approval_refusal, decide_approval
from ..states import State
from .scoping import ReadOnlyAdminMixin, UnitScopedAdminMixin


class PendingForMeFilter(admin.SimpleListFilter):
    title = _("待办")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("pending", _("待我部门审批"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            profile = getattr(request.user, "staff_profile", None)
            dept = profile.department if profile else None
            return queryset.filter(
                decision=SchemeApproval.Decision.PENDING,
                department=dept,
                review__application__state=State.SCHEME,
            )
        return queryset


@admin.register(SchemeApproval)
class SchemeApprovalAdmin(ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "review__application__unit"
    list_display = [
        "application_number",
        "customer",
        "department",
        "round",
        "decision",
        "requested_at",
        "decided_at",
        "decide_link",
    ]
    list_filter = [PendingForMeFilter, "decision", "department"]
    search_fields = ["review__application__number", "review__application__customer__name"]
    list_select_related = ["review__application__customer", "approver"]

    @admin.display(description=_("工单编号"), ordering="review__application__number")
    def application_number(self, obj):
        app = obj.review.application
        url = reverse("admin:applications_application_change", args=[app.pk])
        return format_html('<a href="{}">{}</a>', url, app.number)

    @admin.display(description=_("客户"))
    def customer(self, obj):
        return obj.review.application.customer

    @admin.display(description=_("轮次"))
    def round(self, obj):
        return obj.review.round

    @admin.display(description=_("操作"))
    def decide_link(self, obj):
        if obj.decision != SchemeApproval.Decision.PENDING:
            return "—"
        url = reverse("admin:applications_schemeapproval_decide", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("审批"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="applications_schemeapproval_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        approval = get_object_or_404(self.get_queryset(request), pk=pk)
        back = reverse("admin:applications_schemeapproval_changelist") + "?mine=pending"
        form = ApprovalDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                decide_approval(
                    approval=approval,
                    user=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    comment=form.cleaned_data["comment"],
                )
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("审批意见已提交。"), messages.SUCCESS)
                return HttpResponseRedirect(back)
        app = approval.review.application
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("审批供电方案：%(number)s") % {"number": app.number},
            "approval": approval,
            "application": app,
            "scheme": getattr(app, "scheme", None),
            "survey": getattr(app, "survey", None),
            "refusal": approval_refusal(approval, request.user),
            "form": form,
        }
        return TemplateResponse(request, "admin/applications/schemeapproval/decide.html", context)


@admin.register(ApprovalRequirement)
class ApprovalRequirementAdmin(admin.ModelAdmin):
    list_display = ["customer_class", "department", "only_with_grid_works"]
    list_filter = ["customer_class", "department"]

    def has_module_permission(self, request):
        return rules.sees_all_units(request.user) or super().has_module_permission(request)

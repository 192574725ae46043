"""Complaints and reports in the admin: a unit-scoped list, receipt and handling pages that call
`monitoring.complaints`, the handling clock's panel, an Excel export. Nothing is edited or
deleted by hand. The reporter's identity appears (fields, column, search, export) only for
users `complaints.sees_reporter` allows; everything here asks that one function.
"""

from __future__ import annotations

from io import BytesIO

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from applications import rules
from applications.admin.scoping import UnitScopedAdminMixin, scoped_staff, staff_label
from applications.ledger.xlsx import neutralise
from applications.models import Application, Customer, Unit
from applications.services.errors import TransitionRefused

from .. import complaints, deadlines
from ..models import Complaint, ComplaintPolicy, Deadline
from .handover import handover_button

REPORTER_FIELDS = list(complaints.REPORTER_FIELDS)


class OverdueFilter(admin.SimpleListFilter):
    title = _("答复时限")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("已超期未答复")), ("no", _("未超期"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(complaints.overdue_q())
        if self.value() == "no":
            return queryset.exclude(complaints.overdue_q())
        return queryset


class KindFilter(admin.SimpleListFilter):
    """投诉/举报 — offered only to those who may see reports (others see complaints only)."""

    title = _("类型")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return Complaint.Kind.choices if complaints.sees_reports(request.user) else []

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


# --- Forms of the action pages ------------------------------------------------------------


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj)


class ActionForm(forms.Form):
    """A form of an action page; some need the request to scope their choices."""

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request


class ReceiveForm(ActionForm):
    kind = forms.ChoiceField(label=_("类型"), choices=Complaint.Kind.choices)
    channel = forms.ChoiceField(
        label=_("来源渠道"), choices=Complaint.Channel.choices, initial=Complaint.Channel.STAFF
    )
    external_ref = forms.CharField(label=_("外部工单号"), required=False, max_length=64)
    received_at = forms.DateTimeField(label=_("受理时间"), initial=timezone.now)
    category = forms.ChoiceField(label=_("问题分类"), choices=Complaint.Category.choices)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 4}))
    unit = forms.ModelChoiceField(label=_("被投诉单位"), queryset=Unit.objects.none())
    customer = forms.ModelChoiceField(
        label=_("客户"), queryset=Customer.objects.none(), required=False
    )
    application = forms.ModelChoiceField(
        label=_("业扩申请编号"),
        queryset=Application.objects.none(),
        required=False,
        to_field_name="number",
        widget=forms.TextInput,
        help_text=_("填写申请编号时，客户可不选"),
    )
    staff_concerned = StaffChoiceField(
        label=_("被投诉人员"), queryset=get_user_model().objects.none(), required=False
    )
    reporter_name = forms.CharField(label=_("举报人姓名"), required=False, max_length=50)
    reporter_phone = forms.CharField(label=_("举报人电话"), required=False, max_length=30)
    reporter_contact = forms.CharField(
        label=_("举报人其他联系方式"), required=False, max_length=200
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = request.user
        self.fields["unit"].queryset = rules.scope_to_user(Unit.objects, user, unit_field="")
        self.fields["customer"].queryset = rules.scope_to_user(
            Customer.objects.order_by("name"), user, unit_field="unit"
        )
        self.fields["application"].queryset = rules.scope_to_user(
            Application.objects.order_by("-pk"), user, unit_field="unit"
        )
        self.fields["staff_concerned"].queryset = scoped_staff(request)
        if not complaints.sees_reports(user):
            self.fields["kind"].choices = [
                (Complaint.Kind.COMPLAINT, Complaint.Kind.COMPLAINT.label)
            ]
        if not complaints.sees_reporter(user):
            for name in REPORTER_FIELDS:
                del self.fields[name]


class AssignForm(ActionForm):
    handler = StaffChoiceField(label=_("承办人"), queryset=get_user_model().objects.none())

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.fields["handler"].queryset = scoped_staff(request)


class ReplyForm(ActionForm):
    text = forms.CharField(label=_("处理结果及答复"), widget=forms.Textarea(attrs={"rows": 5}))
    at = forms.DateTimeField(label=_("答复时间"), initial=timezone.now)


class CloseForm(ActionForm):
    feedback = forms.ChoiceField(
        label=_("客户评价"), choices=Complaint.Feedback.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("客户意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    at = forms.DateTimeField(label=_("办结时间"), initial=timezone.now)


class WithdrawForm(ActionForm):
    reason = forms.CharField(label=_("撤回原因"), max_length=200)
    at = forms.DateTimeField(label=_("撤回时间"), initial=timezone.now)


# action → (button, form, service call, permission the button needs, statuses it applies to)
ACTIONS = {
    "assign": (
        _("分派"),
        AssignForm,
        lambda c, user, data: complaints.assign(c, by=user, **data),
        "assign_complaint",
    ),
    "reply": (
        _("答复"),
        ReplyForm,
        lambda c, user, data: complaints.reply(c, by=user, **data),
        "handle_complaint",
    ),
    "close": (
        _("办结"),
        CloseForm,
        lambda c, user, data: complaints.close(c, by=user, **data),
        "handle_complaint",
    ),
    "withdraw": (
        _("撤回"),
        WithdrawForm,
        lambda c, user, data: complaints.withdraw(c, by=user, **data),
        "handle_complaint",
    ),
}
ACTION_STATUSES = {
    "assign": Complaint.OPEN_STATUSES,
    "reply": (Complaint.Status.HANDLING,),
    "close": (Complaint.Status.REPLIED,),
    "withdraw": Complaint.OPEN_STATUSES,
}


@admin.register(Complaint)
class ComplaintAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/monitoring/complaint/change_form.html"
    list_display = [
        "number",
        "kind",
        "channel",
        "received_at",
        "category",
        "customer",
        "unit",
        "staff_concerned",
        "handler",
        "status",
        "due_display",
        "feedback",
    ]
    list_filter = [
        KindFilter,
        "status",
        "channel",
        "category",
        OverdueFilter,
        ("unit", admin.RelatedOnlyFieldListFilter),
        "feedback",
    ]
    list_select_related = ["customer", "unit", "staff_concerned", "handler"]
    search_fields = [
        "number",
        "external_ref",
        "content",
        "customer__name",
        "customer__phone",
        "application__number",
    ]
    date_hierarchy = "received_at"
    ordering = ["-received_at", "-pk"]
    actions = ["export_xlsx"]
    fields = [
        "number",
        "kind",
        "channel",
        "external_ref",
        "received_at",
        "category",
        "content",
        "customer",
        "application",
        "unit",
        "staff_concerned",
        "handler",
        "status",
        "reply_working_days",
        "reply",
        "replied_at",
        "feedback",
        "feedback_comment",
        "closed_at",
        "withdrawn_at",
        "withdraw_reason",
        "created_by",
        "created_at",
    ]

    # --- What the user may see: one function decides (complaints.sees_reporter) -------------

    def get_queryset(self, request):
        queryset = complaints.visible_complaints(request.user, super().get_queryset(request))
        # The list's due column reads the open clock of every row: one query for the page.
        open_clock = Deadline.objects.filter(outcome=Deadline.Outcome.OPEN)
        return queryset.prefetch_related(
            Prefetch("handling_deadlines", queryset=open_clock, to_attr="open_clocks")
        )

    def get_fields(self, request, obj=None):
        shown = complaints.sees_reporter(request.user) and (obj is None or obj.is_report)
        return [*self.fields, *REPORTER_FIELDS] if shown else list(self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_list_display(self, request):
        if complaints.sees_reporter(request.user):
            return [*self.list_display, "reporter_name"]
        return self.list_display

    def get_search_fields(self, request):
        if complaints.sees_reporter(request.user):
            return [*self.search_fields, "reporter_name", "reporter_phone"]
        return self.search_fields

    # Records change only through the services; nobody deletes a complaint.
    def has_add_permission(self, request):
        return request.user.has_perm("monitoring.add_complaint")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("答复期限"))
    def due_display(self, obj):
        if not obj.open_clocks:
            return "—"
        deadline = obj.open_clocks[0]
        label, _colour = deadlines.status(deadline, timezone.now())
        return f"{timezone.localtime(deadline.due_at):%Y-%m-%d %H:%M}（{label}）"

    # --- Export ------------------------------------------------------------------------------

    def export_columns(self, request) -> list[str]:
        return self.get_fields(request) if complaints.sees_reporter(request.user) else self.fields

    @admin.action(description=_("导出所选投诉举报（Excel）"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        columns = self.export_columns(request)
        wb = Workbook()
        ws = wb.active
        ws.title = _t("投诉举报")
        ws.append([str(Complaint._meta.get_field(name).verbose_name) for name in columns])
        for complaint in queryset.select_related(*self.list_select_related, "application"):
            ws.append([neutralise(_cell(complaint, name)) for name in columns])
        out = BytesIO()
        wb.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="complaints.xlsx"'
        return response

    # --- Receipt and handling pages call the services ----------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/handle/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="monitoring_complaint_action",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise Http404
        form = ReceiveForm(request.POST or None, request=request)
        if request.method == "POST" and form.is_valid():
            try:
                complaint, created = complaints.receive_complaint(
                    **form.cleaned_data, by=request.user
                )
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                if created:
                    self.log_addition(request, complaint, str(_("登记")))
                    self.message_user(request, _("已登记%(c)s。") % {"c": complaint})
                else:
                    self.message_user(
                        request, _("该工单号已登记为%(c)s。") % {"c": complaint}, messages.WARNING
                    )
                return HttpResponseRedirect(self._change_url(complaint))
        return self._form_page(request, form, _("登记投诉举报"), None)

    def action_view(self, request, object_id, action):
        complaint = self.get_object(request, object_id)
        if complaint is None or action not in ACTIONS:
            raise Http404(_("投诉举报不存在，或您无权查看。"))
        title, form_class, service, _perm = ACTIONS[action]
        form = form_class(request.POST or None, request=request)
        if request.method == "POST" and form.is_valid():
            try:
                complaint = service(complaint, request.user, form.cleaned_data)
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                self.log_change(request, complaint, str(title))
                self.message_user(
                    request,
                    _("%(c)s：%(action)s完成。") % {"c": complaint, "action": title},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(complaint))
        return self._form_page(request, form, f"{title}：{complaint}", complaint)

    def _form_page(self, request, form, title, complaint):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "complaint": complaint,
            "change_url": self._change_url(complaint) if complaint else None,
        }
        return TemplateResponse(request, "admin/monitoring/complaint/action.html", context)

    def _change_url(self, complaint):
        return reverse("admin:monitoring_complaint_change", args=[complaint.pk])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        complaint = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if complaint is not None:
            extra_context["deadline_panel"] = {"rows": deadlines.deadlines_panel_rows(complaint)}
            extra_context["complaint_actions"] = [
                (reverse("admin:monitoring_complaint_action", args=[complaint.pk, name]), title)
                for name, (title, _form, _service, perm) in ACTIONS.items()
                if complaint.status in ACTION_STATUSES[name]
                and complaints.refusal(request.user, complaint, perm) is None
            ]
            extra_context["complaint_actions"] += [
                (button["url"], button["label"]) for button in handover_button(request, complaint)
            ]
        return super().change_view(request, object_id, form_url, extra_context)


def _cell(complaint: Complaint, name: str) -> str:
    display = getattr(complaint, f"get_{name}_display", None)
    value = display() if display else getattr(complaint, name)
    if isinstance(value, get_user_model()):
        return staff_label(value)
    if hasattr(value, "tzinfo") and value is not None:
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return "" if value is None else str(value)


@admin.register(ComplaintPolicy)
class ComplaintPolicyAdmin(admin.ModelAdmin):
    """The reply limits; read at receipt, so a change applies to complaints received after it."""

    list_display = ["kind", "reply_working_days"]
    fields = ["kind", "reply_working_days"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request):
        return False  # one row per kind, made by the migration

    def has_delete_permission(self, request, obj=None):
        return False

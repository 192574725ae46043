"""Charges (收费项目) in the admin: a unit-scoped list, issue/waive/cancel/payment pages.

Every change goes through `applications.services.charges`; nobody edits or deletes a charge by
hand (a mistaken charge is cancelled with a reason). The application page shows its charges
(inline) and a panel with the totals and the button to issue one.
"""

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..models import Application, Charge, ChargeEvent, ChargeKind, ChargeStatus, PaymentSource
from ..services import TransitionRefused
from ..services import charges as service
from . import panels
from .scoping import ReadOnlyAdminMixin, ReadOnlyTabularInline, UnitScopedAdminMixin


class IssueForm(forms.Form):
    application = forms.ModelChoiceField(
        label=_("业扩申请编号"),
        queryset=Application.objects.none(),
        to_field_name="number",
        widget=forms.TextInput,
    )
    kind = forms.ChoiceField(label=_("收费项目"), choices=ChargeKind.choices)
    amount = forms.DecimalField(label=_("金额(元)"), max_digits=12, decimal_places=2)
    explanation = forms.CharField(
        label=_("收费说明"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("收费依据和标准，客户页面可见"),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = rules.scope_to_user(
            Application.objects.all(), request.user, unit_field="unit"
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)


class PaymentForm(forms.Form):
    paid_at = forms.DateTimeField(label=_("缴费时间"), initial=timezone.now)
    source = forms.ChoiceField(
        label=_("缴费数据来源"), choices=PaymentSource.choices, initial=PaymentSource.COUNTER
    )
    reference = forms.CharField(label=_("缴费流水号"), max_length=64)
    amount = forms.DecimalField(label=_("缴费金额(元)"), max_digits=12, decimal_places=2)
    invoice_number = forms.CharField(label=_("发票号码"), max_length=64, required=False)

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)


# action → (title, form, service call, permission the button needs)
ACTIONS = {
    "pay": (
        _("登记缴费"),
        PaymentForm,
        lambda c, user, data: service.record_payment(charge=c, user=user, **data).charge,
        "record_charge_payment",
    ),
    "waive": (
        _("减免"),
        ReasonForm,
        lambda c, user, data: service.waive_charge(charge=c, user=user, **data),
        "waive_charge",
    ),
    "cancel": (
        _("撤销"),
        ReasonForm,
        lambda c, user, data: service.cancel_charge(charge=c, user=user, **data),
        "cancel_charge",
    ),
}


def _may(user, charge: Charge, codename: str) -> bool:
    return (
        charge.status == ChargeStatus.ISSUED
        and user.has_perm(f"applications.{codename}")
        and rules.in_scope(user, charge.application)
    )


class ChargeEventInline(ReadOnlyTabularInline):
    model = ChargeEvent
    fields = ["at", "action", "actor", "system", "comment"]
    verbose_name_plural = _("操作记录（不可修改）")


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "application__unit"
    change_form_template = "admin/applications/charge/change_form.html"
    list_display = [
        "number",
        "application",
        "kind",
        "amount",
        "status",
        "issued_at",
        "paid_at",
        "settlement_display",
        "unit_display",
    ]
    list_filter = [
        "status",
        "kind",
        "application__unit",
        "application__customer_class",
        "application__is_small_micro",
        "payment_source",
        "issued_at",
    ]
    search_fields = ["number", "application__number", "payment_reference", "invoice_number"]
    list_select_related = ["application__customer", "application__unit"]
    date_hierarchy = "issued_at"
    inlines = [ChargeEventInline]
    fields = [
        ("number", "application"),
        ("kind", "amount", "status"),
        "explanation",
        ("issued_at", "issued_by"),
        ("paid_at", "payment_source", "payment_reference", "invoice_number"),
        ("payment_recorded_at", "payment_recorded_by"),
        ("closed_at", "closed_by"),
        "closed_reason",
    ]

    @admin.display(description=_("结清时长(小时)"))
    def settlement_display(self, obj):
        hours = service.settlement_hours(obj)
        return "—" if hours is None else f"{hours:.1f}"

    @admin.display(description=_("供电单位"), ordering="application__unit")
    def unit_display(self, obj):
        return obj.application.unit

    def has_add_permission(self, request):
        return request.user.has_perm("applications.issue_charge")

    # --- Issue and the action pages call the services ------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/act/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="applications_charge_action",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise Http404
        initial = {}
        app_id = request.GET.get("application")
        if app_id and app_id.isdigit():
            found = self.get_scoped_applications(request).filter(pk=app_id).first()
            initial["application"] = found.number if found else None
        form = IssueForm(request.POST or None, request=request, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                charge = service.issue_charge(user=request.user, **form.cleaned_data)
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                self.log_addition(request, charge, str(_("开具")))
                note = (
                    _("（“三零”客户，已自动减免）") if charge.status == ChargeStatus.WAIVED else ""
                )
                self.message_user(request, _("已开具%(c)s%(note)s。") % {"c": charge, "note": note})
                return HttpResponseRedirect(self._change_url(charge))
        return self._form_page(request, form, _("开具收费项目"), None)

    def get_scoped_applications(self, request):
        return rules.scope_to_user(Application.objects.all(), request.user, unit_field="unit")

    def action_view(self, request, object_id, action):
        charge = self.get_object(request, object_id)
        if charge is None or action not in ACTIONS:
            raise Http404(_("收费项目不存在，或您无权查看。"))
        title, form_class, call, _perm = ACTIONS[action]
        initial = {"amount": charge.amount} if action == "pay" else {}
        form = form_class(request.POST or None, request=request, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                charge = call(charge, request.user, form.cleaned_data)
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                self.log_change(request, charge, str(title))
                self.message_user(
                    request,
                    _("%(c)s：%(action)s完成。") % {"c": charge.number, "action": title},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(charge))
        return self._form_page(request, form, f"{title}：{charge}", charge)

    def _form_page(self, request, form, title, charge):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "charge": charge,
            "change_url": self._change_url(charge) if charge else None,
        }
        return TemplateResponse(request, "admin/applications/charge/action.html", context)

    def _change_url(self, charge):
        return reverse("admin:applications_charge_change", args=[charge.pk])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        charge = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if charge is not None:
            extra_context["charge_actions"] = [
                (reverse("admin:applications_charge_action", args=[charge.pk, name]), title)
                for name, (title, _form, _call, perm) in ACTIONS.items()
                if _may(request.user, charge, perm)
            ]
        return super().change_view(request, object_id, form_url, extra_context)


@panels.register_panel("admin/applications/charge/panel.html", order=40)
def charges_panel(request, app):
    """Totals of the application's charges and the button to issue one."""
    if not request.user.has_perm("applications.view_charge"):
        return None
    seen = service.charges_for_customer(app)
    may_issue = (
        request.user.has_perm("applications.issue_charge")
        and rules.in_scope(request.user, app)
        and app.state not in service.NO_NEW_CHARGES
        and not app.energized_at
    )
    if not seen.lines and not may_issue:
        return None
    return {
        "charges": seen,
        "issue_url": (
            reverse("admin:applications_charge_add") + f"?application={app.pk}"
            if may_issue
            else None
        ),
    }

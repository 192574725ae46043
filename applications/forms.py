"""Forms for acting on an application: acceptance, each transition, approval decisions.

Forms only collect and validate input; the services decide and write.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from . import paths
from .models import Application, MaterialRequirement
from .states import State, SuspensionReason


class AcceptanceForm(forms.ModelForm):
    """受理登记: the application's facts plus which documents the customer handed in."""

    received_materials = forms.MultipleChoiceField(
        label=_("当场收取的资料"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("未收取的资料可在受理环节补收，或由客户签署告知承诺书后容缺受理。"),
    )

    class Meta:
        model = Application
        fields = [
            "customer",
            "unit",
            "customer_class",
            "business_type",
            "requested_capacity_kva",
            "supply_voltage",
            "site_address",
            "channel",
            "is_small_micro",
            "has_grid_works",
            "is_important_customer",
            "customer_manager",
            "manager_chosen_by_customer",
            "project_manager",
            "note",
        ]

    def __init__(self, *args, admin_site=admin.site, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        customer = self.fields["customer"]
        customer.widget = AutocompleteSelect(Application._meta.get_field("customer"), admin_site)
        customer.widget.choices = customer.choices
        if units is not None:
            self.fields["unit"].queryset = units
        seen = {}
        for req in MaterialRequirement.objects.order_by("order"):
            seen.setdefault(req.code, req.name)
        self.fields["received_materials"].choices = list(seen.items())


class TransitionForm(forms.Form):
    """The common part of every transition: an opinion and the state the user saw."""

    expected_state = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("办理意见"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, application: Application, name: str, needs_comment: bool, **kw):
        super().__init__(*args, **kw)
        self.application = application
        self.fields["expected_state"].initial = application.state
        self.fields["comment"].required = needs_comment
        if name == "return_to":
            self.fields["target"] = forms.ChoiceField(
                label=_("退回到"),
                choices=[(s, State(s).label) for s in paths.earlier_stages(application)],
            )
            self.fields["comment"].label = _("退回原因")
        elif name == "suspend":
            self.fields["reason"] = forms.ChoiceField(
                label=_("暂停原因（须为客户原因）"), choices=SuspensionReason.choices
            )
            self.fields["comment"].label = _("情况说明")
        elif name == "cancel":
            self.fields["comment"].label = _("撤销原因")
        elif name == "fail_inspection":
            self.fields["comment"].label = _("不合格原因及整改要求")
        elif name == "advance":
            self._add_stage_fields(application.state)

    def _add_stage_fields(self, stage: str) -> None:
        if stage in paths.INSPECTION_STAGES:
            self.fields["comment"].label = _("审查/检验意见")
        if stage == State.MIDDLE_INSPECTION:
            self.fields["risk_points"] = forms.CharField(
                label=_("一次性告知客户的风险点"),
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )
        elif stage == State.CONTRACT:
            self.fields["contract_number"] = forms.CharField(label=_("合同编号"), max_length=40)
            self.fields["template"] = forms.CharField(
                label=_("合同范本"), max_length=100, initial=_("高压供用电合同")
            )
            self.fields["tariff"] = forms.CharField(
                label=_("电价及结算方式"), max_length=200, required=False
            )
            self.fields["signed_at"] = forms.SplitDateTimeField(
                label=_("签订时间"), widget=AdminSplitDateTime, required=False
            )
        elif stage == State.ENERGIZE:
            self.fields["meter_number"] = forms.CharField(label=_("电能表资产号"), max_length=40)
            self.fields["installed_at"] = forms.SplitDateTimeField(
                label=_("装表时间"), widget=AdminSplitDateTime, required=False
            )
            self.fields["energized_at"] = forms.SplitDateTimeField(
                label=_("送电时间"), widget=AdminSplitDateTime, required=False
            )
        elif stage == State.ARCHIVE:
            self.fields["archive_location"] = forms.CharField(
                label=_("档案存放位置"), max_length=100
            )

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.setdefault("comment", "")
        return data


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批意见"),
        choices=[("approve", _("同意")), ("reject", _("驳回修改"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("审批说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("驳回时必须写明修改意见。"),
    )

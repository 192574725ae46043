"""Forms of the routines' admin pages (督办 items, hand-over to 纪检, rewards).

Linked records are typed by their number (工单编号, 工程编号, 意见书编号) rather than picked
from lists of thousands; the form looks each up in what the user may see.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications import rules
from applications.admin.scoping import scoped_staff, staff_label
from applications.models import Application
from projects.models import Project

from ..models import Callback, Reward, SupervisionLetter
from ..supervision.scope import acting_units

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class StaffField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj)


def _lookup(user, model, number: str, label: str):
    """The `model` row numbered `number` within the user's units, or a form error."""
    number = number.strip()
    if not number:
        return None
    found = rules.scope_to_user(model.objects.filter(number=number), user, unit_field="unit")
    row = found.first()
    if row is None:
        raise forms.ValidationError(
            _("找不到%(label)s“%(number)s”，或不在您的管辖范围。")
            % {"label": label, "number": number}
        )
    return row


class LinkedRecordsForm(forms.Form):
    """Optional application / project / letter numbers, resolved to rows in `cleaned_data`."""

    application = forms.CharField(label=_("工单编号"), required=False, max_length=30)
    project = forms.CharField(label=_("工程编号"), required=False, max_length=30)
    letter = forms.CharField(label=_("意见书编号"), required=False, max_length=30)

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = request.user

    def clean_application(self):
        return _lookup(self.user, Application, self.cleaned_data["application"], _("业扩申请"))

    def clean_project(self):
        return _lookup(self.user, Project, self.cleaned_data["project"], _("配套工程"))

    def clean_letter(self):
        return _lookup(self.user, SupervisionLetter, self.cleaned_data["letter"], _("监督意见书"))


class ItemForm(LinkedRecordsForm):
    title = forms.CharField(label=_("督办事项"), max_length=200)
    problem = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}))
    owner = StaffField(label=_("责任人"), queryset=None)
    due_date = forms.DateField(label=_("办结期限"), widget=DATE_INPUT)
    field_order = ["title", "problem", "owner", "due_date", "application", "project", "letter"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.fields["owner"].queryset = scoped_staff(request)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("办理进展"), widget=forms.Textarea(attrs={"rows": 4}))


class ResultForm(forms.Form):
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 4}))


class RetimeForm(forms.Form):
    owner = StaffField(label=_("责任人"), queryset=None, required=False)
    due_date = forms.DateField(label=_("办结期限"), widget=DATE_INPUT, required=False)
    reason = forms.CharField(label=_("调整原因"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = scoped_staff(request)


class ConclusionForm(forms.Form):
    conclusion = forms.CharField(label=_("处理结论"), widget=forms.Textarea(attrs={"rows": 4}))


class RewardForm(forms.Form):
    staff = StaffField(
        label=_("受奖人"), queryset=None, required=False, help_text=_("奖励单位时不选")
    )
    unit = forms.ModelChoiceField(
        label=_("受奖单位"), queryset=None, required=False, help_text=_("奖励个人时不选")
    )
    category = forms.ChoiceField(label=_("奖励类别"), choices=Reward.Category.choices)
    period = forms.DateField(
        label=_("奖励期间"), widget=DATE_INPUT, help_text=_("所属月份内任一日期")
    )
    points = forms.DecimalField(label=_("加分"), min_value=0, max_digits=6, decimal_places=1)
    amount = forms.DecimalField(
        label=_("奖励金额（元）"), min_value=0, max_digits=10, decimal_places=2
    )
    reason = forms.CharField(label=_("奖励事由"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.CharField(label=_("依据"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence_url = forms.CharField(label=_("依据链接"), required=False, max_length=300)
    application = forms.CharField(label=_("工单编号"), required=False, max_length=30)
    callback = forms.IntegerField(label=_("回访记录编号"), required=False, min_value=1)

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = request.user
        self.fields["staff"].queryset = scoped_staff(request)
        self.fields["unit"].queryset = acting_units(request.user).order_by("code")

    def clean_application(self):
        return _lookup(self.user, Application, self.cleaned_data["application"], _("业扩申请"))

    def clean_callback(self):
        pk = self.cleaned_data["callback"]
        if pk is None:
            return None
        found = rules.scope_to_user(Callback.objects.filter(pk=pk), self.user, unit_field="unit")
        if not found.exists():
            raise forms.ValidationError(_("找不到该回访记录，或不在您的管辖范围。"))
        return found.get()

    def clean(self):
        data = super().clean()
        if data.get("staff") and data.get("unit"):
            self.add_error("unit", _("奖励个人时不选单位（按其所属单位统计）。"))
        return data

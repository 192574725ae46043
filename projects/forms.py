"""Forms of the project pages: each collects what one service needs, nothing more."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import rules as app_rules

from .models import ConsignedStock, MaterialItem, ProgressReport, ProjectPhase

DRAW_LINES = 4


class ObjectForm(forms.Form):
    """A form for one object's action page: it knows the object and the user."""

    def __init__(self, *args, obj=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.obj, self.user = obj, user


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PhasePlanForm(ObjectForm):
    phase = forms.ChoiceField(label=_("工程节点"), choices=ProjectPhase.Phase.choices)
    planned_on = forms.DateField(
        label=_("计划日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("留空即撤销该节点的计划"),
    )


class PhaseDoneForm(ObjectForm):
    phase = forms.ChoiceField(label=_("工程节点"), choices=ProjectPhase.Phase.choices)
    actual_on = forms.DateField(
        label=_("实际完成日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ProgressForm(ObjectForm):
    reported_on = forms.DateField(
        label=_("日报日期"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    percent = forms.IntegerField(label=_("完成百分比(%)"), min_value=0, max_value=100)
    text = forms.CharField(label=_("进度说明"), widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(
        label=_("现场照片"),
        required=False,
        validators=ProgressReport._meta.get_field("photo").validators,
    )
    correction_reason = forms.CharField(
        label=_("更正原因"),
        required=False,
        help_text=_("当日已填报时，填写原因即更正原日报"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reported_on"].initial = timezone.localdate()


class ReasonForm(ObjectForm):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


class DrawForm(ObjectForm):
    """领料: up to DRAW_LINES lines of the project's unit's consigned stock."""

    note = forms.CharField(label=_("备注"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stock = ConsignedStock.objects.select_related("item")
        if self.obj is not None:
            stock = app_rules.scope_to_user(stock, self.user, unit_field="unit").filter(
                unit__in=[self.obj.unit_id, self.obj.unit.parent_id]
            )
        for i in range(1, DRAW_LINES + 1):
            self.fields[f"stock_{i}"] = forms.ModelChoiceField(
                label=_("物料 %(n)s") % {"n": i}, queryset=stock, required=i == 1
            )
            self.fields[f"quantity_{i}"] = forms.DecimalField(
                label=_("数量 %(n)s") % {"n": i},
                required=i == 1,
                min_value=Decimal("0.01"),
                decimal_places=2,
            )

    def clean(self):
        data = super().clean()
        data["_lines"] = self.lines()
        return data

    def lines(self) -> list[tuple[ConsignedStock, Decimal]]:
        data = self.cleaned_data
        return [
            (data[f"stock_{i}"], data[f"quantity_{i}"])
            for i in range(1, DRAW_LINES + 1)
            if data.get(f"stock_{i}") and data.get(f"quantity_{i}")
        ]


class BorrowForm(ObjectForm):
    item = forms.ModelChoiceField(label=_("物料"), queryset=MaterialItem.objects.all())
    quantity = forms.DecimalField(label=_("借用数量"), min_value=Decimal("0.01"))
    due_back_on = forms.DateField(
        label=_("应归还日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ReturnLoanForm(ObjectForm):
    returned_quantity = forms.DecimalField(label=_("归还数量"), min_value=Decimal("0.01"))
    note = forms.CharField(label=_("归还说明"), required=False)


class RestockForm(ObjectForm):
    quantity = forms.DecimalField(label=_("入库数量"), min_value=Decimal("0.01"))


class OutageApprovalForm(ObjectForm):
    start = forms.DateTimeField(label=_("批准停电开始"), required=False, widget=DateTimeInput())
    end = forms.DateTimeField(label=_("批准停电结束"), required=False, widget=DateTimeInput())
    note = forms.CharField(
        label=_("审批意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不填时段即按申请时段批准；批准时段超出申请时段须说明理由"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None:
            self.fields["start"].initial = timezone.localtime(self.obj.requested_start)
            self.fields["end"].initial = timezone.localtime(self.obj.requested_end)


class ConfirmForm(ObjectForm):
    """An action with nothing to fill in: the page is its confirmation."""

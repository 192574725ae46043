"""Forms and the one page pattern of the supervision admin: a form whose valid data goes to a
service function; a refusal comes back as the form's error, a success as a message.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from applications.admin.scoping import scoped_staff, staff_label
from applications.services.errors import TransitionRefused

from ..models import LetterCategory, SupervisionCase
from ..supervision.scope import acting_units

TEMPLATE = "admin/monitoring/supervision/form.html"


def posted(request):
    """The POST data to bind a form to (even an empty POST: a confirm-only form), else None."""
    return request.POST if request.method == "POST" else None


def service_page(
    model_admin,
    request,
    *,
    form: forms.Form,
    title: str,
    perform: Callable[[dict], object],
    done: str,
    back_url: str,
    obj=None,
    submit: str = _("提交"),
):
    """Render `form`; on a valid POST call `perform(cleaned_data)` and go back to `back_url`."""
    if request.method == "POST" and form.is_valid():
        try:
            result = perform(form.cleaned_data)
        except TransitionRefused as exc:
            form.add_error(None, exc.message)
        else:
            if result is not None:
                model_admin.log_change(request, result, str(title))
            model_admin.message_user(request, done, messages.SUCCESS)
            return HttpResponseRedirect(back_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "object": obj,
        "form": form,
        "back_url": back_url,
        "submit": submit,
    }
    return TemplateResponse(request, TEMPLATE, context)


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj)


class LetterDraftForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("被监督单位"), queryset=None)
    category = forms.ChoiceField(label=_("问题类别"), choices=LetterCategory.choices)
    cases = forms.ModelMultipleChoiceField(
        label=_("监督线索"),
        queryset=SupervisionCase.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("待核实或已核实的线索；抽查发现的问题可不选线索"),
    )
    responsible_staff = StaffChoiceField(label=_("责任人"), queryset=None)
    findings = forms.CharField(label=_("监督发现"), widget=forms.Textarea(attrs={"rows": 5}))
    requirements = forms.CharField(
        label=_("整改要求"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    rectification_due = forms.DateField(
        label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, request, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = acting_units(request.user).order_by("code")
        self.fields["cases"].queryset = cases
        self.fields["responsible_staff"].queryset = scoped_staff(request)


class RectificationForm(forms.Form):
    text = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}))
    finished = forms.BooleanField(
        label=_("整改已完成"), required=False, help_text=_("勾选后提交签发人验收")
    )


class CloseForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("验收结论"),
        choices=[("1", _("通过，关闭意见书")), ("0", _("不通过，退回整改"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("验收意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmForm(forms.Form):
    """A POST with nothing to fill in (签发): the page says what will happen."""


class AssessmentForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("被考核人"), queryset=None)
    period = forms.DateField(
        label=_("考核期间"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("所属月份内任一日期"),
    )
    points = forms.DecimalField(label=_("扣分"), min_value=0, max_digits=6, decimal_places=1)
    amount = forms.DecimalField(
        label=_("考核金额（元）"), min_value=0, max_digits=10, decimal_places=2
    )
    reason = forms.CharField(label=_("考核事由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = scoped_staff(request)
        self.fields["staff"].label_from_instance = staff_label


class TotalsForm(forms.Form):
    start = forms.DateField(label=_("起始月份"), widget=forms.DateInput(attrs={"type": "month"}))
    end = forms.DateField(label=_("截止月份"), widget=forms.DateInput(attrs={"type": "month"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            self.fields[name].input_formats = ["%Y-%m", "%Y-%m-%d"]

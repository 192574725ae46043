"""Forms of the meeting pages; each page posts to a service in `monitoring.meetings.services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.admin.scoping import scoped_staff, staff_label
from applications.models import SchemeReview
from applications.states import State

from ..models import Meeting, SchemeVote
from ..supervision.scope import acting_units
from .supervision_forms import StaffChoiceField


class StaffField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("会议类型"), choices=Meeting.Kind.choices)
    unit = forms.ModelChoiceField(label=_("供电单位"), queryset=None)
    held_at = forms.DateTimeField(
        label=_("会议时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    topic = forms.CharField(label=_("会议主题"), max_length=200, required=False)
    chair = StaffField(label=_("主持人"), queryset=None)
    attendees = StaffChoiceField(
        label=_("参会人员"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = acting_units(request.user).order_by("code")
        self.fields["chair"].queryset = scoped_staff(request)
        self.fields["attendees"].queryset = scoped_staff(request)


class MinutesForm(forms.Form):
    attendees = StaffChoiceField(
        label=_("参会人员"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    problems = forms.CharField(
        label=_("客户经理反映的问题"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    decisions = forms.CharField(
        label=_("会议决定"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = scoped_staff(request)


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("待办事项"), max_length=200)
    owner = StaffField(label=_("责任人"), queryset=None)
    due_on = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = scoped_staff(request)


class ResultForm(forms.Form):
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))


class ReviewField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.application.number} {obj.application.customer.name}（第{obj.round}轮）"


class SchemeDecisionForm(forms.Form):
    """One vote field per attendee; the members of the scheme review group vote or sign off."""

    review = ReviewField(label=_("供电方案"), queryset=None)
    comment = forms.CharField(
        label=_("决策意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("未通过时写明修改意见"),
    )

    NOT_VOTING = ""

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        unit = meeting.unit
        self.fields["review"].queryset = SchemeReview.objects.filter(
            status=SchemeReview.Status.PENDING,
            application__state=State.SCHEME,
            application__unit__in=[unit, *unit.children.all()],
        ).select_related("application__customer")
        self.members = list(meeting.attendees.order_by("username"))
        choices = [(self.NOT_VOTING, _("未参加表决")), *SchemeVote.Vote.choices]
        for member in self.members:
            self.fields[f"vote_{member.pk}"] = forms.ChoiceField(
                label=staff_label(member), choices=choices, required=False
            )
            self.fields[f"note_{member.pk}"] = forms.CharField(
                label=_("%(name)s的说明") % {"name": staff_label(member)},
                required=False,
                max_length=500,
            )

    def votes(self) -> list[tuple]:
        """(member, vote, comment) of those who voted."""
        data = self.cleaned_data
        return [
            (m, data[f"vote_{m.pk}"], data[f"note_{m.pk}"])
            for m in self.members
            if data.get(f"vote_{m.pk}")
        ]

"""Dashboard, daily briefing and weekly pack: staff pages beside the admin, same login.

Each page is a `Report`; `?format=xlsx` returns the same report as an Excel workbook.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import privacy, roles, rules
from applications.admin.scoping import staff_label

from .briefing import Audience, build_briefing, build_weekly
from .dashboard import build_dashboard
from .filters import FilterForm, Period, visible_units
from .xlsx import xlsx_response

PERMISSION = "monitoring.view_dashboard"


def _require(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _render(request, template: str, report, form, **extra):
    if request.GET.get("format") == "xlsx":
        return xlsx_response(report)
    query = request.GET.copy()
    query["format"] = "xlsx"
    context = {
        **admin.site.each_context(request),
        "title": report.title,
        "report": report,
        "form": form,
        "export_query": query.urlencode(),
        **extra,
    }
    return TemplateResponse(request, template, context)


@staff_member_required
def dashboard(request):
    _require(request)
    form = FilterForm(request.GET or None, user=request.user, today=timezone.localdate())
    report = build_dashboard(
        user=request.user, request=request, filters=form.filters(), now=timezone.now()
    )
    return _render(request, "monitoring/dashboard/dashboard.html", report, form)


# --- Daily briefing -----------------------------------------------------------------------------


def _scoped_managers(user):
    staff = get_user_model().objects.filter(
        is_active=True, groups__name=roles.CUSTOMER_MANAGER, staff_profile__isnull=False
    )
    return rules.scope_to_user(staff, user, unit_field="staff_profile__unit").order_by("username")


class BriefingForm(forms.Form):
    day = forms.DateField(label=_("日期"), required=False)
    unit = forms.ModelChoiceField(
        label=_("供电单位"), queryset=None, required=False, empty_label=_("全部")
    )
    manager = forms.ModelChoiceField(
        label=_("客户经理"), queryset=None, required=False, empty_label=_("（按单位）")
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["day"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["unit"].queryset = visible_units(user)
        self.fields["manager"].queryset = _scoped_managers(user)
        self.fields["manager"].label_from_instance = staff_label
        self.user = user

    def audience(self) -> tuple[date, Audience]:
        self.is_valid()  # invalid fields (e.g. a unit out of scope) are dropped, not obeyed
        data = getattr(self, "cleaned_data", {})  # unbound: no choices yet
        day = data.get("day") or timezone.localdate()
        if data.get("manager"):
            return day, Audience(manager=data["manager"])
        if data.get("unit"):
            return day, Audience(unit=data["unit"])
        if not self.data:
            # First visit: a customer manager sees their own briefing, others their unit's.
            if self.user.groups.filter(name=roles.CUSTOMER_MANAGER).exists():
                return day, Audience(manager=self.user)
            unit_id = rules.user_unit_id(self.user)
            if unit_id is not None and not rules.sees_all_units(self.user):
                return day, Audience(unit=visible_units(self.user).get(pk=unit_id))
        return day, Audience()


@staff_member_required
def briefing(request):
    _require(request)
    form = BriefingForm(request.GET or None, user=request.user)
    day, audience = form.audience()
    report = build_briefing(
        user=request.user, request=request, audience=audience, day=day, now=timezone.now()
    )
    if request.GET.get("format") == "xlsx":
        # The callbacks to make carry customers' names and phones: an export of personal data.
        calls = report.table("callbacks_due")
        privacy.record_export(
            request,
            _("晨会材料 %(day)s") % {"day": day},
            rows=len(calls.rows),
            masked=not privacy.sees_personal_data(request.user),
        )
    return _render(request, "monitoring/dashboard/briefing.html", report, form)


# --- Weekly pack --------------------------------------------------------------------------------


class WeekInput(forms.TextInput):
    input_type = "week"


class WeeklyForm(FilterForm):
    week = forms.RegexField(
        label=_("周次"), regex=r"^\d{4}-W\d{2}$", required=False, widget=WeekInput
    )

    def __init__(self, data, *, user, today):
        super().__init__(data, user=user, today=today)
        for name in ("start", "end", "baseline_start", "baseline_end"):
            del self.fields[name]

    def clean_week(self):
        value = self.cleaned_data.get("week")
        if not value:
            return None
        year, week = value.split("-W")
        try:
            return Period.iso_week(int(year), int(week))
        except ValueError as exc:
            raise forms.ValidationError(_("周次无效。")) from exc

    def filters(self):
        base = super().filters()
        week = getattr(self, "cleaned_data", {}).get("week")
        if week is None:
            # The last full week by default: the meeting looks back.
            year, number, _day = (self.today - timedelta(days=7)).isocalendar()
            week = Period.iso_week(year, number)
        return base.with_period(week)


@staff_member_required
def weekly(request):
    _require(request)
    form = WeeklyForm(request.GET or None, user=request.user, today=timezone.localdate())
    filters = form.filters()
    report = build_weekly(user=request.user, request=request, filters=filters, now=timezone.now())
    year, number, _day = filters.period.start.isocalendar()
    return _render(
        request, "monitoring/dashboard/weekly.html", report, form, week=f"{year}-W{number:02d}"
    )

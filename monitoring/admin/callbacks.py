"""Callbacks in the admin: each caller's list for today, the record-outcome page, and a panel on
the application page. Rows are written only by `monitoring.callbacks`; nothing is edited here.
"""

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applications import privacy
from applications.admin.panels import register_panel
from applications.admin.scoping import ReadOnlyAdminMixin, UnitScopedAdminMixin, staff_label
from applications.services.errors import TransitionRefused
from applications.states import State

from .. import callbacks
from ..models import Callback, CustomerStep


def makes_callbacks(user) -> bool:
    return user.has_perm("monitoring.record_callback")


class DefaultingFilter(admin.SimpleListFilter):
    """A filter whose "no choice" is a default (per user), with an explicit "all" choice."""

    def __init__(self, request, params, model, model_admin):
        self.default = self.default_for(request)
        super().__init__(request, params, model, model_admin)

    def default_for(self, request) -> str:
        return "all"

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class TodoFilter(DefaultingFilter):
    title = _("回访日期")
    parameter_name = "todo"

    def default_for(self, request):
        return "due" if makes_callbacks(request.user) else "all"

    def lookups(self, request, model_admin):
        return [
            ("due", _("今日及以前待回访")),
            ("today", _("今日待回访")),
            ("overdue", _("已逾期")),
            ("all", _("全部")),
        ]

    def queryset(self, request, queryset):
        start, end = callbacks.day_bounds(timezone.localdate())
        span = {"due": (None, end), "today": (start, end), "overdue": (None, start)}
        if self.value() not in span:
            return queryset
        return queryset.to_do_between(*span[self.value()])


class AssigneeFilter(DefaultingFilter):
    title = _("回访人")
    parameter_name = "assignee"

    def default_for(self, request):
        return "me" if makes_callbacks(request.user) else "all"

    def lookups(self, request, model_admin):
        return [("me", _("我的回访")), ("unassigned", _("未分配")), ("all", _("全部"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "unassigned":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class AskedSelect(forms.NullBooleanSelect):
    """Yes / no / not asked, in words a caller uses."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("未询问")), ("true", _("是")), ("false", _("否"))]


class CallbackOutcomeForm(forms.Form):
    """What the caller heard; the service checks it and decides what it means."""

    reached = forms.TypedChoiceField(
        label=_("是否接通"),
        choices=[("1", _("已接通")), ("0", _("未接通"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    customer_confirmed_applied = forms.NullBooleanField(
        label=_("客户确认本人以此方式申请"),
        required=False,
        widget=AskedSelect,
        help_text=_("受理回访必填"),
    )
    customer_reported_step = forms.ChoiceField(
        label=_("客户反映的现场进度"),
        choices=[("", "—"), *CustomerStep.choices],
        required=False,
        help_text=_("到期日回访必填：问客户现场实际到了哪一步"),
    )
    off_record_request = forms.BooleanField(
        label=_("有线外要求"), required=False, help_text=_("客户是否被要求线外办理、付费或指定单位")
    )
    off_record_detail = forms.CharField(
        label=_("线外要求说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        choices=[("", "—"), *((n, str(n)) for n in range(5, 0, -1))],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("1–5分，5分最满意；满意度回访必填"),
    )
    comments = forms.CharField(
        label=_("客户意见及备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit"
    change_form_template = "admin/monitoring/callback/change_form.html"
    list_display = [
        "application_link",
        "customer_phone",
        "kind",
        "stage",
        "status",
        "try_at_display",
        "attempts",
        "assignee",
        "suspected_off_system",
        "satisfaction",
        "record_link",
    ]
    list_filter = [
        TodoFilter,
        AssigneeFilter,
        "kind",
        "status",
        "suspected_off_system",
        ("unit", admin.RelatedOnlyFieldListFilter),
        # The dashboard's class and small/micro filters: its callback figures link here.
        "application__customer_class",
        "application__is_small_micro",
    ]
    list_select_related = ["application__customer", "clock", "assigned_to"]
    search_fields = [
        "application__number",
        "application__customer__name",
        "application__customer__phone",
    ]
    ordering = ["due_at", "pk"]
    fieldsets = [
        (
            _("回访任务"),
            {
                "fields": [
                    ("application", "unit"),
                    ("kind", "clock"),
                    ("assigned_to", "due_at"),
                    ("status", "attempts"),
                    ("next_try_at", "last_attempt_at", "closed_at"),
                    "cancel_reason",
                ]
            },
        ),
        (
            _("回访结果"),
            {
                "fields": [
                    ("reached_at", "recorded_by"),
                    "customer_confirmed_applied",
                    ("customer_reported_step", "system_step", "system_state_display"),
                    "progress_matches",
                    ("off_record_request", "off_record_detail"),
                    "satisfaction",
                    "comments",
                ]
            },
        ),
        (_("线外流转"), {"fields": [("suspected_off_system", "suspicion_reason")]}),
    ]
    readonly_fields = ["system_state_display"]

    @admin.display(description=_("工单编号"), ordering="application__number")
    def application_link(self, obj):
        url = reverse("admin:applications_application_change", args=[obj.application_id])
        return format_html(
            '<a href="{}">{}</a> {}', url, obj.application.number, obj.application.customer
        )

    @admin.display(description=_("联系电话"))
    def customer_phone(self, obj):
        return privacy.mask_phone(obj.application.customer.phone)  # whole on the record page

    @admin.display(description=_("环节"))
    def stage(self, obj):
        return obj.clock.get_stage_display() if obj.clock_id else "—"

    @admin.display(description=_("应回访时间"), ordering="due_at")
    def try_at_display(self, obj):
        return obj.try_at_text()

    @admin.display(description=_("回访人"), ordering="assigned_to__username")
    def assignee(self, obj):
        return staff_label(obj.assigned_to) if obj.assigned_to_id else _("未分配")

    @admin.display(description=_("回访时系统环节"))
    def system_state_display(self, obj):
        return State(obj.system_state).label if obj.system_state else "—"

    @admin.display(description=_("操作"))
    def record_link(self, obj):
        if not obj.is_open:
            return "—"
        url = reverse("admin:monitoring_callback_record", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("登记结果"))

    # --- Each caller starts from their own list for today -----------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        mine_today = (
            makes_callbacks(request.user)
            and TodoFilter.parameter_name not in request.GET
            and AssigneeFilter.parameter_name not in request.GET
        )
        if mine_today:
            extra_context.setdefault("title", _("我的今日回访"))
        return super().changelist_view(request, extra_context)

    # --- Outcomes go through the service ------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/record/",
                self.admin_site.admin_view(self.record_view),
                name="monitoring_callback_record",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        callback = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if callback is not None and callbacks.outcome_refusal(callback, request.user) is None:
            extra_context["record_url"] = reverse(
                "admin:monitoring_callback_record", args=[callback.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def record_view(self, request, object_id):
        callback = self.get_object(request, object_id)
        if callback is None or not self.has_view_permission(request, callback):
            raise Http404(_("回访不存在，或不属于您的供电单位。"))
        form = CallbackOutcomeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                callback = callbacks.record_outcome(callback, request.user, **form.cleaned_data)
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                self.log_change(request, callback, str(_("登记回访结果")))
                self._report(request, callback)
                return HttpResponseRedirect(reverse("admin:monitoring_callback_changelist"))
        application = callback.application
        refusal = callbacks.outcome_refusal(callback, request.user)
        # Whoever may record the callback dials the number: they see it whole (logged).
        full_phone = refusal is None or privacy.sees_personal_data(
            request.user, application=application
        )
        if full_phone:
            privacy.record_view(
                request, application.customer, subject=f"{callback} {application.customer.name}"
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("登记回访结果：%(callback)s") % {"callback": callback},
            "callback": callback,
            "application": application,
            "customer": application.customer,
            "system_step": callbacks.system_step(application),
            "refusal": refusal,
            "full_phone": full_phone,
            "form": form,
            "change_url": reverse("admin:monitoring_callback_change", args=[callback.pk]),
        }
        if context["system_step"]:
            context["system_step"] = CustomerStep(context["system_step"]).label
        return TemplateResponse(request, "admin/monitoring/callback/record.html", context)

    def _report(self, request, callback: Callback) -> None:
        if callback.status == Callback.Status.UNREACHED:
            when = timezone.localtime(callback.next_try_at).strftime("%Y-%m-%d %H:%M")
            self.message_user(request, _("未接通，已安排于%(when)s重拨。") % {"when": when})
        elif callback.status == Callback.Status.UNREACHABLE:
            self.message_user(request, _("已三次未接通，标记为无法联系。"), messages.WARNING)
        elif callback.suspected_off_system:
            self.message_user(
                request,
                _("已登记，疑似线外流转：%(reason)s。已提交监督。")
                % {"reason": callback.suspicion_reason},
                messages.WARNING,
            )
        else:
            self.message_user(request, _("回访结果已登记。"), messages.SUCCESS)


@register_panel("admin/monitoring/callback/panel.html", order=20)
def callbacks_panel(request, application):
    """The application's callbacks and what they turned up, on its change page."""
    if not request.user.has_perm("monitoring.view_callback"):
        return None
    rows = []
    for callback in application.callbacks.select_related("clock", "assigned_to").order_by(
        "due_at", "pk"
    ):
        callback.application = application  # outcome_refusal reads it; no query per row
        may_record = callbacks.outcome_refusal(callback, request.user) is None
        rows.append(
            {
                "callback": callback,
                "change_url": reverse("admin:monitoring_callback_change", args=[callback.pk]),
                "record_url": reverse("admin:monitoring_callback_record", args=[callback.pk])
                if may_record
                else None,
            }
        )
    return {
        "rows": rows,
        "flagged": [r["callback"] for r in rows if r["callback"].suspected_off_system],
    }

"""The routines in the admin: 督办 items (set, progress, close, re-time, void), 纪检's queue of
discipline matters (and the 移交纪检 pages of cases and complaints), rewards with 奖惩汇总.

Every step is a page calling its service (`monitoring.routines`); nothing here is deleted.
"""

from __future__ import annotations

from datetime import date

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import rules
from applications.admin.scoping import UnitScopedAdminMixin, staff_label
from applications.models import Unit

from .. import deadlines
from ..models import (
    Complaint,
    DisciplineHandover,
    Reward,
    SupervisionCase,
    SupervisionItem,
    SupervisionItemNote,
)
from ..routines import discipline, items, rewards
from ..supervision.scope import in_unit_scope
from .letters import xlsx_download
from .routine_forms import ConclusionForm, ItemForm, NoteForm, ResultForm, RetimeForm, RewardForm
from .supervision import NoDeleteMixin
from .supervision_forms import ReasonForm, TotalsForm, posted, service_page

CHANGE_FORM = "admin/monitoring/routines/change_form.html"


def _flat(fields) -> list[str]:
    return [f for row in fields for f in (row if isinstance(row, tuple) else [row])]


class StepsMixin:
    """Each step of a record is a page `<pk>/<step>/` whose form goes to a service.

    `steps` maps a step to (button label, form class, whether the form takes the request,
    service call(record, user, data), check(request, record) -> whether to offer it).
    """

    steps: dict = {}

    def _name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/step/<str:step>/",
                self.admin_site.admin_view(self.step_view),
                name=self._name("step"),
            ),
            *super().get_urls(),
        ]

    def _step_url(self, obj, step: str) -> str:
        return reverse(f"admin:{self._name('step')}", args=[obj.pk, step])

    def _change_url(self, obj) -> str:
        return reverse(f"admin:{self._name('change')}", args=[obj.pk])

    def step_buttons(self, request, obj) -> list[dict]:
        return [
            {"label": label, "url": self._step_url(obj, step)}
            for step, (label, _form, _req, _call, offered) in self.steps.items()
            if offered(request, obj)
        ]

    def step_view(self, request, object_id, step):
        obj = self.get_object(request, object_id)
        if obj is None or step not in self.steps:
            raise Http404(_("记录不存在，或不属于您的管辖范围。"))
        label, form_class, takes_request, call, offered = self.steps[step]
        if not offered(request, obj):
            # A hand-made POST is refused like a missing button (the service would refuse too).
            raise PermissionDenied(_("您不能对该记录办理“%(step)s”。") % {"step": label})
        extra = {"request": request} if takes_request else {}
        return service_page(
            self,
            request,
            form=form_class(posted(request), **extra),
            title=f"{label}：{obj}",
            perform=lambda data: call(obj, request.user, data),
            done=_("%(step)s完成。") % {"step": label},
            back_url=self._change_url(obj),
            obj=obj,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None:
            extra_context["buttons"] = self.step_buttons(request, obj)
            extra_context["deadline_panel"] = self.deadline_panel(obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def deadline_panel(self, obj) -> dict | None:
        return None


# --- 督办 items --------------------------------------------------------------------------------


def _may_handle(request, item) -> bool:
    return item.is_open and items._handler_refusal(request.user, item) is None


def _may_lead(request, item, codename="set_supervisionitem") -> bool:
    user = request.user
    return user.has_perm(f"monitoring.{codename}") and in_unit_scope(user, item.unit)


class NoteInline(admin.TabularInline):
    model = SupervisionItemNote
    fields = ["at", "author", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupervisionItem)
class SupervisionItemAdmin(StepsMixin, NoDeleteMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit"
    change_form_template = CHANGE_FORM
    list_display = ["title", "unit", "owner_display", "set_by", "due_date", "clock", "status"]
    list_filter = ["status", ("unit", admin.RelatedOnlyFieldListFilter), "due_date"]
    list_select_related = ["unit", "owner", "set_by"]
    search_fields = ["title", "problem", "application__number", "project__number"]
    date_hierarchy = "due_date"
    fields = [
        "title",
        "problem",
        ("application", "project", "letter"),
        ("unit", "owner", "due_date"),
        ("set_by", "set_at"),
        "status",
        "result",
        ("closed_by", "closed_at"),
        ("voided_by", "voided_at"),
        "void_reason",
    ]
    readonly_fields = _flat(fields)
    inlines = [NoteInline]
    steps = {
        "note": (
            gettext_lazy("填报进展"),
            NoteForm,
            False,
            lambda item, user, d: items.add_note(item, user, text=d["text"]) and item,
            _may_handle,
        ),
        "close": (
            gettext_lazy("办结"),
            ResultForm,
            False,
            lambda item, user, d: items.close_item(item, user, result=d["result"]),
            _may_handle,
        ),
        "retime": (
            gettext_lazy("调整责任人或期限"),
            RetimeForm,
            True,
            lambda item, user, d: items.retime_item(item, user, **d),
            lambda request, item: item.is_open and _may_lead(request, item),
        ),
        "void": (
            gettext_lazy("作废"),
            ReasonForm,
            False,
            lambda item, user, d: items.void_item(item, user, reason=d["reason"]),
            lambda request, item: (
                item.status != SupervisionItem.Status.VOID
                and _may_lead(request, item, "void_supervisionitem")
            ),
        ),
    }

    def has_add_permission(self, request):
        return request.user.has_perm("monitoring.set_supervisionitem")

    def has_change_permission(self, request, obj=None):
        return False  # every step is a page of its own, through the service

    @admin.display(description=gettext_lazy("责任人"), ordering="owner__username")
    def owner_display(self, obj):
        return staff_label(obj.owner)

    @admin.display(description=gettext_lazy("时限"))
    def clock(self, obj):
        deadline = deadlines.open_for(obj)
        if deadline is None:
            return "—"
        label, colour = deadlines.status(deadline, timezone.now())
        return format_html('<span class="deadline-{}">{}</span>', colour, label)

    def deadline_panel(self, obj):
        return {"rows": deadlines.deadlines_panel_rows(obj)}

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied(_("您没有“下达督办事项”的权限。"))
        return service_page(
            self,
            request,
            form=ItemForm(posted(request), request=request),
            title=_("下达督办事项"),
            perform=lambda data: items.set_item(user=request.user, **data),
            done=_("督办事项已下达。"),
            back_url=reverse("admin:monitoring_supervisionitem_changelist"),
            submit=_("下达"),
        )


# --- Hand-over to 纪检 ----------------------------------------------------------------------------


@admin.register(DisciplineHandover)
class DisciplineHandoverAdmin(StepsMixin, NoDeleteMixin, admin.ModelAdmin):
    """纪检's queue (移交纪检): only 纪检 sees it, and the records in it."""

    change_form_template = CHANGE_FORM
    list_display = ["handed_over_at", "subject", "unit", "reason", "handed_over_by", "status"]
    list_filter = ["status", ("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["case", "complaint", "unit", "handed_over_by"]
    search_fields = ["reason", "evidence", "complaint__number", "case__application__number"]
    fields = [
        ("case", "complaint"),
        "unit",
        "reason",
        "evidence",
        ("handed_over_by", "handed_over_at"),
        "status",
        "conclusion",
        ("concluded_by", "concluded_at"),
    ]
    readonly_fields = _flat(fields)
    steps = {
        "conclude": (
            gettext_lazy("办结"),
            ConclusionForm,
            False,
            lambda h, user, d: discipline.conclude(h, user, conclusion=d["conclusion"]),
            lambda request, h: (
                h.status == DisciplineHandover.Status.PENDING
                and request.user.has_perm("monitoring.conclude_handover")
            ),
        ),
    }

    def get_queryset(self, request):
        return discipline.queue(request.user)

    def has_module_permission(self, request):
        return discipline.sees_discipline_matters(request.user)

    def has_view_permission(self, request, obj=None):
        return discipline.sees_discipline_matters(request.user)

    def has_add_permission(self, request):
        return False  # a hand-over starts from the case's or the complaint's page

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("移交事项"))
    def subject(self, obj):
        record = obj.case or obj.complaint
        info = "supervisioncase" if obj.case_id else "complaint"
        url = reverse(f"admin:monitoring_{info}_change", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, record)

    def get_urls(self):
        return [
            path(
                "case/<int:pk>/",
                self.admin_site.admin_view(self.case_view),
                name="monitoring_disciplinehandover_case",
            ),
            path(
                "complaint/<int:pk>/",
                self.admin_site.admin_view(self.complaint_view),
                name="monitoring_disciplinehandover_complaint",
            ),
            *super().get_urls(),
        ]

    def case_view(self, request, pk):
        return self._hand_over(request, SupervisionCase, pk, discipline.hand_over_case)

    def complaint_view(self, request, pk):
        return self._hand_over(request, Complaint, pk, discipline.hand_over_complaint)

    def _hand_over(self, request, model, pk, service):
        if not request.user.has_perm("monitoring.hand_over_discipline"):
            raise PermissionDenied(_("您没有“移交纪检”的权限。"))
        # The record as its own admin shows it to this user: scoped, hidden ones absent.
        record_admin = self.admin_site._registry[model]
        record = record_admin.get_queryset(request).filter(pk=pk).first()
        if record is None:
            raise Http404(_("记录不存在，或不属于您的管辖范围。"))
        changelist = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        return service_page(
            record_admin,
            request,
            form=ReasonForm(posted(request)),
            title=_("移交纪检：%(record)s") % {"record": record},
            perform=lambda data: service(record, request.user, reason=data["reason"]) and record,
            done=_("已移交纪检，此后仅纪检可见。"),
            # Back to the list: the record itself is 纪检's alone from now on.
            back_url=reverse(changelist),
            obj=record,
            submit=_("移交"),
        )


# --- Rewards ----------------------------------------------------------------------------------


@admin.register(Reward)
class RewardAdmin(StepsMixin, NoDeleteMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit"
    change_list_template = "admin/monitoring/reward/change_list.html"
    change_form_template = CHANGE_FORM
    list_display = [
        "period_display",
        "staff_display",
        "unit",
        "category",
        "points",
        "amount",
        "status",
    ]
    list_filter = ["status", "category", "period", ("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["staff", "unit"]
    search_fields = ["staff__first_name", "staff__username", "reason", "evidence"]
    fields = [
        ("staff", "unit"),
        ("period", "category"),
        ("points", "amount"),
        "reason",
        "evidence",
        "evidence_link",
        ("application", "callback"),
        "status",
        ("created_by", "created_at"),
        ("voided_by", "voided_at"),
        "void_reason",
    ]
    readonly_fields = _flat(fields)
    steps = {
        "void": (
            gettext_lazy("作废"),
            ReasonForm,
            False,
            lambda reward, user, d: rewards.void_reward(reward, user, reason=d["reason"]),
            lambda request, reward: (
                reward.status == Reward.Status.ACTIVE
                and request.user.has_perm("monitoring.void_reward")
            ),
        ),
    }

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("奖励期间"), ordering="period")
    def period_display(self, obj):
        return f"{obj.period:%Y-%m}"

    @admin.display(description=gettext_lazy("受奖人"), ordering="staff__username")
    def staff_display(self, obj):
        return staff_label(obj.staff) if obj.staff_id else _("（单位）")

    @admin.display(description=gettext_lazy("依据链接"))
    def evidence_link(self, obj):
        if not obj.evidence_url:
            return "—"
        return format_html('<a href="{}" rel="noopener">{}</a>', obj.evidence_url, obj.evidence_url)

    def get_urls(self):
        return [
            path(
                "totals/",
                self.admin_site.admin_view(self.totals_view),
                name="monitoring_reward_totals",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied(_("您没有“登记奖励”的权限。"))
        return service_page(
            self,
            request,
            form=RewardForm(posted(request), request=request),
            title=_("登记奖励"),
            perform=lambda data: rewards.create_reward(user=request.user, **data),
            done=_("奖励已登记。"),
            back_url=reverse("admin:monitoring_reward_changelist"),
            submit=_("登记"),
        )

    def totals_view(self, request):
        """奖惩汇总: rewards and assessments per person and per unit, per month."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        form = TotalsForm(request.GET or {"start": f"{today:%Y}-01", "end": f"{today:%Y-%m}"})
        start, end = (date(today.year, 1, 1), today)
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        units = None
        if not rules.sees_all_units(request.user):
            units = rules.scope_to_user(Unit.objects.all(), request.user, unit_field="")
        totals = rewards.standing(start=start, end=end, units=units)
        if request.GET.get("format") == "xlsx":
            return self._totals_xlsx(totals, start, end)
        query = request.GET.copy()
        query["format"] = "xlsx"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("奖惩汇总（%(start)s 至 %(end)s）")
            % {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}"},
            "form": form,
            "totals": totals,
            "xlsx_url": f"?{query.urlencode()}",
        }
        return TemplateResponse(request, "admin/monitoring/reward/totals.html", context)

    def _totals_xlsx(self, totals, start, end) -> HttpResponse:
        headers = [
            _("期间"),
            _("单位"),
            _("人员"),
            _("奖励次数"),
            _("加分"),
            _("奖励金额（元）"),
            _("考核人次"),
            _("扣分"),
            _("考核金额（元）"),
            _("奖惩相抵（元）"),
        ]
        lines = [*totals["per_person"], *totals["per_unit"], totals["total"]]
        rows = [
            [
                f"{s.period:%Y-%m}" if s.period else _("合计"),
                s.unit,
                s.staff or (_("（单位合计）") if s.period else ""),
                s.rewards.count,
                s.rewards.points,
                s.rewards.amount,
                s.assessments.count,
                s.assessments.points,
                s.assessments.amount,
                s.net_amount,
            ]
            for s in lines
        ]
        return xlsx_download(
            f"rewards-assessments-{start:%Y%m}-{end:%Y%m}.xlsx", _("奖惩汇总"), headers, rows
        )

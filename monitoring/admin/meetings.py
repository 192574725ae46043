"""Meeting records in the admin: read-only pages whose buttons open one service each, the
agenda and minutes on the record's page, a clean print page and the Excel export.

Staff see their unit's meetings (supervisors and inspectors every unit); nothing is deleted.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.admin.scoping import UnitScopedAdminMixin

from ..dashboard.xlsx import xlsx_response
from ..meetings import minutes as M
from ..meetings import services
from ..models import ActionItem, Meeting
from .meeting_forms import (
    ActionItemForm,
    MeetingForm,
    MinutesForm,
    ResultForm,
    SchemeDecisionForm,
)
from .supervision import NoDeleteMixin
from .supervision_forms import ConfirmForm, ReasonForm, posted, service_page

Status = Meeting.Status
WRITE, VOID = services.WRITE, services.VOID
# Each step: (url name, label, statuses it applies to, permission, kinds or None for all).
STEPS = [
    ("minutes", gettext_lazy("撰写纪要"), {Status.DRAFT}, WRITE, None),
    ("refresh", gettext_lazy("重新生成议程"), {Status.DRAFT}, WRITE, None),
    ("action", gettext_lazy("布置待办"), {Status.DRAFT}, WRITE, None),
    ("decide", gettext_lazy("方案集体决策"), {Status.DRAFT}, WRITE, {Meeting.Kind.WEEKLY}),
    ("issue", gettext_lazy("印发纪要"), {Status.DRAFT}, WRITE, None),
    ("void", gettext_lazy("作废"), {Status.DRAFT, Status.ISSUED}, VOID, None),
]


def _name(step: str) -> str:
    return f"monitoring_meeting_{step}"


@admin.register(Meeting)
class MeetingAdmin(NoDeleteMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit"
    change_form_template = "admin/monitoring/meeting/change_form.html"
    list_display = ["held_at", "kind", "unit", "topic", "chair", "status", "issued_at"]
    list_filter = ["kind", "status", "unit"]
    search_fields = ["topic", "minutes", "decisions", "problems"]
    date_hierarchy = "held_at"
    list_select_related = ["unit", "chair"]
    fields = [
        ("kind", "unit", "held_at"),
        "topic",
        ("chair", "created_by"),
        "attendees",
        "status",
        ("issued_by", "issued_at"),
        ("voided_by", "voided_at"),
        "void_reason",
    ]
    readonly_fields = [
        "kind",
        "unit",
        "held_at",
        "topic",
        "chair",
        "created_by",
        "attendees",
        "status",
        "issued_by",
        "issued_at",
        "voided_by",
        "voided_at",
        "void_reason",
    ]
    actions = ["export_xlsx"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")

    def has_add_permission(self, request):
        return request.user.has_perm(WRITE)

    def has_change_permission(self, request, obj=None):
        return False  # every change is a step page calling its service

    def get_urls(self):
        own = [
            path("new/", self.admin_site.admin_view(self.new_view), name=_name("new")),
            path(
                "<path:object_id>/print/",
                self.admin_site.admin_view(self.print_view),
                name=_name("print"),
            ),
            path(
                "<path:object_id>/xlsx/",
                self.admin_site.admin_view(self.xlsx_view),
                name=_name("xlsx"),
            ),
        ]
        own += [
            path(
                f"<path:object_id>/{step}/",
                self.admin_site.admin_view(self.step_view),
                {"step": step},
                name=_name(step),
            )
            for step, *_rest in STEPS
        ]
        return own + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:" + _name("new")))

    def steps_for(self, request, meeting) -> list[dict]:
        """The buttons this user may press on this record now."""
        return [
            {"label": label, "url": reverse("admin:" + _name(step), args=[meeting.pk])}
            for step, label, statuses, perm, kinds in STEPS
            if meeting.status in statuses
            and request.user.has_perm(perm)
            and (kinds is None or meeting.kind in kinds)
        ]

    def _meeting(self, request, object_id) -> Meeting:
        meeting = self.get_object(request, object_id)
        if meeting is None:
            raise Http404(_("会议记录不存在，或不属于您的供电单位。"))
        return meeting

    def change_view(self, request, object_id, form_url="", extra_context=None):
        meeting = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if meeting is not None:
            extra_context["buttons"] = [
                *self.steps_for(request, meeting),
                {
                    "label": _("打印"),
                    "url": reverse("admin:" + _name("print"), args=[meeting.pk]),
                    "target": "_blank",
                },
                {
                    "label": _("导出Excel"),
                    "url": reverse("admin:" + _name("xlsx"), args=[meeting.pk]),
                },
            ]
            record, agenda = M.split(M.minutes_report(meeting))
            extra_context.update(record_tables=record, agenda_tables=agenda)
        return super().change_view(request, object_id, form_url, extra_context)

    def new_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied(_("您没有“记录会议、撰写并印发会议纪要”的权限。"))
        initial = {"held_at": timezone.localtime().replace(second=0, microsecond=0)}
        form = MeetingForm(posted(request), initial=initial, request=request)
        return service_page(
            self,
            request,
            form=form,
            title=_("记录会议"),
            perform=lambda d: services.create_meeting(user=request.user, request=request, **d),
            done=_("会议记录已创建，议程已按当前数据生成。"),
            back_url=reverse("admin:monitoring_meeting_changelist"),
            submit=_("创建并生成议程"),
        )

    def step_view(self, request, object_id, step):
        meeting = self._meeting(request, object_id)
        url = reverse("admin:" + _name(step), args=[meeting.pk])
        if url not in [shown["url"] for shown in self.steps_for(request, meeting)]:
            raise PermissionDenied(_("您现在不能办理该会议记录的这一步。"))
        user, data = request.user, posted(request)
        forms = {
            "minutes": lambda: MinutesForm(
                data,
                request=request,
                initial={
                    "attendees": meeting.attendees.all(),
                    "problems": meeting.problems,
                    "decisions": meeting.decisions,
                    "minutes": meeting.minutes,
                },
            ),
            "action": lambda: ActionItemForm(data, request=request),
            "decide": lambda: SchemeDecisionForm(data, meeting=meeting),
            "void": lambda: ReasonForm(data),
        }
        form = forms.get(step, lambda: ConfirmForm(data))()
        performs = {
            "minutes": (
                lambda d: services.write_minutes(meeting, user=user, **d),
                _("会议纪要已保存。"),
            ),
            "refresh": (
                lambda d: services.refresh_agenda(meeting, user=user, request=request),
                _("议程已按当前数据重新生成。"),
            ),
            "action": (
                lambda d: services.add_action_item(meeting, user=user, **d),
                _("待办已布置，开始计时。"),
            ),
            "decide": (
                lambda d: services.decide_scheme(
                    meeting,
                    review=d["review"],
                    votes=[services.MemberVote(*v) for v in form.votes()],
                    comment=d["comment"],
                    user=user,
                ),
                _("集体决策已记录，方案会签随之办结。"),
            ),
            "issue": (
                lambda d: services.issue_minutes(meeting, user=user),
                _("会议纪要已印发，记录不再修改。"),
            ),
            "void": (
                lambda d: services.void_meeting(meeting, user=user, reason=d["reason"]),
                _("会议记录已作废。"),
            ),
        }
        perform, done = performs[step]
        label = next(label for s, label, *_rest in STEPS if s == step)
        return service_page(
            self,
            request,
            form=form,
            title=f"{label}：{meeting}",
            perform=perform,
            done=done,
            back_url=reverse("admin:monitoring_meeting_change", args=[meeting.pk]),
            obj=meeting,
            submit=label,
        )

    def print_view(self, request, object_id):
        meeting = self._meeting(request, object_id)
        report = M.minutes_report(meeting)
        record, agenda = M.split(report)
        context = {
            "meeting": meeting,
            "report": report,
            "record_tables": record,
            "agenda_tables": agenda,
        }
        return TemplateResponse(request, "admin/monitoring/meeting/print.html", context)

    def xlsx_view(self, request, object_id):
        return xlsx_response(M.minutes_report(self._meeting(request, object_id)))

    @admin.action(description=gettext_lazy("导出所选会议纪要（Excel，每次一条）"))
    def export_xlsx(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一条会议记录导出。"), level="warning")
            return None
        return xlsx_response(M.minutes_report(queryset.get()))


@admin.register(ActionItem)
class ActionItemAdmin(NoDeleteMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "meeting__unit"
    change_form_template = "admin/monitoring/supervision/change_form.html"
    list_display = ["title", "owner", "due_on", "status", "meeting", "closed_at"]
    list_filter = ["status", "meeting__kind", "meeting__unit"]
    search_fields = ["title", "result"]
    list_select_related = ["owner", "meeting__unit"]
    fields = ["meeting", "title", "owner", "due_on", "status", "result", "closed_by", "closed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # set at a meeting (the meeting's page)

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        own = [
            path(
                f"<path:object_id>/{step}/",
                self.admin_site.admin_view(self.step_view),
                {"step": step},
                name=f"monitoring_actionitem_{step}",
            )
            for step in ("complete", "cancel")
        ]
        return own + super().get_urls()

    def _allowed(self, request, item, step) -> bool:
        if item.status != ActionItem.Status.OPEN:
            return False
        if step == "complete":
            return item.owner_id == request.user.pk or request.user.has_perm(services.COMPLETE)
        return request.user.has_perm(WRITE)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if item is not None:
            labels = {"complete": _("登记办理结果"), "cancel": _("撤销待办")}
            extra_context["buttons"] = [
                {
                    "label": label,
                    "url": reverse(f"admin:monitoring_actionitem_{step}", args=[item.pk]),
                }
                for step, label in labels.items()
                if self._allowed(request, item, step)
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def step_view(self, request, object_id, step):
        item = self.get_object(request, object_id)
        if item is None:
            raise Http404(_("待办不存在，或不属于您的供电单位。"))
        if not self._allowed(request, item, step):
            raise PermissionDenied(_("您现在不能办理该待办的这一步。"))
        user = request.user
        if step == "complete":
            form = ResultForm(posted(request))
            perform = lambda d: services.complete_action_item(item, user=user, result=d["result"])  # noqa: E731
            done, label = _("待办已办结。"), _("登记办理结果")
        else:
            form = ReasonForm(posted(request))
            perform = lambda d: services.cancel_action_item(item, user=user, reason=d["reason"])  # noqa: E731
            done, label = _("待办已撤销。"), _("撤销待办")
        return service_page(
            self,
            request,
            form=form,
            title=f"{label}：{item}",
            perform=perform,
            done=done,
            back_url=reverse("admin:monitoring_actionitem_change", args=[item.pk]),
            obj=item,
            submit=label,
        )

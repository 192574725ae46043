"""Supervision letters and assessments in the admin: each step a page calling its service, a
print view and Excel exports, the assessment totals per person and unit per period.

Nothing is deleted: letters and assessments are voided with a reason (logged).
"""

from __future__ import annotations

from datetime import date

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import rules
from applications.admin.scoping import UnitScopedAdminMixin, staff_label
from applications.ledger.xlsx import SheetWriter, new_workbook, save, write_rows
from applications.models import Unit

from .. import complaints
from ..models import Assessment, SupervisionCase, SupervisionEvent, SupervisionLetter
from ..supervision import assessments, letters
from .supervision import NoDeleteMixin
from .supervision_forms import (
    AssessmentForm,
    CloseForm,
    ConfirmForm,
    LetterDraftForm,
    ReasonForm,
    RectificationForm,
    TotalsForm,
    posted,
    service_page,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Status = SupervisionLetter.Status


def xlsx_download(filename: str, title: str, headers, rows) -> HttpResponse:
    return xlsx_bytes_download(filename, write_rows(title, headers, rows))


def xlsx_bytes_download(filename: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _names(users) -> str:
    return "、".join(staff_label(u) for u in users)


class EventInline(admin.TabularInline):
    model = SupervisionEvent
    fields = ["at", "action", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LetterEventInline(EventInline):
    fk_name = "letter"


class AssessmentEventInline(EventInline):
    fk_name = "assessment"


# Each step: (url name, label, the letter statuses it applies to, permission or None).
LETTER_STEPS = [
    ("issue", gettext_lazy("签发"), [Status.DRAFT], "monitoring.issue_letter"),
    ("rectify", gettext_lazy("登记整改"), [Status.ISSUED, Status.RECTIFYING], None),
    ("close", gettext_lazy("验收"), [Status.RECTIFIED], "monitoring.close_letter"),
    (
        "void",
        gettext_lazy("作废"),
        [s for s in Status.values if s != Status.VOID],
        "monitoring.void_letter",
    ),
]


@admin.register(SupervisionLetter)
class SupervisionLetterAdmin(NoDeleteMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit"
    change_form_template = "admin/monitoring/supervision/change_form.html"
    list_display = [
        "number_display",
        "category",
        "unit",
        "responsible_display",
        "status",
        "issued_at",
        "rectification_due",
        "closed_at",
    ]
    list_filter = ["status", "category", ("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["unit"]
    search_fields = ["number", "findings", "responsible_staff__first_name"]
    date_hierarchy = "issued_at"
    readonly_fields = [
        "number",
        "category",
        "unit",
        "status",
        "cases_display",
        "responsible_display",
        "findings",
        "requirements",
        "rectification_due",
        "deadline_display",
        "created_by",
        "created_at",
        "issued_by",
        "issued_at",
        "rectification",
        "rectified_by",
        "rectified_at",
        "closed_by",
        "closed_at",
        "closing_note",
        "voided_by",
        "voided_at",
        "void_reason",
    ]
    fields = readonly_fields
    inlines = [LetterEventInline]
    actions = ["export_xlsx"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("responsible_staff")

    def has_change_permission(self, request, obj=None):
        return False  # every step is a page of its own, through the service

    @admin.display(description=gettext_lazy("意见书编号"), ordering="number")
    def number_display(self, obj):
        return obj.number or _("（草稿）")

    @admin.display(description=gettext_lazy("责任人"))
    def responsible_display(self, obj):
        return _names(obj.responsible_staff.all())

    @admin.display(description=gettext_lazy("监督线索"))
    def cases_display(self, obj):
        cases = obj.cases.select_related("application")
        return (
            format_html_join(
                "",
                '<p><a href="{}">{}</a>：{}</p>',
                (
                    (
                        reverse("admin:monitoring_supervisioncase_change", args=[c.pk]),
                        c.application.number if c.application_id else c.pk,
                        c.evidence_text,
                    )
                    for c in cases
                ),
            )
            or "—"
        )

    @admin.display(description=gettext_lazy("整改时限"))
    def deadline_display(self, obj):
        deadline = letters.rectification_deadline(obj)
        if deadline is None:
            return "—"
        due = timezone.localtime(deadline.due_at)
        return f"{deadline.get_outcome_display()}（{_('到期')} {due:%Y-%m-%d %H:%M}）"

    # --- The steps ----------------------------------------------------------------------------

    def get_urls(self):
        own = [
            path("draft/", self.admin_site.admin_view(self.draft_view), name=self._name("draft")),
            path(
                "<path:object_id>/print/",
                self.admin_site.admin_view(self.print_view),
                name=self._name("print"),
            ),
        ]
        own += [
            path(
                f"<path:object_id>/{step}/",
                self.admin_site.admin_view(self.step_view),
                {"step": step},
                name=self._name(step),
            )
            for step, *_rest in LETTER_STEPS
        ]
        return own + super().get_urls()

    @staticmethod
    def _name(step: str) -> str:
        return f"monitoring_supervisionletter_{step}"

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:" + self._name("draft")))

    def steps_for(self, request, letter) -> list[dict]:
        """The buttons this user may press on this letter now."""
        shown = []
        for step, label, statuses, perm in LETTER_STEPS:
            if letter.status not in statuses:
                continue
            if step == "rectify":
                allowed = letter.responsible_staff.filter(pk=request.user.pk).exists() or (
                    request.user.has_perm("monitoring.record_rectification")
                )
            elif step == "close":
                allowed = request.user.has_perm(perm) and (
                    request.user.is_superuser or letter.issued_by_id == request.user.pk
                )
            else:
                allowed = request.user.has_perm(perm)
            if allowed:
                url = reverse("admin:" + self._name(step), args=[letter.pk])
                shown.append({"label": label, "url": url})
        return shown

    def change_view(self, request, object_id, form_url="", extra_context=None):
        letter = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if letter is not None:
            print_url = reverse("admin:" + self._name("print"), args=[letter.pk])
            extra_context["buttons"] = [
                *self.steps_for(request, letter),
                {"label": _("打印"), "url": print_url, "target": "_blank"},
            ]
            if letter.status != Status.DRAFT and request.user.has_perm("monitoring.add_assessment"):
                add = reverse("admin:monitoring_assessment_add")
                extra_context["buttons"].append(
                    {"label": _("登记考核"), "url": f"{add}?letter={letter.pk}"}
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def _letter(self, request, object_id) -> SupervisionLetter:
        letter = self.get_object(request, object_id)
        if letter is None:
            raise Http404(_("意见书不存在，或不属于您的供电单位。"))
        return letter

    def draft_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied(_("您没有“拟写监督意见书”的权限。"))
        ids = [int(i) for i in request.GET.get("cases", "").split(",") if i.isdigit()]
        open_cases = rules.scope_to_user(
            SupervisionCase.objects.filter(
                status__in=[SupervisionCase.Status.OPEN, SupervisionCase.Status.CONFIRMED]
            ),
            request.user,
            unit_field="unit",
        ).select_related("application", "unit")
        chosen = list(open_cases.filter(pk__in=ids))
        initial = {"cases": chosen}
        if chosen:
            initial["unit"] = chosen[0].unit
            initial["responsible_staff"] = [c.responsible for c in chosen if c.responsible_id]
            initial["findings"] = "\n".join(c.evidence_text for c in chosen)
        form = LetterDraftForm(posted(request), initial=initial, request=request, cases=open_cases)
        return service_page(
            self,
            request,
            form=form,
            title=_("拟写业务监督意见书"),
            perform=lambda data: letters.draft_letter(user=request.user, **data),
            done=_("意见书草稿已保存，签发后编号并开始计算整改期限。"),
            back_url=reverse("admin:monitoring_supervisionletter_changelist"),
            submit=_("保存草稿"),
        )

    def step_view(self, request, object_id, step):
        letter = self._letter(request, object_id)
        url = reverse("admin:" + self._name(step), args=[letter.pk])
        if url not in [shown["url"] for shown in self.steps_for(request, letter)]:
            raise PermissionDenied(_("您现在不能办理该意见书的这一步。"))
        user, data = request.user, posted(request)
        back = reverse("admin:monitoring_supervisionletter_change", args=[letter.pk])
        pages = {
            "issue": (
                ConfirmForm(data),
                lambda d: letters.issue_letter(letter, user),
                _("意见书已签发。"),
            ),
            "rectify": (
                RectificationForm(data),
                lambda d: letters.record_rectification(letter, user, **d),
                _("整改情况已登记。"),
            ),
            "close": (
                CloseForm(data),
                lambda d: letters.close_letter(letter, user, **d),
                _("验收结论已登记。"),
            ),
            "void": (
                ReasonForm(data),
                lambda d: letters.void_letter(letter, user, reason=d["reason"]),
                _("意见书已作废。"),
            ),
        }
        form, perform, done = pages[step]
        label = next(label for s, label, *_rest in LETTER_STEPS if s == step)
        return service_page(
            self,
            request,
            form=form,
            title=f"{label}：{letter}",
            perform=perform,
            done=done,
            back_url=back,
            obj=letter,
            submit=label,
        )

    def print_view(self, request, object_id):
        letter = self._letter(request, object_id)
        context = {
            "letter": letter,
            "cases": letter.cases.select_related("application__customer"),
            "responsible": _names(letter.responsible_staff.all()),
            "deadline": letters.rectification_deadline(letter),
            "assessments": letter.assessments.filter(status=Assessment.Status.ACTIVE)
            .select_related("staff")
            .order_by("pk"),
        }
        return TemplateResponse(request, "admin/monitoring/supervisionletter/print.html", context)

    @admin.action(description=gettext_lazy("导出所选意见书（Excel）"))
    def export_xlsx(self, request, queryset):
        headers = [
            _("意见书编号"),
            _("问题类别"),
            _("被监督单位"),
            _("责任人"),
            _("监督发现"),
            _("整改要求"),
            _("整改期限"),
            _("状态"),
            _("签发时间"),
            _("整改情况"),
            _("关闭时间"),
            _("作废原因"),
        ]
        rows = (
            [
                letter.number or _("（草稿）"),
                letter.get_category_display(),
                letter.unit.name,
                _names(letter.responsible_staff.all()),
                letter.findings,
                letter.requirements,
                letter.rectification_due,
                letter.get_status_display(),
                letter.issued_at,
                letter.rectification,
                letter.closed_at,
                letter.void_reason,
            ]
            for letter in queryset.order_by("issued_at", "pk")
        )
        return xlsx_download(
            f"supervision-letters-{timezone.localdate():%Y%m%d}.xlsx",
            _("业务监督意见书"),
            headers,
            rows,
        )


@admin.register(Assessment)
class AssessmentAdmin(NoDeleteMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit"
    change_list_template = "admin/monitoring/assessment/change_list.html"
    change_form_template = "admin/monitoring/supervision/change_form.html"
    list_display = [
        "period_display",
        "staff_display",
        "unit",
        "points",
        "amount",
        "letter",
        "status",
    ]
    list_filter = ["status", "period", ("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["staff", "unit", "letter"]
    search_fields = ["staff__first_name", "staff__username", "reason", "letter__number"]
    fields = [
        ("staff", "unit"),
        ("period", "points", "amount"),
        "reason",
        "letter",
        "status",
        ("created_by", "created_at"),
        ("voided_by", "voided_at"),
        "void_reason",
    ]
    readonly_fields = [f for row in fields for f in (row if isinstance(row, tuple) else [row])]
    inlines = [AssessmentEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("考核期间"), ordering="period")
    def period_display(self, obj):
        return f"{obj.period:%Y-%m}"

    @admin.display(description=gettext_lazy("被考核人"), ordering="staff__username")
    def staff_display(self, obj):
        return staff_label(obj.staff)

    def get_urls(self):
        name = "monitoring_assessment_"
        return [
            path("totals/", self.admin_site.admin_view(self.totals_view), name=name + "totals"),
            path(
                "<path:object_id>/void/",
                self.admin_site.admin_view(self.void_view),
                name=name + "void",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied(_("您没有“登记考核”的权限。"))
        letter = None
        if request.GET.get("letter", "").isdigit():
            letter = (
                SupervisionLetterAdmin(SupervisionLetter, self.admin_site)
                .get_queryset(request)
                .filter(pk=request.GET["letter"])
                .first()
            )
        return service_page(
            self,
            request,
            form=AssessmentForm(posted(request), request=request),
            title=_("登记考核") + (f"（{letter}）" if letter else ""),
            perform=lambda data: assessments.create_assessment(
                user=request.user, letter=letter, **data
            ),
            done=_("考核已登记。"),
            back_url=reverse("admin:monitoring_assessment_changelist"),
            submit=_("登记"),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm("monitoring.void_assessment"):
            url = reverse("admin:monitoring_assessment_void", args=[object_id])
            extra_context["buttons"] = [{"label": _("作废"), "url": url}]
        return super().change_view(request, object_id, form_url, extra_context)

    def void_view(self, request, object_id):
        if not request.user.has_perm("monitoring.void_assessment"):
            raise PermissionDenied(_("您没有“作废考核记录”的权限。"))
        assessment = self.get_object(request, object_id)
        if assessment is None:
            raise Http404(_("考核记录不存在，或不属于您的供电单位。"))
        return service_page(
            self,
            request,
            form=ReasonForm(posted(request)),
            title=_("作废考核：%(a)s") % {"a": assessment},
            perform=lambda d: assessments.void_assessment(
                assessment, request.user, reason=d["reason"]
            ),
            done=_("考核记录已作废。"),
            back_url=reverse("admin:monitoring_assessment_change", args=[assessment.pk]),
            obj=assessment,
        )

    def totals_view(self, request):
        """考核汇总: person-times, points and yuan per person and per unit, per month."""
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
        totals = assessments.assessment_totals(start=start, end=end, units=units)
        # Complaints per person and unit, month by month, beside the points (DOMAIN.md §7).
        complained = complaints.monthly_tallies(
            Unit.objects.all() if units is None else units,
            start,
            end,
            among=complaints.visible_complaints(request.user),
        )
        if request.GET.get("format") == "xlsx":
            return self._totals_xlsx(
                totals, complained, complaints.sees_reports(request.user), start, end
            )
        query = request.GET.copy()
        query["format"] = "xlsx"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("考核汇总（%(start)s 至 %(end)s）")
            % {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}"},
            "form": form,
            "totals": totals,
            "complaints": complained,
            "sees_reports": complaints.sees_reports(request.user),
            "xlsx_url": f"?{query.urlencode()}",
        }
        return TemplateResponse(request, "admin/monitoring/assessment/totals.html", context)

    def _totals_xlsx(self, totals, complained, sees_reports, start, end) -> HttpResponse:
        """The page's two tables as two sheets: the assessments, then the complaints (the 举报
        column only for those who may see reports, as on the page)."""
        workbook = new_workbook()
        headers = [_("考核期间"), _("单位"), _("被考核人"), _("人次"), _("扣分"), _("金额（元）")]
        sheet = SheetWriter(workbook, _("考核汇总"), headers)
        for t in [*totals["per_person"], *totals["per_unit"]]:
            who = t.staff or _("（单位合计）")
            sheet.append([f"{t.period:%Y-%m}", t.unit, who, t.count, t.points, t.amount])
        total = totals["total"]
        sheet.append([_("合计"), "", "", total.count, total.points, total.amount])

        headers = [_("月份"), _("单位"), _("人员"), _("投诉（件）")]
        headers += [_("举报（件）")] if sees_reports else []
        sheet = SheetWriter(workbook, _("投诉举报"), [*headers, _("超期答复（件）")])
        for r in [*complained["per_unit"], *complained["per_person"]]:
            reports = [r.tally.reports] if sees_reports else []
            who, late = r.staff or _("（单位合计）"), r.tally.replied_late
            sheet.append([f"{r.period:%Y-%m}", r.unit, who, r.tally.complaints, *reports, late])
        return xlsx_bytes_download(f"assessments-{start:%Y%m}-{end:%Y%m}.xlsx", save(workbook))

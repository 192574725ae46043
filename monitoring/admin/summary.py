"""Monthly summaries in the admin: generate, edit the text and refresh the figures while a draft,
issue (frozen from then on), void a draft with a reason; print and Excel at any time.

The change page is read-only for everyone; edits go through pages calling
`monitoring.summary.services`, which refuse an issued summary (and so does the model).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.admin.scoping import UnitScopedAdminMixin

from ..dashboard.xlsx import xlsx_response
from ..models import MonthlySummary
from ..summary import services
from ..summary.report import figures_table, summary_report
from ..supervision.scope import acting_units
from .supervision import NoDeleteMixin
from .supervision_forms import ConfirmForm, ReasonForm, posted, service_page

Status = MonthlySummary.Status


class GenerateForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("供电单位"), queryset=None)
    month = forms.DateField(
        label=gettext_lazy("月份"),
        help_text=gettext_lazy("该月任一天，如 2026-03-01"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = acting_units(request.user).order_by("code")


class TextForm(forms.Form):
    overview = forms.CharField(
        label=gettext_lazy("总体情况"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    problems = forms.CharField(
        label=gettext_lazy("发现的问题"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    actions = forms.CharField(
        label=gettext_lazy("整改落实情况"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    next_steps = forms.CharField(
        label=gettext_lazy("下月工作安排"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


def _name(step: str) -> str:
    return f"monitoring_monthlysummary_{step}"


# (step, label, permission) — every step applies to drafts only.
DRAFT_STEPS = [
    ("edit", gettext_lazy("编辑正文"), "monitoring.write_summary"),
    ("refresh", gettext_lazy("刷新数据"), "monitoring.write_summary"),
    ("issue", gettext_lazy("签发"), "monitoring.issue_summary"),
    ("void", gettext_lazy("作废"), "monitoring.write_summary"),
]


@admin.register(MonthlySummary)
class MonthlySummaryAdmin(NoDeleteMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/monitoring/supervision/change_form.html"
    list_display = ["__str__", "unit", "month", "status", "created_by", "issued_by", "issued_at"]
    list_filter = ["status", ("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["unit", "created_by", "issued_by"]
    date_hierarchy = "month"
    readonly_fields = ["unit", "month", "status", "figures_display", "figures_at", "overview",
                       "problems", "actions", "next_steps", "created_by", "created_at",
                       "issued_by", "issued_at", "voided_by", "voided_at",
                       "void_reason"]  # fmt: skip
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False  # read-only: text is edited on its own page, while a draft

    def has_add_permission(self, request):
        return request.user.has_perm("monitoring.write_summary")

    @admin.display(description=gettext_lazy("主要指标"))
    def figures_display(self, summary):
        table = figures_table(summary)
        head = format_html_join("", "<th>{}</th>", ((c,) for c in table.columns))
        return format_html(
            "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, table.body_html()
        )

    def get_urls(self):
        site = self.admin_site
        own = [
            path("generate/", site.admin_view(self.generate_view), name=_name("generate")),
            path("<path:object_id>/print/", site.admin_view(self.print_view), name=_name("print")),
            path("<path:object_id>/export/", site.admin_view(self.export_view),
                 name=_name("export")),
        ]  # fmt: skip
        own += [
            path(f"<path:object_id>/{step}/", site.admin_view(self.step_view), {"step": step},
                 name=_name(step))
            for step, *_rest in DRAFT_STEPS
        ]  # fmt: skip
        return own + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:" + _name("generate")))

    def _summary(self, request, object_id) -> MonthlySummary:
        summary = self.get_object(request, object_id)
        if summary is None:
            raise Http404(_("月度总结不存在，或不属于您的供电单位。"))
        return summary

    def steps_for(self, request, summary) -> list[dict]:
        if summary.status != Status.DRAFT:
            return []
        return [
            {"label": label, "url": reverse("admin:" + _name(step), args=[summary.pk])}
            for step, label, perm in DRAFT_STEPS
            if request.user.has_perm(perm)
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        summary = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if summary is not None:
            extra_context["buttons"] = [
                *self.steps_for(request, summary),
                {"label": _("打印"), "url": reverse("admin:" + _name("print"), args=[summary.pk]),
                 "target": "_blank"},
                {"label": _("导出Excel"),
                 "url": reverse("admin:" + _name("export"), args=[summary.pk])},
            ]  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)

    def generate_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied(_("您没有“编写月度总结”的权限。"))
        today = timezone.localdate()
        last_month = (today.replace(day=1) - date.resolution).replace(day=1)
        form = GenerateForm(posted(request), initial={"month": last_month}, request=request)
        return service_page(
            self,
            request,
            form=form,
            title=_("生成月度总结"),
            perform=lambda data: services.generate_summary(user=request.user, **data),
            done=_("月度总结草稿已生成：数据取自看板同口径计算，正文可编辑，签发后不可更改。"),
            back_url=reverse("admin:monitoring_monthlysummary_changelist"),
            submit=_("生成"),
        )

    def step_view(self, request, object_id, step):
        summary = self._summary(request, object_id)
        url = reverse("admin:" + _name(step), args=[summary.pk])
        if url not in [shown["url"] for shown in self.steps_for(request, summary)]:
            raise PermissionDenied(_("月度总结已签发或已作废，或您没有办理这一步的权限。"))
        user, data = request.user, posted(request)
        texts = {k: getattr(summary, k) for k in ("overview", "problems", "actions", "next_steps")}
        pages = {
            "edit": (TextForm(data, initial=texts),
                     lambda d: services.edit_summary(summary, user, **d), _("正文已保存。")),
            "refresh": (ConfirmForm(data), lambda d: services.refresh_figures(summary, user),
                        _("数据已按当前记录重新计算（正文未改动）。")),
            "issue": (ConfirmForm(data), lambda d: services.issue_summary(summary, user),
                      _("月度总结已签发，此后不可更改。")),
            "void": (ReasonForm(data),
                     lambda d: services.void_summary(summary, user, reason=d["reason"]),
                     _("月度总结已作废。")),
        }  # fmt: skip
        form, perform, done = pages[step]
        label = next(label for s, label, *_rest in DRAFT_STEPS if s == step)
        back = reverse("admin:monitoring_monthlysummary_change", args=[summary.pk])
        return service_page(self, request, form=form, title=f"{label}：{summary}",
                            perform=perform, done=done, back_url=back, obj=summary,
                            submit=label)  # fmt: skip

    def print_view(self, request, object_id):
        summary = self._summary(request, object_id)
        context = {"summary": summary, "report": summary_report(summary)}
        return TemplateResponse(request, "admin/monitoring/monthlysummary/print.html", context)

    def export_view(self, request, object_id):
        return xlsx_response(summary_report(self._summary(request, object_id)))

"""Random checks in the admin: draw, record each item, one click to a supervision case,
complete, void, Excel. Every step is a page calling `monitoring.checks.services`; nothing is
edited by hand or deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.admin.scoping import UnitScopedAdminMixin, staff_label

from ..checks import services
from ..checks.population import stratum_label
from ..models import CheckResult, RandomCheck, RandomCheckItem
from ..supervision.scope import acting_units
from .letters import xlsx_download
from .supervision import NoDeleteMixin
from .supervision_forms import ConfirmForm, ReasonForm, posted, service_page

Status = RandomCheck.Status
RESULTS = [
    (CheckResult.AGREE, CheckResult.AGREE.label),
    (CheckResult.DISAGREE, CheckResult.DISAGREE.label),
]


class DrawForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("检查类型"), choices=RandomCheck.Kind.choices)
    unit = forms.ModelChoiceField(label=gettext_lazy("被检查单位"), queryset=None)
    period_start = forms.DateField(
        label=gettext_lazy("抽查期间起"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=gettext_lazy("抽查期间止"), widget=forms.DateInput(attrs={"type": "date"})
    )
    stratify_by = forms.ChoiceField(
        label=gettext_lazy("分层方式"), choices=RandomCheck.Strata.choices
    )
    sample_size = forms.IntegerField(label=gettext_lazy("样本量"), min_value=1, initial=10)
    seed = forms.IntegerField(
        label=gettext_lazy("随机种子"),
        required=False,
        min_value=0,
        help_text=gettext_lazy(
            "留空由系统随机产生；可填公开的随机数（如开奖号码）。种子随抽样记录保存。"
        ),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = acting_units(request.user).order_by("code")


class ResultForm(forms.Form):
    paper_result = forms.ChoiceField(
        label=gettext_lazy("系统与纸质档案"), choices=RESULTS, widget=forms.RadioSelect
    )
    site_result = forms.ChoiceField(
        label=gettext_lazy("系统与现场"), choices=RESULTS, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=gettext_lazy("核查说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ItemInline(admin.TabularInline):
    model = RandomCheckItem
    fk_name = "check_record"
    extra = 0
    can_delete = False
    fields = ["application", "stratum_display", "paper_result", "site_result", "notes",
              "checked_by", "checked_at", "case_display", "steps"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("所在层"))
    def stratum_display(self, item):
        return stratum_label(item.stratum)

    @admin.display(description=gettext_lazy("监督线索"))
    def case_display(self, item):
        if not item.case_id:
            return "—"
        url = reverse("admin:monitoring_supervisioncase_change", args=[item.case_id])
        return format_html('<a href="{}">{}</a>', url, item.case.get_status_display())

    @admin.display(description=gettext_lazy("办理"))
    def steps(self, item):
        if item.check_record.status == Status.VOID:
            return ""
        links = []
        if item.check_record.status == Status.CHECKING and not item.case_id:
            links.append((_name("record"), _("登记结果")))
        if item.disagrees and not item.case_id:
            links.append((_name("case"), _("生成监督线索")))
        return format_html(
            " ".join(['<a href="{}">{}</a>'] * len(links)),
            *[
                v
                for name, label in links
                for v in (reverse("admin:" + name, args=[item.pk]), label)
            ],
        )


def _name(step: str) -> str:
    return f"monitoring_randomcheck_{step}"


# (step, label, statuses it applies to, service call)
CHECK_STEPS = [
    ("cases", gettext_lazy("不一致的全部生成线索"), (Status.CHECKING, Status.COMPLETED)),
    ("complete", gettext_lazy("完成检查"), (Status.CHECKING,)),
    ("void", gettext_lazy("作废"), (Status.CHECKING, Status.COMPLETED)),
]


@admin.register(RandomCheck)
class RandomCheckAdmin(NoDeleteMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/monitoring/supervision/change_form.html"
    list_display = ["__str__", "kind", "unit", "stratify_by", "sample_size", "population_size",
                    "status", "drawn_by", "drawn_at"]  # fmt: skip
    list_filter = ["kind", "status", ("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["unit", "drawn_by"]
    date_hierarchy = "drawn_at"
    readonly_fields = ["kind", "unit", "period_start", "period_end", "stratify_by",
                       "sample_size", "seed", "population_rule", "population_size",
                       "allocation_display", "verification", "status", "drawn_by", "drawn_at",
                       "completed_by", "completed_at", "voided_by", "voided_at",
                       "void_reason"]  # fmt: skip
    fields = readonly_fields
    inlines = [ItemInline]

    def has_change_permission(self, request, obj=None):
        return False  # every step is a page of its own, through the service

    @admin.display(description=gettext_lazy("各层总体与样本"))
    def allocation_display(self, check):
        return "；".join(
            _("%(stratum)s：总体%(size)d，抽取%(drawn)d")
            % {
                "stratum": stratum_label(key),
                "size": len(ids),
                "drawn": check.allocation.get(key, 0),
            }
            for key, ids in sorted(check.population.items())
        )

    @admin.display(description=gettext_lazy("随机性复核"))
    def verification(self, check):
        if services.draw_verified(check):
            return _("一致：按记录的种子和总体重新抽样，得到的正是本样本。")
        return _("不一致：按记录的种子和总体重新抽样，结果与本样本不同，请报告系统管理员。")

    def get_urls(self):
        site = self.admin_site
        own = [
            path("draw/", site.admin_view(self.draw_view), name=_name("draw")),
            path("item/<int:item_id>/record/", site.admin_view(self.record_view),
                 name=_name("record")),
            path("item/<int:item_id>/case/", site.admin_view(self.case_view), name=_name("case")),
            path("<path:object_id>/export/", site.admin_view(self.export_view),
                 name=_name("export")),
        ]  # fmt: skip
        own += [
            path(f"<path:object_id>/{step}/", site.admin_view(self.step_view), {"step": step},
                 name=_name(step))
            for step, *_rest in CHECK_STEPS
        ]  # fmt: skip
        return own + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:" + _name("draw")))

    def has_add_permission(self, request):
        user = request.user
        return any(user.has_perm(f"monitoring.{p}") for p in services.KIND_PERMISSIONS.values())

    def _check(self, request, object_id) -> RandomCheck:
        check = self.get_object(request, object_id)
        if check is None:
            raise Http404(_("抽查不存在，或不属于您的供电单位。"))
        return check

    def _item(self, request, item_id) -> RandomCheckItem:
        item = RandomCheckItem.objects.filter(
            pk=item_id, check_record__in=self.get_queryset(request)
        ).first()
        if item is None:
            raise Http404(_("抽查明细不存在，或不属于您的供电单位。"))
        return item

    def change_view(self, request, object_id, form_url="", extra_context=None):
        check = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if check is not None:
            extra_context["buttons"] = [
                {"label": label, "url": reverse("admin:" + _name(step), args=[check.pk])}
                for step, label, statuses in CHECK_STEPS
                if check.status in statuses
            ] + [
                {
                    "label": _("导出Excel"),
                    "url": reverse("admin:" + _name("export"), args=[check.pk]),
                }
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def draw_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied(_("您没有开展抽查的权限。"))
        form = DrawForm(posted(request), request=request)
        return service_page(
            self,
            request,
            form=form,
            title=_("抽取抽查样本"),
            perform=lambda data: services.draw_check(user=request.user, **data),
            done=_("样本已抽取，种子、总体和样本均已记录。"),
            back_url=reverse("admin:monitoring_randomcheck_changelist"),
            submit=_("抽取"),
        )

    def _back(self, check) -> str:
        return reverse("admin:monitoring_randomcheck_change", args=[check.pk])

    def step_view(self, request, object_id, step):
        check = self._check(request, object_id)
        user, data = request.user, posted(request)
        pages = {
            "cases": (ConfirmForm(data), lambda d: services.open_cases(check, user) and None,
                      _("不一致的明细均已生成监督线索（已有的不重复生成）。")),
            "complete": (ConfirmForm(data), lambda d: services.complete_check(check, user),
                         _("抽查已完成。")),
            "void": (ReasonForm(data),
                     lambda d: services.void_check(check, user, reason=d["reason"]),
                     _("抽查已作废。")),
        }  # fmt: skip
        form, perform, done = pages[step]
        label = next(label for s, label, *_rest in CHECK_STEPS if s == step)
        return service_page(
            self,
            request,
            form=form,
            title=f"{label}：{check}",
            perform=perform,
            done=done,
            back_url=self._back(check),
            obj=check,
            submit=label,
        )

    def record_view(self, request, item_id):
        item = self._item(request, item_id)
        initial = {k: getattr(item, k) for k in ("paper_result", "site_result", "notes")}
        return service_page(
            self,
            request,
            form=ResultForm(posted(request), initial=initial),
            title=_("登记核查结果：%(app)s") % {"app": item.application},
            perform=lambda d: services.record_result(item, request.user, **d) and None,
            done=_("核查结果已登记。"),
            back_url=self._back(item.check_record),
            obj=item.check_record,
            submit=_("登记"),
        )

    def case_view(self, request, item_id):
        item = self._item(request, item_id)
        return service_page(
            self,
            request,
            form=ConfirmForm(posted(request)),
            title=_("生成监督线索：%(app)s") % {"app": item.application},
            perform=lambda d: services.open_case(item, request.user) and None,
            done=_("已生成监督线索（每条明细只生成一条）。"),
            back_url=self._back(item.check_record),
            obj=item.check_record,
            submit=_("生成监督线索"),
        )

    def export_view(self, request, object_id):
        check = self._check(request, object_id)
        headers = [_("工单编号"), _("所在层"), _("系统与纸质档案"), _("系统与现场"),
                   _("核查说明"), _("核查人"), _("核查时间"), _("监督线索状态")]  # fmt: skip
        items = check.items.select_related("application", "checked_by", "case")
        rows = [
            [
                item.application.number,
                stratum_label(item.stratum),
                item.get_paper_result_display(),
                item.get_site_result_display(),
                item.notes,
                staff_label(item.checked_by) if item.checked_by_id else "",
                item.checked_at,
                item.case.get_status_display() if item.case_id else "",
            ]
            for item in items
        ]
        return xlsx_download(
            f"random-check-{check.pk}-{timezone.localdate():%Y%m%d}.xlsx",
            str(check)[:31],
            headers,
            rows,
        )

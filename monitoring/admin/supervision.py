"""Supervision in the admin: detection rules (switch, parameters, "立即运行"), the cases they
open (核实 / 排除, turn into a letter) and customer contact records (entered or imported).

Writes go through `monitoring.supervision`; nothing here is deleted.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin

from applications.admin.panels import register_panel
from applications.admin.scoping import UnitScopedAdminMixin
from applications.models import Application
from applications.services.errors import TransitionRefused

from ..models import CaseSource, ContactChannel, CustomerContact, DetectionRule, SupervisionCase
from ..routines import discipline
from ..supervision import detection
from .handover import handover_button
from .supervision_forms import ReasonForm, posted, service_page


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(DetectionRule)
class DetectionRuleAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "code", "enabled", "parameters", "last_run_at", "last_found"]
    list_filter = ["enabled"]
    fields = ["code", "name", "description", "enabled", "parameters", "last_run_at", "last_found"]
    readonly_fields = ["code", "last_run_at", "last_found"]
    actions = ["run_now", "enable", "disable"]

    def has_add_permission(self, request):
        return False  # rules are code: a row per registered function, made by the migration

    def has_run_permission(self, request):
        return request.user.has_perm("monitoring.run_detection")

    @admin.action(description=_("立即运行所选规则"), permissions=["run"])
    def run_now(self, request, queryset):
        result = detection.run_rules([r.code for r in queryset])
        skipped = queryset.filter(enabled=False).count()
        for rule_row in queryset.filter(enabled=True):
            found = result.get(rule_row.code, 0)
            if found < 0:
                self.message_user(
                    request,
                    _("“%(rule)s”运行失败，详见日志。") % {"rule": rule_row},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("“%(rule)s”新增线索 %(n)s 条。") % {"rule": rule_row, "n": found},
                    messages.SUCCESS,
                )
        if skipped:
            self.message_user(
                request, _("%(n)s 条规则已停用，未运行。") % {"n": skipped}, messages.WARNING
            )

    @admin.action(description=_("启用所选规则"), permissions=["change"])
    def enable(self, request, queryset):
        self.message_user(
            request, _("已启用 %(n)s 条规则。") % {"n": queryset.update(enabled=True)}
        )

    @admin.action(description=_("停用所选规则"), permissions=["change"])
    def disable(self, request, queryset):
        n = queryset.update(enabled=False)
        self.message_user(request, _("已停用 %(n)s 条规则。") % {"n": n})


@admin.register(SupervisionCase)
class SupervisionCaseAdmin(NoDeleteMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit"
    list_display = [
        "found_at",
        "application_link",
        "rule",
        "evidence_text",
        "unit",
        "responsible",
        "status",
        "handled_by",
    ]
    list_filter = ["status", "rule", "source", ("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["application", "rule", "unit", "responsible", "handled_by"]
    search_fields = ["application__number", "application__customer__name", "evidence_text"]
    date_hierarchy = "found_at"
    fields = [
        ("rule", "source"),
        ("application", "unit"),
        "responsible",
        "evidence_text",
        "evidence",
        "evidence_key",
        ("status", "found_at"),
        ("handled_by", "handled_at"),
        "dismiss_reason",
        "letters_display",
    ]
    readonly_fields = [
        "rule",
        "source",
        "evidence",
        "evidence_key",
        "status",
        "found_at",
        "handled_by",
        "handled_at",
        "dismiss_reason",
        "letters_display",
    ]
    autocomplete_fields = ["application"]
    actions = ["confirm", "draft_letter"]
    change_form_template = "admin/monitoring/supervision/change_form.html"

    def has_change_permission(self, request, obj=None):
        return False  # evidence is what it was; handling goes through the actions

    def get_queryset(self, request):
        # A case handed over to 纪检 is theirs alone from then on (list, page, export, links).
        return discipline.visible_cases(request.user, super().get_queryset(request))

    def has_handle_permission(self, request):
        return request.user.has_perm("monitoring.handle_case")

    def has_draft_permission(self, request):
        return request.user.has_perm("monitoring.add_supervisionletter")

    @admin.display(description=_("工单编号"), ordering="application__number")
    def application_link(self, obj):
        if not obj.application_id:
            return "—"
        url = reverse("admin:applications_application_change", args=[obj.application_id])
        return format_html('<a href="{}">{}</a>', url, obj.application.number)

    @admin.display(description=_("监督意见书"))
    def letters_display(self, obj):
        return "、".join(str(letter) for letter in obj.letters.all()) or "—"

    @admin.action(description=_("核实所选线索"), permissions=["handle"])
    def confirm(self, request, queryset):
        done, refused = 0, []
        for case in queryset:
            try:
                detection.handle_case(case, request.user, confirm=True)
                done += 1
            except TransitionRefused as exc:
                refused.append(f"{case}：{exc.message}")
        self.message_user(request, _("已核实 %(n)s 条线索。") % {"n": done}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("据所选线索拟写监督意见书"), permissions=["draft"])
    def draft_letter(self, request, queryset):
        url = reverse("admin:monitoring_supervisionletter_draft")
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(f"{url}?{urlencode({'cases': ids})}")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/dismiss/",
                self.admin_site.admin_view(self.dismiss_view),
                name="monitoring_supervisioncase_dismiss",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if self.has_handle_permission(request):
            url = reverse("admin:monitoring_supervisioncase_dismiss", args=[object_id])
            extra_context["buttons"] = [{"label": _("排除线索"), "url": url}]
        case = self.get_object(request, object_id)
        if case is not None:
            extra_context["buttons"] = extra_context.get("buttons", []) + handover_button(
                request, case
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def dismiss_view(self, request, object_id):
        if not self.has_handle_permission(request):
            raise PermissionDenied(_("您没有“核实或排除监督线索”的权限。"))
        case = self.get_object(request, object_id)
        if case is None:
            raise Http404(_("线索不存在，或不属于您的供电单位。"))
        return service_page(
            self,
            request,
            form=ReasonForm(posted(request)),
            title=_("排除线索：%(case)s") % {"case": case},
            perform=lambda data: detection.handle_case(
                case, request.user, confirm=False, reason=data["reason"]
            ),
            done=_("线索已排除。"),
            back_url=reverse("admin:monitoring_supervisioncase_change", args=[case.pk]),
            obj=case,
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:  # a case entered by hand: manual or a customer's report
            return [f for f in self.readonly_fields if f != "source"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:  # found now; a rule never made it (no rule, no evidence key)
            obj.found_at = timezone.now()
            if obj.source == CaseSource.RULE:
                obj.source = CaseSource.MANUAL
        super().save_model(request, obj, form, change)


class ContactResource(resources.ModelResource):
    """Import-friendly columns: 接触渠道 (label or code), 接触时间, 工单编号, 外部编号, 接触内容.

    (渠道, 外部编号) identifies a row, so importing the same export twice changes nothing.
    """

    channel = fields.Field(attribute="channel", column_name="接触渠道")
    contacted_at = fields.Field(
        attribute="contacted_at", column_name="接触时间", widget=widgets.DateTimeWidget()
    )
    application = fields.Field(
        attribute="application",
        column_name="工单编号",
        widget=widgets.ForeignKeyWidget(Application, field="number"),
    )
    reference = fields.Field(attribute="reference", column_name="外部编号")
    note = fields.Field(attribute="note", column_name="接触内容")

    class Meta:
        model = CustomerContact
        import_id_fields = ["channel", "reference"]
        fields = ["channel", "contacted_at", "application", "reference", "note"]
        skip_unchanged = True

    def before_import_row(self, row, **kwargs):
        by_label = {str(label): value for value, label in ContactChannel.choices}
        channel = str(row.get("接触渠道") or "").strip()
        row["接触渠道"] = by_label.get(channel, channel)

    def before_save_instance(self, instance, row, **kwargs):
        if instance.application_id:
            instance.unit_id = instance.application.unit_id
            instance.customer_id = instance.application.customer_id


@admin.register(CustomerContact)
class CustomerContactAdmin(
    NoDeleteMixin, ImportExportMixin, UnitScopedAdminMixin, admin.ModelAdmin
):
    unit_path = "unit"
    resource_classes = [ContactResource]
    list_display = ["contacted_at", "channel", "application", "customer", "unit", "reference"]
    list_filter = ["channel", ("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["application", "customer", "unit"]
    search_fields = ["application__number", "customer__name", "customer__phone", "reference"]
    date_hierarchy = "contacted_at"
    autocomplete_fields = ["application", "customer"]
    fields = [
        ("channel", "contacted_at"),
        ("application", "customer"),
        "unit",
        "reference",
        "note",
        "recorded_by",
    ]
    readonly_fields = ["recorded_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@register_panel("admin/monitoring/supervision/panel.html", order=30)
def supervision_panel(request, application):
    """The application's supervision cases and their letters (hidden when there are none)."""
    if not request.user.has_perm("monitoring.view_supervisioncase"):
        return None
    cases = discipline.visible_cases(request.user, application.supervision_cases.all())
    cases = cases.select_related("rule").prefetch_related("letters")
    rows = [
        {
            "case": case,
            "url": reverse("admin:monitoring_supervisioncase_change", args=[case.pk]),
            "letters": "、".join(str(letter) for letter in case.letters.all()),
        }
        for case in cases.order_by("found_at", "pk")
    ]
    return {"rows": rows} if rows else None

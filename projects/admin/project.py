"""The project admin: list with filters, the project page with its phases, reports, materials
and outage plans, and the action pages that call the services."""

from django import forms
from django.contrib import admin
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applications import rules as app_rules
from applications.admin import panels
from applications.admin.ledger import LedgerImportExportMixin
from applications.admin.scoping import ReadOnlyTabularInline, UnitScopedAdminMixin
from applications.models import ImportJob

from .. import forms as project_forms
from .. import rules
from ..ledger import ProgressLedgerResource
from ..models import (
    ConstructionTeam,
    OutagePlan,
    ProgressReport,
    Project,
    ProjectPhase,
    Requisition,
    SecondaryLoan,
)
from ..services import materials, progress, projects
from .actions import ObjectAction, ObjectActionsMixin


class BehindPlanFilter(admin.SimpleListFilter):
    title = _("进度")
    parameter_name = "behind"

    def lookups(self, request, model_admin):
        return [("yes", _("滞后于计划")), ("no", _("按计划"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.behind_plan()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.behind_plan().values("pk"))
        return queryset


class ProjectForm(forms.ModelForm):
    """Checks the same refusals as the services, so a refused save shows why on the form."""

    user = None

    class Meta:
        model = Project
        fields = [
            "name",
            "unit",
            "kind",
            "applications",
            "project_manager",
            "construction_team",
            "poles",
            "line_length_km",
            "transformer_kva",
            "is_small_job",
            "expected_demand_kva",
            "expected_customer",
            "note",
        ]

    def _post_clean(self):
        # After the instance has the form's values (ModelForm fills it in _post_clean).
        super()._post_clean()
        if self.errors:
            return
        applications = self.cleaned_data.get("applications", [])
        if self.instance.pk:
            reasons = projects.update_refusals(
                user=self.user, project=self.instance, applications=applications
            )
        else:
            reasons = projects.creation_refusals(
                user=self.user, project=self.instance, applications=applications
            )
        for reason in reasons:
            self.add_error(None, reason)


class ApplicationLinkInline(ReadOnlyTabularInline):
    model = Project.applications.through
    verbose_name = _("关联业扩申请")
    verbose_name_plural = _("关联业扩申请")
    fields = ["application_link", "state", "energized_at"]
    readonly_fields = fields

    @admin.display(description=_("业扩申请"))
    def application_link(self, obj):
        url = reverse("admin:applications_application_change", args=[obj.application_id])
        return format_html('<a href="{}">{}</a>', url, obj.application)

    @admin.display(description=_("当前环节"))
    def state(self, obj):
        return obj.application.get_state_display()

    @admin.display(description=_("送电时间"))
    def energized_at(self, obj):
        return obj.application.energized_at or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application__customer")


class PhaseInline(ReadOnlyTabularInline):
    model = ProjectPhase
    fields = ["phase", "planned_on", "actual_on", "late", "updated_by", "updated_at"]
    readonly_fields = fields

    @admin.display(description=_("滞后"), boolean=True)
    def late(self, obj):
        return obj.is_late

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("updated_by")


def photo_link(report):
    """The report's photo through the admin (scoped, logged in), never a public media URL."""
    if not report.photo:
        return "—"
    url = reverse("admin:projects_progressreport_photo", args=[report.pk])
    return format_html('<a href="{}" target="_blank">{}</a>', url, _("查看照片"))


class ProgressReportInline(ReadOnlyTabularInline):
    model = ProgressReport
    fields = ["reported_on", "percent", "text", "photo_display", "reporter", "reported_at"]
    readonly_fields = fields
    verbose_name_plural = _("进度日报（当前有效）")

    @admin.display(description=_("现场照片"))
    def photo_display(self, obj):
        return photo_link(obj)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(superseded_at__isnull=True)
            .select_related("reporter")
        )


class RequisitionInline(ReadOnlyTabularInline):
    model = Requisition
    fields = ["drawn_at", "drawn_by", "lines_display", "note"]
    readonly_fields = fields

    @admin.display(description=_("领料明细"))
    def lines_display(self, obj):
        return "；".join(
            f"{line.stock.item.name} {line.quantity}{line.stock.item.unit_of_measure}"
            for line in obj.lines.all()
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("drawn_by")
            .prefetch_related("lines__stock__item")
        )


class LoanInline(ReadOnlyTabularInline):
    model = SecondaryLoan
    fields = ["item", "quantity", "borrowed_at", "due_back_on", "returned_at", "returned_quantity"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item")


class OutagePlanInline(ReadOnlyTabularInline):
    model = OutagePlan
    fields = ["plan_link", "kind", "live_line", "requested_start", "requested_end", "status"]
    readonly_fields = fields

    @admin.display(description=_("停电计划"))
    def plan_link(self, obj):
        url = reverse("admin:projects_outageplan_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.pk)


def _manager(codename):
    return lambda user, project: rules.manager_refusal(user, project, codename)


def _open(project) -> bool:
    return not project.is_closed


PROJECT_ACTIONS = {
    "plan": ObjectAction(
        label=_("计划工程节点"),
        form=project_forms.PhasePlanForm,
        run=lambda user, p, data: projects.plan_phase(
            user=user, project=p, phase=data["phase"], planned_on=data["planned_on"]
        ),
        refusal=_manager("change_projectphase"),
        shown=_open,
        done=_("节点计划已保存，节点时限随之调整。"),
    ),
    "done": ObjectAction(
        label=_("登记节点完成"),
        form=project_forms.PhaseDoneForm,
        run=lambda user, p, data: projects.record_phase_done(
            user=user, project=p, phase=data["phase"], actual_on=data["actual_on"]
        ),
        refusal=_manager("change_projectphase"),
        shown=_open,
        done=_("节点完成日期已登记。"),
    ),
    "progress": ObjectAction(
        label=_("填报进度日报"),
        form=project_forms.ProgressForm,
        run=lambda user, p, data: progress.report_progress(
            user=user,
            project=p,
            percent=data["percent"],
            text=data["text"],
            reported_on=data["reported_on"],
            photo=data["photo"],
            correction_reason=data["correction_reason"],
        ),
        refusal=_manager("report_progress"),
        shown=lambda p: p.status != Project.Status.CANCELLED,
        done=_("进度日报已提交。"),
    ),
    "draw": ObjectAction(
        label=_("领料"),
        form=project_forms.DrawForm,
        run=lambda user, p, data: materials.draw_materials(
            user=user, project=p, lines=data["_lines"], note=data["note"]
        ),
        refusal=_manager("draw_materials"),
        shown=_open,
        done=_("领料已登记，库存已扣减。"),
    ),
    "borrow": ObjectAction(
        label=_("二级库借用"),
        form=project_forms.BorrowForm,
        run=lambda user, p, data: materials.borrow(
            user=user,
            project=p,
            item=data["item"],
            quantity=data["quantity"],
            due_back_on=data["due_back_on"],
        ),
        refusal=_manager("add_secondaryloan"),
        shown=_open,
        done=_("二级库借用已登记。"),
    ),
    "cancel": ObjectAction(
        label=_("撤销工程"),
        form=project_forms.ReasonForm,
        run=lambda user, p, data: projects.cancel_project(
            user=user, project=p, reason=data["reason"]
        ),
        refusal=_manager("change_project"),
        shown=_open,
        done=_("工程已撤销。"),
    ),
}


@admin.register(Project)
class ProjectAdmin(
    LedgerImportExportMixin, ObjectActionsMixin, UnitScopedAdminMixin, admin.ModelAdmin
):
    change_form_template = "admin/projects/project/change_form.html"
    # The progress ledger (工程进度台账): import-export's flow, see `projects.ledger`.
    ledger_kind = ImportJob.Kind.PROGRESS
    resource_classes = [ProgressLedgerResource]
    form = ProjectForm
    object_actions = PROJECT_ACTIONS
    list_display = [
        "number",
        "name",
        "unit",
        "kind",
        "status",
        "project_manager",
        "construction_team",
        "progress_percent",
        "behind_plan",
        "created_at",
    ]
    list_filter = [
        "unit",
        "kind",
        "status",
        BehindPlanFilter,
        "is_small_job",
        "construction_team__kind",
    ]
    search_fields = [
        "number",
        "name",
        "applications__number",
        "applications__customer__name",
        "project_manager__first_name",
        "construction_team__name",
    ]
    list_select_related = ["unit", "project_manager", "construction_team"]
    autocomplete_fields = ["applications"]
    readonly_fields = [
        "number",
        "status",
        "progress_percent",
        "progress_reported_on",
        "cancel_reason",
        "actions_panel",
    ]
    fieldsets = [
        (
            _("工程"),
            {
                "fields": [
                    ("number", "status"),
                    "name",
                    ("unit", "kind"),
                    "applications",
                    ("project_manager", "construction_team"),
                    ("poles", "line_length_km", "transformer_kva", "is_small_job"),
                    ("expected_demand_kva", "expected_customer"),
                    ("progress_percent", "progress_reported_on"),
                    "note",
                    "cancel_reason",
                ]
            },
        ),
        (_("办理"), {"fields": ["actions_panel"]}),
    ]
    inlines = [
        ApplicationLinkInline,
        PhaseInline,
        ProgressReportInline,
        RequisitionInline,
        LoanInline,
        OutagePlanInline,
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "unit"] if obj else fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Panels other apps register for the project page (the phases' deadlines).
        project = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if project is not None:
            extra_context["panels"] = panels.render_context(request, project, page="project")
        return super().change_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("project_manager", request.user.pk)
        unit_id = app_rules.user_unit_id(request.user)
        if unit_id:
            initial.setdefault("unit", unit_id)
        return initial

    def save_model(self, request, obj, form, change):
        applications = form.cleaned_data.get("applications", [])
        if change:
            projects.update_project(user=request.user, project=obj, applications=applications)
        else:
            projects.create_project(user=request.user, project=obj, applications=applications)

    def save_related(self, request, form, formsets, change):
        # The service set the applications; the inlines are read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # Another manager's project (or one elsewhere) opens read-only.
        return obj is None or rules.manager_refusal(request.user, obj, "change_project") is None

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        # Project managers report their own projects' progress (checked row by row).
        return request.user.has_perm("projects.report_progress")

    @admin.display(description=_("滞后"), boolean=True)
    def behind_plan(self, obj):
        today = timezone.localdate()
        return any(
            p.planned_on and not p.actual_on and p.planned_on < today for p in obj.phases.all()
        )

    @admin.display(description=_("可办理"))
    def actions_panel(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return self.action_buttons(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("phases")


@admin.register(ConstructionTeam)
class ConstructionTeamAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "contact_name", "contact_phone", "is_active"]
    list_filter = ["kind", "unit", "is_active"]
    search_fields = ["name", "contact_name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    """All reports, corrected ones included (evidence): written only on the project page."""

    unit_path = "project__unit"
    list_display = [
        "project",
        "reported_on",
        "percent",
        "reporter",
        "reported_at",
        "photo_display",
        "superseded_at",
        "correction_reason",
    ]
    list_filter = ["project__unit", "reported_on", ("superseded_at", admin.EmptyFieldListFilter)]
    search_fields = ["project__number", "project__name", "text"]
    list_select_related = ["project", "reporter"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/photo/",
                self.admin_site.admin_view(self.photo_view),
                name="projects_progressreport_photo",
            ),
            *super().get_urls(),
        ]

    def photo_view(self, request, pk):
        report = self.get_queryset(request).filter(pk=pk).first()
        if report is None or not report.photo or not self.has_view_permission(request, report):
            raise Http404
        return FileResponse(report.photo.open("rb"), filename=report.photo.name.rsplit("/")[-1])

    @admin.display(description=_("现场照片"))
    def photo_display(self, obj):
        return photo_link(obj)

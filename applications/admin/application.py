"""The application admin: list, search, the lifecycle panel and the transition pages."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import paths, rules
from ..forms import AcceptanceForm, TransitionForm
from ..ledger.resources import ApplicationLedgerResource
from ..models import Application, ImportJob, Unit
from ..services import TransitionRefused
from ..services.acceptance import accept_application
from ..services.approvals import rejection_reasons, submit_scheme
from ..services.lifecycle import (
    TRANSITIONS,
    available_transitions,
    blocked_transitions,
    perform_transition,
    transition_label,
)
from ..states import State
from . import panels
from .inlines import APPLICATION_INLINES
from .ledger import LedgerImportExportMixin
from .paginators import CustomerManagerListFilter, EstimatedCountPaginator
from .scoping import UnitScopedAdminMixin


def _without(fields, hidden):
    rows = []
    for row in fields:
        if isinstance(row, tuple | list):
            row = tuple(f for f in row if f not in hidden)
            if row:
                rows.append(row)
        elif row not in hidden:
            rows.append(row)
    return rows


@admin.register(Application)
class ApplicationAdmin(LedgerImportExportMixin, UnitScopedAdminMixin, SimpleHistoryAdmin):
    change_form_template = "admin/applications/application/change_form.html"
    # 导入 / 导出 on the list: the ledger (业扩台账) through applications.ledger.
    ledger_kind = ImportJob.Kind.APPLICATIONS
    resource_classes = [ApplicationLedgerResource]
    list_display = [
        "number",
        "customer",
        "customer_class",
        "state",
        "unit",
        "customer_manager",
        "requested_capacity_kva",
        "accepted_at",
        "is_small_micro",
        "has_grid_works",
    ]
    list_filter = [
        "state",
        "customer_class",
        "unit",
        ("customer_manager", CustomerManagerListFilter),
        "business_type",
        "channel",
        "is_small_micro",
        "has_grid_works",
        "accepted_at",
    ]
    search_fields = ["number", "customer__name", "customer__phone", "customer__id_number"]
    list_select_related = ["customer", "unit", "customer_manager"]
    # No date_hierarchy: listing its years scans every application (0.7 s at a million);
    # the 受理时间 filter above covers it. Huge lists get an estimated count, never two counts.
    list_per_page = 50
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    autocomplete_fields = ["customer"]
    inlines = APPLICATION_INLINES
    readonly_fields = [
        "number",
        "customer",
        "unit",
        "customer_class",
        "business_type",
        "requested_capacity_kva",
        "supply_voltage",
        "channel",
        "state",
        "state_changed_at",
        "accepted_at",
        "accepted_by",
        "suspended_from",
        "suspension_reason",
        "cancel_reason",
        "grid_works_completed_at",
        "energized_at",
        "archived_at",
        "archive_location",
    ]
    fieldsets = [
        (
            _("申请"),
            {
                "fields": [
                    ("number", "state", "state_changed_at"),
                    ("customer", "unit"),
                    ("customer_class", "business_type", "channel"),
                    ("requested_capacity_kva", "supply_voltage"),
                    "site_address",
                    ("is_small_micro", "has_grid_works", "is_important_customer"),
                    ("design_review_required", "middle_inspection_required"),
                    ("accepted_at", "accepted_by"),
                ]
            },
        ),
        (
            _("责任人"),
            {"fields": [("customer_manager", "manager_chosen_by_customer"), "project_manager"]},
        ),
        (
            _("进度"),
            {
                "fields": [
                    ("suspended_from", "suspension_reason"),
                    "cancel_reason",
                    "grid_works_completed_at",
                    ("energized_at", "archived_at", "archive_location"),
                    "note",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.state in paths.FINAL_STATES:
            # A finished application is a record: nothing changes any more.
            readonly += [f.name for f in self.model._meta.fields if f.name not in readonly]
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not obj.is_high_voltage:
            # Design review and middle inspection exist only on the high-voltage path.
            hidden = {
                "design_review_required",
                "middle_inspection_required",
                "is_important_customer",
            }
            fieldsets = [
                (title, {**opts, "fields": _without(opts["fields"], hidden)})
                for title, opts in fieldsets
            ]
        return fieldsets

    # --- Columns and filters other apps register (applications.admin.panels) ----------------

    def get_list_display(self, request):
        extra = panels.list_columns(request)
        for column in extra:
            # The admin looks list_display names up on the ModelAdmin.
            setattr(self, column.name, column.column)
        return [*super().get_list_display(request), *(c.name for c in extra)]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), *panels.list_filters(request)]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if getattr(request, "resolver_match", None) and request.resolver_match.url_name == (
            f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        ):
            queryset = panels.annotate_list(queryset, request)
        return queryset

    def has_delete_permission(self, request, obj=None):
        return False  # applications are cancelled with a reason, never deleted

    # --- Acceptance goes through the service -------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        units = rules.scope_to_user(Unit.objects.all(), request.user, unit_field="")
        form = AcceptanceForm(request.POST or None, admin_site=self.admin_site, units=units)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            received = data.pop("received_materials")
            try:
                app = accept_application(user=request.user, received_materials=received, **data)
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    _("已受理，工单编号 %(number)s。") % {"number": app.number},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:applications_application_change", args=[app.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("受理登记"),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/applications/application/accept.html", context)

    # --- The lifecycle panel and transition pages ---------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{prefix}_transition",
            ),
            path(
                "<path:object_id>/submit-scheme/",
                self.admin_site.admin_view(self.submit_scheme_view),
                name=f"{prefix}_submit_scheme",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        app = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if app is not None:
            extra_context["lifecycle"] = self.lifecycle_context(request, app)
            extra_context["panels"] = panels.render_context(request, app)
        return super().change_view(request, object_id, form_url, extra_context)

    def lifecycle_context(self, request, app: Application) -> dict:
        path_states = app.path
        current = app.suspended_from or app.state
        position = path_states.index(current) if current in path_states else len(path_states)
        return {
            "steps": [
                {
                    "label": State(s).label,
                    "done": i < position or app.state == State.ARCHIVED,
                    "current": i == position and app.state != State.ARCHIVED,
                }
                for i, s in enumerate(path_states)
            ],
            "actions": available_transitions(app, request.user),
            "blocked": blocked_transitions(app, request.user),
            "can_submit_scheme": (
                app.state == State.SCHEME
                and app.is_high_voltage
                and rules.refusal(request.user, app, "submit_scheme") is None
            ),
            "scheme_rejections": rejection_reasons(app) if app.state == State.SCHEME else [],
            "scheme_review": app.scheme_reviews.order_by("-round").first(),
            "checklist": rules.archive_checklist(app) if app.state == State.ARCHIVE else [],
        }

    def _get_scoped_or_404(self, request, object_id) -> Application:
        app = self.get_object(request, object_id)
        if app is None:
            raise Http404(_("申请不存在，或不属于您的供电单位。"))
        return app

    def transition_view(self, request, object_id, name):
        app = self._get_scoped_or_404(request, object_id)
        if name not in TRANSITIONS:
            raise Http404(_("未知的操作。"))
        change_url = reverse("admin:applications_application_change", args=[app.pk])
        form = TransitionForm(
            request.POST or None,
            application=app,
            name=name,
            needs_comment=TRANSITIONS[name].needs_comment,
        )
        if request.method == "POST" and form.is_valid():
            try:
                perform_transition(
                    application=app, name=name, user=request.user, **form.service_kwargs()
                )
            except TransitionRefused as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.message_user(request, _("办理成功。"), messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        label = (
            transition_label(app, name)
            if app.state in getattr(Application, name)._django_fsm.transitions
            else name
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": app,
            "title": label,
            "form": form,
            "media": self.media + form.media,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/applications/application/transition.html", context)

    def submit_scheme_view(self, request, object_id):
        app = self._get_scoped_or_404(request, object_id)
        if request.method != "POST":
            raise PermissionDenied
        try:
            review = submit_scheme(application=app, user=request.user)
        except TransitionRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                _("已提交第%(round)s轮方案会签：%(depts)s。")
                % {
                    "round": review.round,
                    "depts": "、".join(
                        str(a.get_department_display()) for a in review.approvals.all()
                    ),
                },
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:applications_application_change", args=[app.pk]))

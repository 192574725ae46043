"""Ledger import and export in the admin: import-export's flow, our reader and writer.

Upload → preview (a dry run: the file is validated and, unless big, written and rolled back, so
the preview shows exact new / updated / unchanged counts and every bad row with its Excel row,
column and reason) → confirm, optionally "跳过错误行" → an `ImportJob`: small files run at once,
big ones as a django-q2 task; either way the user lands on the job's page (progress bar,
summary, error workbook) and may leave it while a big file runs.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm, SelectableFieldsExportForm

from .. import privacy, rules, uploads
from ..ledger.formats import SafeXLSX, import_formats
from ..ledger.importing import KINDS
from ..ledger.jobs import start_import
from ..ledger.reader import LedgerFileError
from ..ledger.resources import MeteringLedgerResource
from ..models import ImportJob, MeteringRecord
from .scoping import ReadOnlyAdminMixin, UnitScopedAdminMixin

IMPORT_PERMISSION = "applications.import_ledger"


class LedgerImportForm(ImportForm):
    def clean_import_file(self):
        """A spreadsheet or CSV by its content, within the import size limit."""
        file = self.cleaned_data["import_file"]
        uploads.validate_upload(file, uploads.LEDGER_KINDS, max_bytes=uploads.import_max_bytes())
        return file


class LedgerConfirmForm(ConfirmImportForm):
    skip_errors = forms.BooleanField(
        label=_lazy("跳过错误行"),
        required=False,
        help_text=_lazy("只导入正确的行；错误行不导入，并生成错误清单供下载修正。"),
    )
    rows_total = forms.IntegerField(widget=forms.HiddenInput, required=False)
    error_rows = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("error_rows") and not data.get("skip_errors"):
            raise forms.ValidationError(
                _("文件有%(n)s行错误，整个文件都不会导入。请勾选“跳过错误行”，或修正后重新上传。")
                % {"n": data["error_rows"]}
            )
        return data


class LedgerExportForm(SelectableFieldsExportForm):
    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name  # the Chinese header, as exported


class LedgerImportExportMixin(ImportExportMixin):
    """django-import-export's import and export, wired to `applications.ledger`."""

    ledger_kind: str = ""
    import_template_name = "admin/applications/ledger/import.html"
    import_form_class = LedgerImportForm
    confirm_form_class = LedgerConfirmForm
    export_form_class = LedgerExportForm

    def get_import_formats(self):
        return import_formats(KINDS[self.ledger_kind].columns)

    def get_export_formats(self):
        return [SafeXLSX]

    def has_import_permission(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)

    def has_export_permission(self, request):
        return self.has_view_permission(request)  # the rows exported are the rows one sees

    def get_data_for_export(self, request, queryset, **kwargs):
        """The rows, numbers masked for users without the right to see them; logged."""
        full = privacy.sees_personal_data(request.user)
        dataset = super().get_data_for_export(
            request, queryset, mask_personal_data=not full, **kwargs
        )
        if any(r.personal_data for r in self.get_export_resource_classes(request)):
            privacy.record_export(
                request,
                _("%(ledger)s导出") % {"ledger": dataset.title},
                rows=len(dataset),
                masked=not full,
            )
        return dataset

    def get_export_filename(self, request, queryset, file_format):
        return f"yekuo-{self.ledger_kind}-{timezone.localdate():%Y%m%d}.xlsx"

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, LedgerFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        outcome = getattr(request, "ledger_outcome", None)
        if outcome is not None:
            initial.update(rows_total=outcome.rows_total, error_rows=outcome.error_row_count)
        return initial

    def get_import_context_data(self, **kwargs):
        return {**super().get_import_context_data(**kwargs), "ledger_kind": self.ledger_kind}

    @staticmethod
    def _tmp_bytes(storage_class, name: str, **kwargs) -> tuple[bytes, object]:
        storage = storage_class(name=name, read_mode="rb", encoding=None, **kwargs)
        return storage.read(), storage

    def process_import(self, request, **kwargs):
        """Confirmed: the file becomes an ImportJob (run now, or queued if it is big)."""
        if request.method != "POST":
            raise PermissionDenied
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("导入"),
                "confirm_form": form,
                "opts": self.model._meta,
                "errors": form.errors,
                "ledger_kind": self.ledger_kind,
            }
            return TemplateResponse(request, [self.import_template_name], context)
        data, storage = self._tmp_bytes(
            self.get_tmp_storage_class(),
            form.cleaned_data["import_file_name"],
            **self.get_tmp_storage_class_kwargs(),
        )
        job = start_import(
            kind=self.ledger_kind,
            data=data,
            filename=form.cleaned_data["original_file_name"],
            user=request.user,
            skip_errors=form.cleaned_data["skip_errors"],
            rows_hint=form.cleaned_data.get("rows_total"),
        )
        storage.remove()
        if job.status == ImportJob.Status.QUEUED:
            messages.info(
                request, _("文件较大，已转入后台导入。您可以离开本页，稍后在“台账导入”中查看结果。")
            )
        return HttpResponseRedirect(reverse("admin:applications_importjob_change", args=[job.pk]))


@admin.register(MeteringRecord)
class MeteringRecordAdmin(
    LedgerImportExportMixin, ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin
):
    """Metering records come only from imports: listed, searched, exported, never edited."""

    ledger_kind = ImportJob.Kind.METERING
    resource_classes = [MeteringLedgerResource]
    unit_path = "application__unit"
    list_display = ["application", "meter_number", "installed_on", "source", "imported_at"]
    list_filter = ["source", "installed_on"]
    search_fields = ["application__number", "meter_number"]
    list_select_related = ["application__customer"]
    date_hierarchy = "installed_on"


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/applications/importjob/change_form.html"
    list_display = [
        "created_at",
        "kind",
        "original_name",
        "uploaded_by",
        "status",
        "rows_total",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
        "rows_with_errors",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["original_name", "uploaded_by__username", "uploaded_by__first_name"]
    list_select_related = ["uploaded_by"]
    date_hierarchy = "created_at"
    fields = [
        ("kind", "status"),
        ("original_name", "uploaded_by", "skip_errors"),
        ("created_at", "started_at", "finished_at"),
        ("rows_total", "rows_created", "rows_updated", "rows_unchanged", "rows_with_errors"),
        "message",
    ]

    def get_queryset(self, request):
        jobs = super().get_queryset(request)
        if rules.sees_all_units(request.user):
            return jobs
        return jobs.filter(uploaded_by=request.user)  # one's own imports

    def get_urls(self):
        return [
            path(
                "<int:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="applications_importjob_progress",
            ),
            path(
                "<int:object_id>/errors/",
                self.admin_site.admin_view(self.errors_view),
                name="applications_importjob_errors",
            ),
            *super().get_urls(),
        ]

    def _job_or_404(self, request, object_id) -> ImportJob:
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = self.get_queryset(request).filter(pk=object_id).first()
        if job is None:
            raise Http404(_("导入任务不存在，或不是您提交的。"))
        return job

    def progress_view(self, request, object_id):
        """What the progress bar polls: small, and safe to ask every second."""
        job = self._job_or_404(request, object_id)
        return JsonResponse(progress_payload(job))

    def errors_view(self, request, object_id):
        job = self._job_or_404(request, object_id)
        if not job.error_file:
            raise Http404(_("该导入没有错误清单。"))
        # The refused rows as they were typed, numbers whole: an export of personal data.
        privacy.record_export(
            request,
            _("导入错误清单：%(job)s") % {"job": job},
            rows=job.rows_with_errors,
            masked=False,
        )
        return FileResponse(
            job.error_file.open("rb"),
            as_attachment=True,
            filename=f"import-{job.pk}-errors.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job_or_404(request, object_id)
        extra_context = {**(extra_context or {}), "job": job, "payload": progress_payload(job)}
        return super().change_view(request, object_id, form_url, extra_context)


def progress_payload(job: ImportJob) -> dict:
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "finished": job.is_finished,
        "percent": job.percent,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "created": job.rows_created,
        "updated": job.rows_updated,
        "unchanged": job.rows_unchanged,
        "rows_with_errors": job.rows_with_errors,
        "message": job.message,
        "error_file": (
            reverse("admin:applications_importjob_errors", args=[job.pk]) if job.error_file else ""
        ),
    }

"""Excel export of an admin list as it is filtered: the ledgers' 导出Excel button.

The rows are the changelist's own queryset (the user's unit scope, filters, search and
ordering), written by the ledger's formula-safe writer (applications.ledger.xlsx).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from applications.ledger.xlsx import write_rows

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XlsxExportMixin:
    """`export_columns = [(header, value_of(obj)), …]`; `export_name` names the file."""

    export_columns: list[tuple[str, Callable]] = []
    export_name = "ledger"
    change_list_template = "admin/projects/export_change_list.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name=name),
            *super().get_urls(),
        ]

    def export_rows(self, queryset):
        for obj in queryset:
            yield [value_of(obj) for _header, value_of in self.export_columns]

    def export_view(self, request):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        title = str(self.opts.verbose_name_plural)
        headers = [str(header) for header, _value in self.export_columns]
        content = write_rows(title, headers, self.export_rows(queryset))
        response = HttpResponse(content, content_type=XLSX_TYPE)
        filename = f"yekuo-{self.export_name}-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

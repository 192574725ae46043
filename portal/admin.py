"""Staff side of the customer pages: uploaded documents (opened through the access log) and
ratings. Both read-only and region-scoped."""

from django.contrib import admin
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applications import privacy
from applications.admin.inlines import APPLICATION_INLINES, MaterialInline
from applications.admin.scoping import (
    ReadOnlyAdminMixin,
    ReadOnlyTabularInline,
    UnitScopedAdminMixin,
)
from monitoring.models import Callback

from .models import CustomerDocument, ServiceRating


@admin.register(CustomerDocument)
class CustomerDocumentAdmin(ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "application__unit"
    list_display = ["application", "kind", "content_kind", "size", "uploaded_at", "open_link"]
    list_filter = ["kind", "uploaded_at"]
    search_fields = ["application__number"]
    list_select_related = ["application__customer"]
    fields = ["application", "kind", "content_kind", "original_name", "size", "uploaded_at",
              "open_link"]  # fmt: skip
    readonly_fields = fields

    def get_urls(self):
        return [
            path(
                "<int:pk>/file/",
                self.admin_site.admin_view(self.file_view),
                name="portal_customerdocument_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, pk):
        """The file itself, to staff who may see the row; every opening is logged."""
        document = self.get_queryset(request).filter(pk=pk).first()
        if document is None or not self.has_view_permission(request, document):
            raise Http404
        subject = f"{document.application.number} {document.get_kind_display()}"
        privacy.record_view(request, document, subject=subject)
        return FileResponse(document.file.open("rb"), filename=document.file.name.rsplit("/")[-1])

    @admin.display(description=_("文件"))
    def open_link(self, obj):
        return _open_link(obj)


class CountedFilter(admin.SimpleListFilter):
    """Ratings the satisfaction rate counts: the customer's satisfaction callback got no score
    (monitoring.dashboard.figures.online_ratings_counted; the dashboard links here)."""

    title = _("计入满意率")
    parameter_name = "counted"

    def lookups(self, request, model_admin):
        return [("1", _("计入（回访未评分）")), ("0", _("不计入（以回访评分为准）"))]

    def queryset(self, request, queryset):
        if self.value() not in ("1", "0"):
            return queryset
        scored = Callback.objects.filter(
            kind=Callback.Kind.SATISFACTION,
            status=Callback.Status.REACHED,
            satisfaction__isnull=False,
        ).values("application_id")
        if self.value() == "1":
            return queryset.exclude(application_id__in=scored)
        return queryset.filter(application_id__in=scored)


@admin.register(ServiceRating)
class ServiceRatingAdmin(ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit"
    list_display = ["application", "score", "rated_at", "unit"]
    list_filter = [
        "score",
        "unit",
        "rated_at",
        "application__customer_class",
        "application__is_small_micro",
        CountedFilter,
    ]
    search_fields = ["application__number"]
    list_select_related = ["application__customer", "unit"]
    readonly_fields = ["application", "unit", "score", "comment", "rated_at"]


def _open_link(obj):
    url = reverse("admin:portal_customerdocument_file", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, _("打开"))


class CustomerDocumentInline(ReadOnlyTabularInline):
    """The customer's uploads on the application page, beside the materials they stand for."""

    model = CustomerDocument
    fields = ["kind", "content_kind", "size", "uploaded_at", "open_link"]
    verbose_name_plural = _("客户在线上传的资料（核验后在“受理资料”中登记收取）")

    @admin.display(description=_("文件"))
    def open_link(self, obj):
        return _open_link(obj)


# The application page is applications' own; its inline list is extended here so that
# applications does not import the customer pages.
APPLICATION_INLINES.insert(APPLICATION_INLINES.index(MaterialInline) + 1, CustomerDocumentInline)

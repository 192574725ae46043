"""Admin for the company's calendar entries; both lists say which years are only guessed."""

from datetime import date

from django.contrib import admin, messages
from django.utils import timezone

from monitoring import workdays
from monitoring.models import CalendarOverride, CalendarYear


class CoverageWarningsMixin:
    """Shows a warning on the list page for this year or next if its holidays are not entered."""

    def changelist_view(self, request, extra_context=None):
        # The next year's arrangement is published each November: warn for both years. Only on
        # GET: a POST (bulk action) redirects here, and the message would show twice.
        if request.method == "GET":
            this_year = timezone.localdate().year
            start, end = date(this_year, 1, 1), date(this_year + 1, 1, 1)
            for warning in workdays.coverage_warnings(start, end):
                messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(CoverageWarningsMixin, admin.ModelAdmin):
    list_display = ["day", "kind", "note", "created_by", "created_at"]
    list_filter = ["kind"]
    date_hierarchy = "day"
    search_fields = ["note"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CalendarYear)
class CalendarYearAdmin(CoverageWarningsMixin, admin.ModelAdmin):
    list_display = ["year", "confirmed_by", "confirmed_at", "note"]
    search_fields = ["note"]
    readonly_fields = ["confirmed_by", "confirmed_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.confirmed_by = request.user
        super().save_model(request, obj, form, change)

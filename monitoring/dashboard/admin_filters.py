"""List filters the dashboard's links use on the stage clock admin."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .figures import clock_status_q, running_clocks


class ClockStatusFilter(admin.SimpleListFilter):
    """Running clocks overdue now, due by 24:00 today, or in their warning window — the
    dashboard's 时限预警与超期 figures, judged at the moment the list is shown."""

    title = _("当前时限状态")
    parameter_name = "now_status"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("已超期")),
            ("due_today", _("今日到期")),
            ("warning", _("预警中")),
        ]

    def queryset(self, request, queryset):
        if self.value() not in dict(self.lookup_choices):
            return queryset
        return running_clocks(queryset).filter(clock_status_q(self.value(), timezone.now()))

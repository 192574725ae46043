"""The clock timeline panel on the application page."""

from applications.admin.panels import register_panel

from ..timeline import clock_timeline, uncovered_due_warnings


@register_panel("admin/monitoring/timeline_panel.html", order=10)
def timeline_panel(request, application):
    if not request.user.has_perm("monitoring.view_stageclock"):
        return None
    return {
        "rows": clock_timeline(application),
        "calendar_warnings": uncovered_due_warnings(application),
    }

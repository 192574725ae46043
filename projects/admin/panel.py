"""The grid works panel on the application page: the application's projects, their phases
and progress, so the customer manager sees the site without leaving the application."""

from django.urls import reverse

from applications.admin.panels import register_panel
from applications.rules import scope_to_user

from ..models import Project


@register_panel("admin/projects/application_panel.html", order=30)
def projects_panel(request, application):
    if not request.user.has_perm("projects.view_project"):
        return None
    linked = scope_to_user(
        Project.objects.filter(applications=application), request.user, unit_field="unit"
    ).prefetch_related("phases")
    rows = [
        {
            "project": project,
            "url": reverse("admin:projects_project_change", args=[project.pk]),
            "phases": list(project.phases.all()),
        }
        for project in linked
    ]
    if not rows and not application.has_grid_works:
        return None
    return {"rows": rows}

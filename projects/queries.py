"""Selectors over projects that other apps read (supervision, ledgers, dashboards)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from applications.states import State

from .models import Project, ProjectPhase

# An application still in one of these states while its project reports construction
# complete is behind the site (DOMAIN.md §7: "a project reports construction complete while
# the application is still before it") — a sign of 线外流转.
STATES_BEFORE_GRID_WORKS = (State.ACCEPT, State.SCHEME)

ProjectLink = Project.applications.through


def completion_reported() -> Q:
    """Projects reported complete: the completion phase done, or a 100 % progress report."""
    done = ProjectPhase.objects.filter(
        project=OuterRef("pk"), phase=ProjectPhase.Phase.COMPLETION, actual_on__isnull=False
    )
    return Q(Exists(done)) | Q(progress_percent__gte=100)


def progress_ahead_of_application() -> QuerySet:
    """(project, application) links where the project reports construction complete while the
    application is still in acceptance or scheme.

    Rows of the Project–Application link table, with `project` and `application` selected;
    the evidence is on them: the project's completion phase / last progress report and the
    application's state and `state_changed_at`.
    """
    complete = Project.objects.filter(completion_reported()).exclude(
        status=Project.Status.CANCELLED
    )
    return ProjectLink.objects.filter(
        project__in=complete, application__state__in=STATES_BEFORE_GRID_WORKS
    ).select_related("project", "application")

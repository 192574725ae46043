"""Receivers of the projects app's signals: the project phases' deadlines (工程节点, timed by
the Deadline engine and swept like stage clocks) and stock alerts. Every signal is sent inside
the sender's transaction, so what these write commits or rolls back with the change."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from applications import roles
from applications.states import Department
from projects.signals import (
    phase_completed,
    phase_planned,
    phase_unplanned,
    progress_reported,
    stock_below_threshold,
)

from . import deadlines
from .models import Deadline
from .notify import notify_people
from .supervision import detection


def _only_application(project):
    """The project's application when it has exactly one: its deadlines show on that page."""
    linked = list(project.applications.all()[:2])
    return linked[0] if len(linked) == 1 else None


@receiver(phase_planned, dispatch_uid="monitoring.project_phase_deadline_starts")
def phase_deadline_starts(sender, *, project, phase, planned_on, at, **kwargs):
    """A phase planned (or re-planned): its deadline runs to the planned date's 24:00."""
    deadlines.start(
        project,
        Deadline.Kind.PROJECT_PHASE,
        key=phase.phase,
        label=f"{project.number} {phase.get_phase_display()}",
        unit=project.unit,
        responsible=project.project_manager,
        started_at=at,
        due_at=planned_on,
        application=_only_application(project),
    )


@receiver(phase_completed, dispatch_uid="monitoring.project_phase_deadline_finishes")
def phase_deadline_finishes(sender, *, project, phase, actual_on, at, **kwargs):
    """Done on `actual_on`: met if that day is not after the planned day (both end at 24:00);
    never later than the moment it was recorded."""
    deadlines.finish(project, key=phase.phase, at=min(deadlines.end_of_day(actual_on), at))


# Works reported done while an application is still before them is 线外流转 evidence (rule
# (b)): the case opens with the report; the daily scan finds any this path missed.
@receiver(progress_reported, dispatch_uid="monitoring.project_ahead_on_progress")
@receiver(phase_completed, dispatch_uid="monitoring.project_ahead_on_phase")
def project_ahead_cases(sender, *, project, at, **kwargs):
    detection.open_project_cases(project, at)


@receiver(phase_unplanned, dispatch_uid="monitoring.project_phase_deadline_cancelled")
def phase_deadline_cancelled(sender, *, project, phase, at, reason="", **kwargs):
    deadlines.cancel(project, key=phase.phase, at=at, reason=reason)


def materials_staff(unit):
    """Who keeps a unit's stock: its materials officers and materials (物资) approvers, in the
    unit or in the company above it."""
    units = [unit.pk, unit.parent_id] if unit.parent_id else [unit.pk]
    materials_approver = Q(groups__name=roles.APPROVER) & Q(
        staff_profile__department=Department.MATERIALS
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__unit__in=units)
        .filter(Q(groups__name=roles.MATERIALS_OFFICER) | materials_approver)
        .distinct()
    )


@receiver(stock_below_threshold, dispatch_uid="monitoring.stock_below_threshold")
def stock_alert(sender, *, stock, project, requisition, at, **kwargs):
    """A draw took consigned stock below its minimum: tell materials staff and the manager."""
    values = {
        "item": stock.item.name,
        "warehouse": stock.warehouse,
        "quantity": stock.quantity,
        "threshold": stock.threshold,
        "uom": stock.item.unit_of_measure,
        "project": project.number,
    }
    notify_people(
        recipients=[*materials_staff(stock.unit), project.project_manager],
        title=_("库存预警：%(warehouse)s %(item)s低于最低库存") % values,
        body=_(
            "工程%(project)s领料后，%(warehouse)s的%(item)s剩余 %(quantity)s %(uom)s，"
            "低于最低库存 %(threshold)s %(uom)s，请及时补充。"
        )
        % values,
        link=reverse("admin:projects_consignedstock_change", args=[stock.pk]),
        at=at,
    )

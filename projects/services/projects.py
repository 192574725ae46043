"""Projects and their phases: the one writer of a project's number, applications, phase dates
and status. Each change is checked (who, which unit, whose project) and announced in the same
transaction (projects.signals), so phase deadlines follow without this app knowing of them."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.services.errors import TransitionRefused
from applications.services.numbering import reserve_next

from .. import rules, signals
from ..models import Project, ProjectNumberSequence, ProjectPhase

Phase = ProjectPhase.Phase

# The status a project reaches when a phase is done (the last done phase wins).
STATUS_AFTER = {
    Phase.DESIGN: Project.Status.MATERIAL,
    Phase.MATERIAL: Project.Status.READY,
    Phase.CONSTRUCTION: Project.Status.CONSTRUCTION,
    Phase.COMPLETION: Project.Status.COMPLETED,
}


def next_project_number(year: int) -> str:
    """Reserve the next project number of `year`, like PJ-2026-00012."""
    return f"PJ-{year}-{reserve_next(ProjectNumberSequence, year):05d}"


def _invalid(project: Project) -> list[str]:
    try:
        project.full_clean(exclude=["number", "applications"])
    except ValidationError as error:
        return [m for msgs in error.message_dict.values() for m in msgs]
    return []


def _application_refusals(project: Project, applications) -> list[str]:
    reasons = []
    if project.kind != Project.Kind.AHEAD and not applications:
        reasons.append(_("除预推进工程外，配套工程须关联至少一个业扩申请。"))
    foreign = [a.number for a in applications if not rules.in_unit_of(a.unit, project.unit)]
    if foreign:
        reasons.append(
            _("业扩申请%(numbers)s不属于%(unit)s，不能关联到本工程。")
            % {"numbers": "、".join(foreign), "unit": project.unit}
        )
    return reasons


def creation_refusals(*, user, project: Project, applications) -> list[str]:
    """Every reason `user` may not register this (unsaved) project for `applications`."""
    refused = rules.permission_refusal(user, "add_project") or rules.unit_refusal(
        user, project.unit
    )
    if refused:
        return [refused]
    return _invalid(project) + _application_refusals(project, list(applications))


def update_refusals(*, user, project: Project, applications=None) -> list[str]:
    """Every reason `user` may not save these changes to a project (only its own manager)."""
    saved = Project.objects.select_related("project_manager").get(pk=project.pk)
    refused = rules.manager_refusal(user, saved, "change_project")
    if refused:
        return [refused]
    reasons = []
    if project.unit_id != saved.unit_id:
        reasons.append(_("工程的供电单位不能更改。"))
    reasons += _invalid(project)
    if applications is not None:
        reasons += _application_refusals(project, list(applications))
    return reasons


@transaction.atomic
def create_project(*, user, project: Project, applications=(), at: datetime | None = None):
    """Register a new project (numbered) built by `user` for `applications` (may be none for
    预推进工程). `project` is an unsaved instance with its fields filled in."""
    at = at or timezone.now()
    applications = list(applications)
    reasons = creation_refusals(user=user, project=project, applications=applications)
    if reasons:
        raise TransitionRefused(reasons)
    project.number = next_project_number(timezone.localtime(at).year)
    project.created_by = user
    project.save()
    project.applications.set(applications)
    ProjectPhase.objects.bulk_create(
        [ProjectPhase(project=project, phase=phase) for phase in ProjectPhase.ORDER]
    )
    return project


@transaction.atomic
def update_project(*, user, project: Project, applications=None) -> Project:
    """Save changes to a project's own fields (and its applications, if given): only its
    project manager, in their unit. The number, status and phases change elsewhere."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    applications = None if applications is None else list(applications)
    reasons = update_refusals(user=user, project=project, applications=applications)
    if reasons:
        raise TransitionRefused(reasons)
    project.number, project.status = locked.number, locked.status
    project.save()
    if applications is not None:
        project.applications.set(applications)
    return project


def _phase_for_change(*, user, project: Project, phase: str) -> ProjectPhase:
    locked = Project.objects.select_for_update().get(pk=project.pk)
    reason = rules.manager_refusal(user, locked, "change_projectphase")
    if reason:
        raise TransitionRefused(reason)
    if locked.is_closed:
        raise TransitionRefused(
            _("工程已%(status)s，不能再修改节点。") % {"status": locked.get_status_display()}
        )
    row, _created = ProjectPhase.objects.select_for_update().get_or_create(
        project=locked, phase=phase
    )
    return row


@transaction.atomic
def plan_phase(*, user, project: Project, phase: str, planned_on: date | None, at=None):
    """Set (or re-plan, or clear) a phase's planned date; its deadline follows."""
    at = at or timezone.now()
    row = _phase_for_change(user=user, project=project, phase=phase)
    if row.actual_on is not None:
        raise TransitionRefused(
            _("“%(phase)s”已于%(on)s完成，不能再调整计划。")
            % {"phase": row.get_phase_display(), "on": row.actual_on}
        )
    if row.planned_on == planned_on:
        return row
    row.planned_on, row.updated_by = planned_on, user
    row.save()
    if planned_on is None:
        signals.phase_unplanned.send(
            sender=Project, project=row.project, phase=row, actor=user, at=at, reason=""
        )
    else:
        signals.phase_planned.send(
            sender=Project, project=row.project, phase=row, planned_on=planned_on, actor=user, at=at
        )
    return row


@transaction.atomic
def record_phase_done(*, user, project: Project, phase: str, actual_on: date, at=None):
    """Record the actual date a phase was done; the project's status follows."""
    at = at or timezone.now()
    if actual_on > timezone.localdate(at):
        raise TransitionRefused(_("实际完成日期不能晚于今天。"))
    row = _phase_for_change(user=user, project=project, phase=phase)
    if row.actual_on is not None:
        raise TransitionRefused(
            _("“%(phase)s”已登记于%(on)s完成。")
            % {"phase": row.get_phase_display(), "on": row.actual_on}
        )
    earlier = ProjectPhase.ORDER[: ProjectPhase.ORDER.index(phase)]
    missing = ProjectPhase.objects.filter(
        project=row.project, phase__in=earlier, actual_on__isnull=True
    )
    if missing.exists():
        names = "、".join(str(Phase(p.phase).label) for p in missing.order_by("pk"))
        raise TransitionRefused(_("须先登记前序节点：%(names)s。") % {"names": names})
    row.actual_on, row.updated_by = actual_on, user
    row.save()
    Project.objects.filter(pk=row.project.pk).update(status=STATUS_AFTER[phase], updated_at=at)
    row.project.status = STATUS_AFTER[phase]
    signals.phase_completed.send(
        sender=Project, project=row.project, phase=row, actual_on=actual_on, actor=user, at=at
    )
    return row


@transaction.atomic
def cancel_project(*, user, project: Project, reason: str, at=None) -> Project:
    """Cancel a project that will not be built; its open phase deadlines are withdrawn."""
    at = at or timezone.now()
    locked = Project.objects.select_for_update().get(pk=project.pk)
    refused = rules.manager_refusal(user, locked, "change_project")
    if refused:
        raise TransitionRefused(refused)
    if locked.is_closed:
        raise TransitionRefused(
            _("工程已%(status)s，不能撤销。") % {"status": locked.get_status_display()}
        )
    if not reason.strip():
        raise TransitionRefused(_("撤销工程须说明原因。"))
    locked.status, locked.cancel_reason = Project.Status.CANCELLED, reason.strip()
    locked.save(update_fields=["status", "cancel_reason", "updated_at"])
    for row in locked.phases.filter(planned_on__isnull=False, actual_on__isnull=True):
        signals.phase_unplanned.send(
            sender=Project, project=locked, phase=row, actor=user, at=at, reason=reason
        )
    return locked

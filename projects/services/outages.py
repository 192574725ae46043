"""Outage plans (停电计划): drafted and submitted by the project's manager, approved or
rejected by dispatch (调控) — the one writer of `OutagePlan.status`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.services.errors import TransitionRefused

from .. import rules, signals
from ..models import OutagePlan

Status = OutagePlan.Status


def _locked(plan: OutagePlan) -> OutagePlan:
    return (
        OutagePlan.objects.select_for_update(of=("self",))
        .select_related("project__unit", "project__project_manager")
        .get(pk=plan.pk)
    )


def _status_refusal(plan: OutagePlan, allowed: tuple[str, ...], action: str) -> str | None:
    if plan.status not in allowed:
        return _("停电计划当前为“%(status)s”，不能%(action)s。") % {
            "status": plan.get_status_display(),
            "action": action,
        }
    return None


def _clean(plan: OutagePlan) -> None:
    try:
        plan.full_clean()
    except ValidationError as error:
        raise TransitionRefused([m for msgs in error.message_dict.values() for m in msgs]) from None


@transaction.atomic
def save_draft(*, user, plan: OutagePlan) -> OutagePlan:
    """Create or change a draft (or a rejected plan, to submit it again) of the project's
    manager. Live-line work needs no outage: only 免申报 is accepted for it (model clean)."""
    refused = rules.manager_refusal(
        user, plan.project, "change_outageplan" if plan.pk else "add_outageplan"
    )
    if refused:
        raise TransitionRefused(refused)
    if plan.pk:
        current = _locked(plan)
        refused = _status_refusal(current, (Status.DRAFT, Status.REJECTED), _("修改"))
        if refused:
            raise TransitionRefused(refused)
        plan.status = current.status
    _clean(plan)
    plan.save()
    return plan


@transaction.atomic
def submit(*, user, plan: OutagePlan, at=None) -> OutagePlan:
    """Send a draft (or a corrected rejected plan) to dispatch."""
    at = at or timezone.now()
    plan = _locked(plan)
    refused = rules.manager_refusal(user, plan.project, "change_outageplan") or _status_refusal(
        plan, (Status.DRAFT, Status.REJECTED), _("提交")
    )
    if refused:
        raise TransitionRefused(refused)
    _clean(plan)
    if plan.requested_start <= at:
        raise TransitionRefused(_("申请停电开始时间已过，请调整后再提交。"))
    plan.status, plan.submitted_by, plan.submitted_at = Status.SUBMITTED, user, at
    plan.decided_by, plan.decided_at, plan.decision_note = None, None, ""
    plan.save()
    signals.outage_plan_submitted.send(sender=OutagePlan, plan=plan, actor=user, at=at)
    return plan


@transaction.atomic
def approve(*, user, plan: OutagePlan, start=None, end=None, note: str = "", at=None):
    """Approve a submitted plan for the window [start, end] (default: the requested one).

    An approved window outside the requested one changes the customers' and the crew's day:
    dispatch must say why in `note`.
    """
    at = at or timezone.now()
    plan = _locked(plan)
    refused = rules.dispatch_refusal(user, plan.project) or _status_refusal(
        plan, (Status.SUBMITTED,), _("批准")
    )
    if refused:
        raise TransitionRefused(refused)
    start, end = start or plan.requested_start, end or plan.requested_end
    if end <= start:
        raise TransitionRefused(_("批准停电结束时间须晚于开始时间。"))
    outside = start < plan.requested_start or end > plan.requested_end
    if outside and not note.strip():
        raise TransitionRefused(
            _("批准时段超出申请时段（%(start)s 至 %(end)s），须填写理由。")
            % {
                "start": timezone.localtime(plan.requested_start).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(plan.requested_end).strftime("%Y-%m-%d %H:%M"),
            }
        )
    plan.status, plan.approved_start, plan.approved_end = Status.APPROVED, start, end
    plan.decided_by, plan.decided_at, plan.decision_note = user, at, note.strip()
    plan.save()
    signals.outage_plan_decided.send(sender=OutagePlan, plan=plan, actor=user, at=at)
    return plan


@transaction.atomic
def reject(*, user, plan: OutagePlan, reason: str, at=None) -> OutagePlan:
    """Reject a submitted plan, saying why (the manager corrects it and submits again)."""
    at = at or timezone.now()
    plan = _locked(plan)
    refused = rules.dispatch_refusal(user, plan.project) or _status_refusal(
        plan, (Status.SUBMITTED,), _("驳回")
    )
    if refused:
        raise TransitionRefused(refused)
    if not reason.strip():
        raise TransitionRefused(_("驳回停电计划须说明原因。"))
    plan.status, plan.decided_by, plan.decided_at = Status.REJECTED, user, at
    plan.decision_note = reason.strip()
    plan.save()
    signals.outage_plan_decided.send(sender=OutagePlan, plan=plan, actor=user, at=at)
    return plan


@transaction.atomic
def cancel(*, user, plan: OutagePlan, reason: str, at=None) -> OutagePlan:
    """Withdraw a plan that is no longer needed (by the project's manager)."""
    plan = _locked(plan)
    refused = rules.manager_refusal(user, plan.project, "change_outageplan") or _status_refusal(
        plan, (Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.REJECTED), _("取消")
    )
    if refused:
        raise TransitionRefused(refused)
    if not reason.strip():
        raise TransitionRefused(_("取消停电计划须说明原因。"))
    plan.status, plan.cancel_reason = Status.CANCELLED, reason.strip()
    plan.save()
    return plan

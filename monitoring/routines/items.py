"""督办 items (督办事项): a leader sets a problem, an owner and a due date; the owner reports
progress and the result; the item is closed with a result or voided with a reason.

Each item runs a `Deadline` of kind SUPERVISION_ITEM labelled with its title, so the sweep
warns the owner, alerts when overdue and escalates to the unit's leader and 营销部, and meeting
packs and the monthly summary find open items through `Deadline`. Closing finishes it (met or
breached), voiding cancels it, a new owner or due date re-times it.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import StaffProfile

from .. import deadlines
from ..models import Deadline, SupervisionItem, SupervisionItemNote, SupervisionLetter
from ..supervision.scope import in_unit_scope, permission_refusal, refuse, unit_refusal

Status = SupervisionItem.Status
SET_LABEL = gettext_lazy("下达督办事项")


def _staff_unit(user):
    profile = StaffProfile.objects.select_related("unit").filter(user=user).first()
    return profile.unit if profile else None


def _owner_refusal(owner, unit) -> str | None:
    if owner is None or not owner.is_active:
        return _("请选择在岗的责任人。")
    if unit is None:
        return _("%(name)s没有员工档案（所属单位），不能作为责任人。") % {"name": _name(owner)}
    return None


def _links_refusals(user, *, application, project, letter) -> list[str | None]:
    """Linked records must be where the leader acts; a letter must be live (issued, not void)."""
    out = [
        None
        if record is None or in_unit_scope(user, record.unit)
        else _("%(record)s属于%(unit)s，不在您的管辖范围。")
        % {"record": record, "unit": record.unit}
        for record in (application, project, letter)
    ]
    if letter is not None and letter.status in (
        SupervisionLetter.Status.DRAFT,
        SupervisionLetter.Status.VOID,
    ):
        out.append(
            _("意见书“%(letter)s”是“%(status)s”，不能据此督办。")
            % {"letter": letter, "status": letter.get_status_display()}
        )
    return out


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _start_clock(item: SupervisionItem) -> Deadline:
    # The label is the title: meeting packs and the summary list 督办 items by their Deadline.
    return deadlines.start(
        item,
        Deadline.Kind.SUPERVISION_ITEM,
        label=item.title,
        unit=item.unit,
        responsible=item.owner,
        started_at=item.set_at,
        due_at=item.due_date,
        application=item.application,
    )


@transaction.atomic
def set_item(
    *,
    user,
    title: str,
    problem: str,
    owner,
    due_date: date,
    application=None,
    project=None,
    letter=None,
    at: datetime | None = None,
) -> SupervisionItem:
    """A leader (主管) sets a 督办 item for an owner of their units, due at 24:00 of `due_date`."""
    at = at or timezone.now()
    unit = _staff_unit(owner) if owner is not None else None
    refuse(
        permission_refusal(user, "set_supervisionitem", SET_LABEL),
        None if title.strip() else _("请填写督办事项。"),
        None if problem.strip() else _("请填写问题描述。"),
        _owner_refusal(owner, unit),
        unit_refusal(user, unit) if unit is not None else None,
        None
        if due_date >= timezone.localdate(at)
        else _("办结期限不能早于下达日期（%(day)s）。") % {"day": timezone.localdate(at)},
        *_links_refusals(user, application=application, project=project, letter=letter),
    )
    item = SupervisionItem.objects.create(
        title=title.strip(),
        problem=problem.strip(),
        application=application,
        project=project,
        letter=letter,
        unit=unit,
        set_by=user,
        set_at=at,
        owner=owner,
        due_date=due_date,
    )
    _start_clock(item)
    return item


def _locked(item: SupervisionItem) -> SupervisionItem:
    return (
        SupervisionItem.objects.select_for_update(of=("self",))
        .select_related("unit", "owner")
        .get(pk=item.pk)
    )


def _open_refusal(item: SupervisionItem, action: str) -> str | None:
    if item.is_open:
        return None
    return _("督办事项已是“%(status)s”，不能%(action)s。") % {
        "status": item.get_status_display(),
        "action": action,
    }


def _handler_refusal(user, item: SupervisionItem) -> str | None:
    """The owner, the leader who set it, or a leader of the unit may report on an item."""
    if not user.is_active:
        return _("账号已停用。")
    if user.pk in (item.owner_id, item.set_by_id):
        return None
    if user.has_perm("monitoring.set_supervisionitem") and in_unit_scope(user, item.unit):
        return None
    return _("只有责任人%(owner)s或督办领导可以办理该督办事项。") % {"owner": _name(item.owner)}


@transaction.atomic
def add_note(
    item: SupervisionItem, user, *, text: str, at: datetime | None = None
) -> SupervisionItemNote:
    """Record progress (办理进展) on an open item."""
    at = at or timezone.now()
    item = _locked(item)
    refuse(
        _handler_refusal(user, item),
        _open_refusal(item, _("填报进展")),
        None if text.strip() else _("请填写办理进展。"),
    )
    return SupervisionItemNote.objects.create(item=item, author=user, at=at, text=text.strip())


@transaction.atomic
def close_item(
    item: SupervisionItem, user, *, result: str, at: datetime | None = None
) -> SupervisionItem:
    """办结 with the result; the deadline finishes met (by the due) or breached."""
    at = at or timezone.now()
    item = _locked(item)
    refuse(
        _handler_refusal(user, item),
        _open_refusal(item, _("办结")),
        None if result.strip() else _("办结须填写办理结果。"),
        None if at >= item.set_at else _("办结时间不能早于下达时间。"),
    )
    item.status = Status.CLOSED
    item.result = result.strip()
    item.closed_by, item.closed_at = user, at
    item.save(update_fields=["status", "result", "closed_by", "closed_at"])
    deadlines.finish(item, at=at)
    return item


@transaction.atomic
def retime_item(
    item: SupervisionItem,
    user,
    *,
    reason: str,
    owner=None,
    due_date: date | None = None,
    at: datetime | None = None,
) -> SupervisionItem:
    """A leader hands the item to another owner and/or moves its due date, saying why.

    The deadline is re-timed (the sweep then judges the new due, and warns again for it); the
    change is kept as a progress note.
    """
    at = at or timezone.now()
    item = _locked(item)
    owner = owner or item.owner
    due_date = due_date or item.due_date
    unit = _staff_unit(owner)
    refuse(
        permission_refusal(user, "set_supervisionitem", SET_LABEL),
        unit_refusal(user, item.unit),
        _open_refusal(item, _("调整")),
        _owner_refusal(owner, unit),
        unit_refusal(user, unit) if unit is not None else None,
        None if reason.strip() else _("请说明调整原因。"),
        None
        if (owner.pk, due_date) != (item.owner_id, item.due_date)
        else _("责任人和办结期限都没有变化。"),
    )
    note = _("调整：责任人%(before)s→%(after)s，办结期限%(old)s→%(new)s。原因：%(reason)s") % {
        "before": _name(item.owner),
        "after": _name(owner),
        "old": item.due_date,
        "new": due_date,
        "reason": reason.strip(),
    }
    item.owner, item.unit, item.due_date = owner, unit, due_date
    item.save(update_fields=["owner", "unit", "due_date"])
    _start_clock(item)
    SupervisionItemNote.objects.create(item=item, author=user, at=at, text=note)
    return item


@transaction.atomic
def void_item(
    item: SupervisionItem, user, *, reason: str, at: datetime | None = None
) -> SupervisionItem:
    """作废 with a reason: the row stays, its open deadline is cancelled unjudged."""
    at = at or timezone.now()
    item = _locked(item)
    refuse(
        permission_refusal(user, "void_supervisionitem", _("作废督办事项")),
        unit_refusal(user, item.unit),
        _("该督办事项已作废。") if item.status == Status.VOID else None,
        None if reason.strip() else _("作废须说明原因。"),
    )
    item.status = Status.VOID
    item.voided_by, item.voided_at = user, at
    item.void_reason = reason.strip()
    item.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
    deadlines.cancel(item, at=at, reason=_("已作废：%(reason)s") % {"reason": reason.strip()})
    return item

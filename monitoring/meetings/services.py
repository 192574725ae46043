"""Meeting records: the one writer (admin pages, the demo and tests call these).

A supervisor (主管, permission `write_minutes`) records a meeting of a unit they act for; its
agenda is generated at once and may be refreshed while the record is being written; issuing the
minutes freezes the record. Action items run on the time-limit engine (`monitoring.deadlines`,
kind 会议待办): started when set, finished when done, cancelled when withdrawn or when the
meeting is voided. A weekly meeting may decide a scheme collectively: the applications service
records the departments' approvals, this one keeps each member's vote. Nothing is deleted: a
record is voided with a reason. Every refusal raises `TransitionRefused` with the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import SchemeReview
from applications.services import approvals
from applications.services.errors import TransitionRefused

from .. import deadlines
from ..models import ActionItem, Deadline, Meeting, SchemeDecision, SchemeVote
from ..supervision.scope import unit_refusal
from . import agenda

WRITE = "monitoring.write_minutes"
VOID = "monitoring.void_meeting"
COMPLETE = "monitoring.complete_action_item"
ACTION_KEY = Deadline.Kind.ACTION_ITEM


def _refuse(reasons) -> None:
    reasons = [r for r in reasons if r]
    if reasons:
        raise TransitionRefused(reasons)


def _may_write(user, unit) -> str | None:
    if not user.has_perm(WRITE):
        return _("您没有“记录会议、撰写并印发会议纪要”的权限。")
    return unit_refusal(user, unit)


def _draft_only(meeting: Meeting) -> str | None:
    if meeting.status != Meeting.Status.DRAFT:
        return _("会议记录%(status)s，不能再修改。") % {"status": meeting.get_status_display()}
    return None


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)


@transaction.atomic
def create_meeting(
    *, kind: str, unit, held_at, chair, attendees, topic: str = "", user, at=None, request=None
) -> Meeting:
    """Record a meeting and generate its agenda from the data as of now."""
    at = at or timezone.now()
    _refuse([_may_write(user, unit)])
    meeting = Meeting.objects.create(
        kind=kind,
        unit=unit,
        held_at=held_at,
        topic=topic,
        chair=chair,
        created_by=user,
        created_at=at,
    )
    meeting.attendees.set(attendees)
    meeting.agenda = agenda.generate(meeting, user=user, now=at, request=request)
    meeting.agenda_generated_at = at
    meeting.save(update_fields=["agenda", "agenda_generated_at"])
    return meeting


@transaction.atomic
def refresh_agenda(meeting: Meeting, *, user, at=None, request=None) -> Meeting:
    """Generate the agenda again from today's data (only before the minutes are issued)."""
    at = at or timezone.now()
    meeting = _locked(meeting)
    _refuse([_may_write(user, meeting.unit), _draft_only(meeting)])
    meeting.agenda = agenda.generate(meeting, user=user, now=at, request=request)
    meeting.agenda_generated_at = at
    meeting.save(update_fields=["agenda", "agenda_generated_at"])
    return meeting


@transaction.atomic
def write_minutes(
    meeting: Meeting, *, user, minutes: str, decisions: str = "", problems: str = "", attendees=None
) -> Meeting:
    """Write (or rewrite) the minutes, decisions and problems raised, while still a draft."""
    meeting = _locked(meeting)
    _refuse([_may_write(user, meeting.unit), _draft_only(meeting)])
    meeting.minutes, meeting.decisions, meeting.problems = minutes, decisions, problems
    meeting.save(update_fields=["minutes", "decisions", "problems"])
    if attendees is not None:
        meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def issue_minutes(meeting: Meeting, *, user, at=None) -> Meeting:
    """Issue the minutes (印发): the record, its agenda included, is frozen from now on."""
    at = at or timezone.now()
    meeting = _locked(meeting)
    reasons = [_may_write(user, meeting.unit), _draft_only(meeting)]
    if not meeting.minutes.strip():
        reasons.append(_("请先撰写会议纪要。"))
    if not meeting.attendees.exists():
        reasons.append(_("请登记参会人员。"))
    _refuse(reasons)
    meeting.status, meeting.issued_by, meeting.issued_at = Meeting.Status.ISSUED, user, at
    meeting.save(update_fields=["status", "issued_by", "issued_at"])
    return meeting


@transaction.atomic
def void_meeting(meeting: Meeting, *, user, reason: str, at=None) -> Meeting:
    """Void a record (never delete it); its open action items are withdrawn with it."""
    at = at or timezone.now()
    meeting = _locked(meeting)
    reasons = [unit_refusal(user, meeting.unit)]
    if not user.has_perm(VOID):
        reasons.insert(0, _("您没有“作废会议记录”的权限。"))
    if meeting.status == Meeting.Status.VOID:
        reasons.append(_("会议记录已作废。"))
    if not reason.strip():
        reasons.append(_("作废须说明原因。"))
    _refuse(reasons)
    meeting.status, meeting.voided_by, meeting.voided_at = Meeting.Status.VOID, user, at
    meeting.void_reason = reason.strip()
    meeting.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
    why = _("会议记录已作废：%(reason)s") % {"reason": meeting.void_reason}
    for item in meeting.action_items.select_for_update().filter(status=ActionItem.Status.OPEN):
        _close_item(item, ActionItem.Status.CANCELLED, why, user, at)
    return meeting


# --- Action items -------------------------------------------------------------------------------


@transaction.atomic
def add_action_item(
    meeting: Meeting,
    *,
    user,
    title: str,
    owner,
    due_on: date,
    application=None,
    at=None,
) -> ActionItem:
    """Set an action item; its deadline (due at 24:00 of `due_on`) starts at the meeting."""
    at = at or timezone.now()
    meeting = _locked(meeting)
    reasons = [_may_write(user, meeting.unit), _draft_only(meeting)]
    if not title.strip():
        reasons.append(_("请写明待办事项。"))
    started = min(meeting.held_at, at)
    if due_on < timezone.localdate(started):
        reasons.append(_("完成期限不能早于会议日期。"))
    _refuse(reasons)
    item = ActionItem.objects.create(
        meeting=meeting, title=title.strip(), owner=owner, due_on=due_on, application=application
    )
    deadlines.start(
        item,
        Deadline.Kind.ACTION_ITEM,
        key=ACTION_KEY,
        label=_("%(meeting)s：%(title)s") % {"meeting": meeting, "title": item.title},
        unit=meeting.unit,
        responsible=owner,
        started_at=started,
        due_at=due_on,
        application=application,
    )
    return item


def _close_item(item: ActionItem, status: str, result: str, user, at) -> ActionItem:
    item.status, item.result, item.closed_at, item.closed_by = status, result, at, user
    item.save(update_fields=["status", "result", "closed_at", "closed_by"])
    if status == ActionItem.Status.DONE:
        deadlines.finish(item, key=ACTION_KEY, at=at)
    else:
        deadlines.cancel(item, key=ACTION_KEY, at=at, reason=result)
    return item


def _item_refusals(item: ActionItem, user, result: str) -> list[str | None]:
    reasons = [unit_refusal(user, item.meeting.unit)]
    if item.status != ActionItem.Status.OPEN:
        reasons.append(_("该待办%(status)s。") % {"status": item.get_status_display()})
    if not result.strip():
        reasons.append(_("请写明办理结果或撤销原因。"))
    return reasons


@transaction.atomic
def complete_action_item(item: ActionItem, *, user, result: str, at=None) -> ActionItem:
    """The owner (or a supervisor) reports the item done: its deadline is judged met or late."""
    at = at or timezone.now()
    item = ActionItem.objects.select_for_update().select_related("meeting__unit").get(pk=item.pk)
    reasons = _item_refusals(item, user, result)
    if item.owner_id != user.pk and not user.has_perm(COMPLETE):
        reasons.insert(0, _("只有责任人或主管可以登记该待办的办理结果。"))
    _refuse(reasons)
    return _close_item(item, ActionItem.Status.DONE, result.strip(), user, at)


@transaction.atomic
def cancel_action_item(item: ActionItem, *, user, reason: str, at=None) -> ActionItem:
    """Withdraw an item no longer needed: its deadline closes unjudged."""
    at = at or timezone.now()
    item = ActionItem.objects.select_for_update().select_related("meeting__unit").get(pk=item.pk)
    reasons = _item_refusals(item, user, reason)
    if not user.has_perm(WRITE):
        reasons.insert(0, _("您没有“记录会议、撰写并印发会议纪要”的权限。"))
    _refuse(reasons)
    return _close_item(item, ActionItem.Status.CANCELLED, reason.strip(), user, at)


# --- Collective scheme decision (周例会方案集体决策) --------------------------------------


@dataclass(frozen=True)
class MemberVote:
    member: object  # a User among the attendees
    vote: str  # SchemeVote.Vote
    comment: str = ""


_APPROVE = {SchemeVote.Vote.APPROVE: True, SchemeVote.Vote.REJECT: False}


@transaction.atomic
def decide_scheme(
    meeting: Meeting,
    *,
    review: SchemeReview,
    votes: list[MemberVote],
    comment: str = "",
    user,
    at=None,
) -> SchemeDecision:
    """Decide a scheme at the weekly meeting: the meeting becomes the round's approval.

    Only attendees vote; the departments' approvals are recorded by
    `applications.services.approvals.decide_collectively` (which says when the decision passes
    and closes the round as the normal path does); each member's vote is kept here.
    """
    at = at or timezone.now()
    meeting = _locked(meeting)
    reasons = [_may_write(user, meeting.unit), _draft_only(meeting)]
    if meeting.kind != Meeting.Kind.WEEKLY:
        reasons.append(_("只有周例会可以集体决策供电方案。"))
    unit = review.application.unit
    if meeting.unit_id not in (unit.pk, unit.parent_id):
        reasons.append(
            _("该方案属于%(unit)s，不在本次会议（%(meeting)s）的范围内。")
            % {"unit": unit, "meeting": meeting.unit}
        )
    present = set(meeting.attendees.values_list("pk", flat=True))
    absent = [v.member for v in votes if v.member.pk not in present]
    if absent:
        names = "、".join(m.get_full_name() or m.get_username() for m in absent)
        reasons.append(_("只有参会人员可以表决：%(names)s 未登记参会。") % {"names": names})
    _refuse(reasons)
    approvals.decide_collectively(
        review=review,
        meeting_label=str(meeting),
        votes=[approvals.Vote(v.member, _APPROVE.get(v.vote), v.comment) for v in votes],
        comment=comment,
        user=user,
        at=at,
    )
    review.refresh_from_db()
    decision = SchemeDecision.objects.create(
        meeting=meeting,
        review=review,
        approved=review.status == SchemeReview.Status.APPROVED,
        comment=comment.strip(),
        decided_by=user,
        decided_at=at,
    )
    SchemeVote.objects.bulk_create(
        SchemeVote(
            decision=decision,
            member=v.member,
            department=getattr(getattr(v.member, "staff_profile", None), "department", ""),
            vote=v.vote,
            comment=v.comment.strip(),
        )
        for v in votes
    )
    return decision

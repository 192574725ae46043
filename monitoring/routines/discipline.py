"""Hand-over to 纪检 (移交纪检): a supervision case or a complaint marked a discipline matter.

The hand-over records who, when, why and the evidence as it stood, and from then on only 纪检
(`view_discipline_matter`, held through the role) sees the record: the case and complaint
lists and pages, the dashboard's and briefing's counts and links, the deadline, alert and inbox
lists all filter through `visible_cases` or `monitoring.complaints.visible_complaints` /
`visible_deadlines`. A complaint's handling clock is cancelled (its alerts would reach the
unit's staff); a case leaves the inspectors' pipeline (status 已移交纪检).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import deadlines
from ..models import Complaint, DisciplineHandover, SupervisionCase
from ..supervision.scope import holds_permission, permission_refusal, refuse, unit_refusal

CaseStatus = SupervisionCase.Status
HANDABLE_CASE_STATUSES = (CaseStatus.OPEN, CaseStatus.CONFIRMED)


def sees_discipline_matters(user) -> bool:
    """Whether the user sees cases and complaints handed over to 纪检 (纪检 only, by role)."""
    return holds_permission(user, "view_discipline_matter")


def is_handed_over(record: SupervisionCase | Complaint) -> bool:
    return DisciplineHandover.objects.filter(**{_subject_field(record): record}).exists()


def visible_cases(user, queryset: QuerySet[SupervisionCase]) -> QuerySet[SupervisionCase]:
    """`queryset` less the cases handed over to 纪检, unless the user is 纪检."""
    if sees_discipline_matters(user):
        return queryset
    return queryset.filter(discipline_handover__isnull=True)


def queue(user) -> QuerySet[DisciplineHandover]:
    """纪检's queue: every hand-over, pending first (nobody else has one)."""
    if not sees_discipline_matters(user):
        return DisciplineHandover.objects.none()
    return DisciplineHandover.objects.select_related(
        "case", "complaint", "unit", "handed_over_by"
    ).order_by("-status", "-handed_over_at", "-pk")  # "pending" sorts after "concluded"


def _subject_field(record) -> str:
    return "case" if isinstance(record, SupervisionCase) else "complaint"


def _refusals(user, record, reason: str) -> list[str | None]:
    return [
        permission_refusal(user, "hand_over_discipline", _("移交纪检")),
        unit_refusal(user, record.unit),
        _("已移交纪检，不能重复移交。") if is_handed_over(record) else None,
        None if reason.strip() else _("请填写移交理由。"),
    ]


def _record(user, record, *, reason: str, evidence: str, at: datetime) -> DisciplineHandover:
    return DisciplineHandover.objects.create(
        **{_subject_field(record): record},
        unit=record.unit,
        reason=reason.strip(),
        evidence=evidence,
        handed_over_by=user,
        handed_over_at=at,
    )


@transaction.atomic
def hand_over_case(
    case: SupervisionCase, user, *, reason: str, at: datetime | None = None
) -> DisciplineHandover:
    """Hand a case still being verified (待核实/已核实) over to 纪检 with its evidence.

    A case already in a letter is not handed over: the letter, issued to the unit, is where it
    is being dealt with.
    """
    at = at or timezone.now()
    locked = SupervisionCase.objects.select_for_update(of=("self",)).select_related("unit")
    case = locked.get(pk=case.pk)
    refuse(
        *_refusals(user, case, reason),
        None
        if case.status in HANDABLE_CASE_STATUSES
        else _("线索是“%(status)s”，不能移交纪检。") % {"status": case.get_status_display()},
    )
    evidence = case.evidence_text
    if case.evidence:
        evidence += "\n" + "；".join(f"{k}：{v}" for k, v in case.evidence.items())
    case.status = CaseStatus.HANDED_OVER
    case.save(update_fields=["status"])
    return _record(user, case, reason=reason, evidence=evidence, at=at)


@transaction.atomic
def hand_over_complaint(
    complaint: Complaint, user, *, reason: str, at: datetime | None = None
) -> DisciplineHandover:
    """Hand a complaint or report over to 纪检; its open handling clock is cancelled."""
    at = at or timezone.now()
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("unit", "staff_concerned")
        .get(pk=complaint.pk)
    )
    refuse(
        *_refusals(user, complaint, reason),
        None
        if not complaint.is_report or user.has_perm("monitoring.view_report")
        else _("举报只能由纪检、主管办理。"),
    )
    concerned = complaint.staff_concerned
    # The customer's words and whom they concern; never the reporter (纪检 reads that itself).
    evidence = _("%(kind)s %(number)s（%(category)s）：%(content)s") % {
        "kind": complaint.get_kind_display(),
        "number": complaint.number,
        "category": complaint.get_category_display(),
        "content": complaint.content,
    }
    if concerned is not None:
        evidence += "\n" + _("被投诉人员：%(name)s") % {
            "name": concerned.get_full_name() or concerned.get_username()
        }
    deadlines.cancel(complaint, at=at, reason=_("已移交纪检"))
    return _record(user, complaint, reason=reason, evidence=evidence, at=at)


@transaction.atomic
def conclude(
    handover: DisciplineHandover, user, *, conclusion: str, at: datetime | None = None
) -> DisciplineHandover:
    """纪检 records what came of a discipline matter (处理结论); the record stays hidden."""
    at = at or timezone.now()
    locked = DisciplineHandover.objects.select_for_update(of=("self",)).select_related("unit")
    handover = locked.get(pk=handover.pk)
    refuse(
        permission_refusal(user, "conclude_handover", _("办结移交纪检事项")),
        unit_refusal(user, handover.unit),
        _("该移交事项已办结。") if handover.status == DisciplineHandover.Status.CONCLUDED else None,
        None if conclusion.strip() else _("请填写处理结论。"),
    )
    handover.status = DisciplineHandover.Status.CONCLUDED
    handover.conclusion = conclusion.strip()
    handover.concluded_by, handover.concluded_at = user, at
    handover.save(update_fields=["status", "conclusion", "concluded_by", "concluded_at"])
    return handover

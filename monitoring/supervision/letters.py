"""Supervision letters (业务监督意见书) from draft to closure — the one writer of their state.

draft → issued (numbered JD-2026-001, rectification deadline started) → rectifying (progress
recorded) → rectified (the responsible staff say it is done) → closed by the issuer (deadline
finished: met or breached). The issuer may send a rectification back; any letter not yet void
may be voided with a reason. Every step is locked, checked and appended to `SupervisionEvent`.
Letters are never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Unit
from applications.services.errors import TransitionRefused
from applications.services.numbering import reserve_next

from .. import deadlines
from ..models import (
    Deadline,
    LetterNumberSequence,
    SupervisionCase,
    SupervisionEvent,
    SupervisionLetter,
)
from .scope import permission_refusal, refuse, unit_refusal

Status, Action = SupervisionLetter.Status, SupervisionEvent.Action
CaseStatus = SupervisionCase.Status
RECTIFICATION_KEY = "rectification"


def next_letter_number(year: int) -> str:
    """JD-2026-001: per year, no gaps or duplicates under concurrency (row-locked sequence)."""
    return f"JD-{year}-{reserve_next(LetterNumberSequence, year):03d}"


def _log(letter: SupervisionLetter, action: str, user, at: datetime, note: str = "") -> None:
    SupervisionEvent.objects.create(letter=letter, action=action, actor=user, at=at, note=note)


def _locked(letter: SupervisionLetter) -> SupervisionLetter:
    return SupervisionLetter.objects.select_for_update().select_related("unit").get(pk=letter.pk)


def _status_refusal(letter: SupervisionLetter, allowed: Iterable[str], doing: str) -> str | None:
    if letter.status not in allowed:
        return _("意见书已是“%(status)s”，不能%(doing)s。") % {
            "status": letter.get_status_display(),
            "doing": doing,
        }
    return None


# --- Draft ---------------------------------------------------------------------------------------


def _case_refusals(cases: list[SupervisionCase], unit: Unit) -> list[str]:
    reasons = []
    for case in cases:
        if case.status in (CaseStatus.DISMISSED, CaseStatus.IN_LETTER):
            reasons.append(
                _("线索“%(case)s”已是“%(status)s”，不能再写入意见书。")
                % {"case": case, "status": case.get_status_display()}
            )
        elif case.unit_id != unit.pk:
            reasons.append(
                _("线索“%(case)s”属于%(unit)s，与意见书的被监督单位不同。")
                % {"case": case, "unit": case.unit}
            )
    return reasons


@transaction.atomic
def draft_letter(
    *,
    user,
    unit: Unit,
    category: str,
    findings: str,
    rectification_due: date,
    responsible_staff: Iterable,
    cases: Iterable[SupervisionCase] = (),
    requirements: str = "",
    at: datetime | None = None,
) -> SupervisionLetter:
    """Draft a letter from cases (none for a random check's findings); the cases go into it."""
    at = at or timezone.now()
    staff = list(responsible_staff)
    cases = list(SupervisionCase.objects.select_for_update().filter(pk__in=[c.pk for c in cases]))
    reasons = [
        permission_refusal(user, "add_supervisionletter", _("拟写监督意见书")),
        unit_refusal(user, unit),
        None if staff else _("请指定至少一名责任人。"),
        None if findings.strip() else _("请填写监督发现。"),
        None
        if rectification_due > timezone.localdate(at)
        else _("整改期限须晚于今天（%(today)s）。") % {"today": timezone.localdate(at)},
        *_case_refusals(cases, unit),
    ]
    found = [r for r in reasons if r]
    if found:
        raise TransitionRefused(found)
    letter = SupervisionLetter.objects.create(
        unit=unit,
        category=category,
        findings=findings.strip(),
        requirements=requirements.strip(),
        rectification_due=rectification_due,
        created_by=user,
        created_at=at,
    )
    letter.responsible_staff.set(staff)
    letter.cases.set(cases)
    SupervisionCase.objects.filter(pk__in=[c.pk for c in cases]).update(
        status=CaseStatus.IN_LETTER, handled_by=user, handled_at=at
    )
    _log(letter, Action.DRAFTED, user, at)
    return letter


# --- Issue, rectify, close ----------------------------------------------------------------------


@transaction.atomic
def issue_letter(letter: SupervisionLetter, user, *, at: datetime | None = None):
    """签发: number the letter and start its rectification deadline (整改期限)."""
    at = at or timezone.now()
    letter = _locked(letter)
    refuse(
        permission_refusal(user, "issue_letter", _("签发监督意见书")),
        unit_refusal(user, letter.unit),
        _status_refusal(letter, [Status.DRAFT], _("签发")),
        None
        if letter.rectification_due > timezone.localdate(at)
        else _("整改期限（%(due)s）已过，请先修改整改期限。") % {"due": letter.rectification_due},
    )
    letter.number = next_letter_number(timezone.localdate(at).year)
    letter.status, letter.issued_by, letter.issued_at = Status.ISSUED, user, at
    letter.save(update_fields=["number", "status", "issued_by", "issued_at"])
    deadlines.start(
        letter,
        Deadline.Kind.RECTIFICATION,
        key=RECTIFICATION_KEY,
        label=_("整改期限 %(number)s") % {"number": letter.number},
        unit=letter.unit,
        responsible=letter.responsible_staff.order_by("pk").first(),
        started_at=at,
        due_at=letter.rectification_due,
    )
    _log(letter, Action.ISSUED, user, at)
    return letter


def _rectifier_refusal(letter: SupervisionLetter, user) -> str | None:
    """Responsible staff record their own rectification; others need the permission and unit."""
    if letter.responsible_staff.filter(pk=user.pk).exists():
        return None
    return permission_refusal(user, "record_rectification", _("登记整改情况")) or unit_refusal(
        user, letter.unit
    )


@transaction.atomic
def record_rectification(
    letter: SupervisionLetter, user, *, text: str, finished: bool, at: datetime | None = None
) -> SupervisionLetter:
    """登记整改: what was done, by whom, when; `finished` says the rectification is complete."""
    at = at or timezone.now()
    letter = _locked(letter)
    refuse(
        _status_refusal(letter, [Status.ISSUED, Status.RECTIFYING], _("登记整改")),
        _rectifier_refusal(letter, user),
        None if text.strip() else _("请填写整改情况。"),
    )
    stamp = f"{timezone.localtime(at):%Y-%m-%d %H:%M} {user.get_full_name() or user}"
    letter.rectification = "\n".join(
        part for part in (letter.rectification, f"[{stamp}] {text.strip()}") if part
    )
    letter.status = Status.RECTIFIED if finished else Status.RECTIFYING
    letter.rectified_by, letter.rectified_at = user, at
    letter.save(update_fields=["rectification", "status", "rectified_by", "rectified_at"])
    _log(letter, Action.RECTIFIED if finished else Action.RECTIFYING, user, at, text.strip())
    return letter


def _closer_refusal(letter: SupervisionLetter, user) -> str | None:
    if user.is_superuser or letter.issued_by_id == user.pk:
        return permission_refusal(user, "close_letter", _("验收关闭监督意见书"))
    return _("意见书由%(issuer)s签发，只能由签发人验收关闭。") % {
        "issuer": letter.issued_by.get_full_name() or letter.issued_by
    }


@transaction.atomic
def close_letter(
    letter: SupervisionLetter,
    user,
    *,
    accept: bool = True,
    note: str = "",
    at: datetime | None = None,
) -> SupervisionLetter:
    """The issuer checks the rectification: accept (关闭; the deadline is met or breached) or
    send it back (整改中, with the reason)."""
    at = at or timezone.now()
    letter = _locked(letter)
    refuse(
        _status_refusal(letter, [Status.RECTIFIED], _("验收")),
        _closer_refusal(letter, user),
        None if accept or note.strip() else _("退回整改须说明理由。"),
    )
    if not accept:
        letter.status = Status.RECTIFYING
        letter.save(update_fields=["status"])
        _log(letter, Action.RECTIFYING, user, at, _("验收未通过：%(note)s") % {"note": note})
        return letter
    letter.status, letter.closed_by, letter.closed_at = Status.CLOSED, user, at
    letter.closing_note = note.strip()
    letter.save(update_fields=["status", "closed_by", "closed_at", "closing_note"])
    deadlines.finish(letter, key=RECTIFICATION_KEY, at=at)
    _log(letter, Action.CLOSED, user, at, note.strip())
    return letter


@transaction.atomic
def void_letter(
    letter: SupervisionLetter, user, *, reason: str, at: datetime | None = None
) -> SupervisionLetter:
    """作废 with a reason: the number stays used, the cases go back to confirmed, the deadline
    is cancelled. A letter with valid assessments is voided only after them."""
    at = at or timezone.now()
    letter = _locked(letter)
    live = letter.assessments.filter(status="active").count()
    refuse(
        permission_refusal(user, "void_letter", _("作废监督意见书")),
        unit_refusal(user, letter.unit),
        _status_refusal(letter, [s for s in Status.values if s != Status.VOID], _("作废")),
        None if reason.strip() else _("作废须说明原因。"),
        _("该意见书还有%(n)s条有效考核记录，请先作废考核。") % {"n": live} if live else None,
    )
    letter.status, letter.voided_by, letter.voided_at = Status.VOID, user, at
    letter.void_reason = reason.strip()
    letter.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
    letter.cases.filter(status=CaseStatus.IN_LETTER).update(status=CaseStatus.CONFIRMED)
    if letter.issued_at:
        deadlines.cancel(letter, key=RECTIFICATION_KEY, at=at, reason=reason.strip())
    _log(letter, Action.VOIDED, user, at, reason.strip())
    return letter


def rectification_deadline(letter: SupervisionLetter) -> Deadline | None:
    """The letter's rectification clock (open or finished), if it was issued."""
    return deadlines.for_subject(letter).filter(key=RECTIFICATION_KEY).first()

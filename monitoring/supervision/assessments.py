"""Staff assessments (考核): recorded against one staff member, voided with a reason, never
deleted; and their totals per person and per unit per period ("9 人次, 1590 元", seed 003).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import StaffProfile
from applications.services.errors import TransitionRefused

from ..models import Assessment, SupervisionEvent, SupervisionLetter
from .scope import permission_refusal, refuse, unit_refusal

Action = SupervisionEvent.Action
ZERO = Decimal("0")
CENT, TENTH = Decimal("0.01"), Decimal("0.1")


def month_of(day: date) -> date:
    """The period an assessment belongs to: the first day of its month."""
    return day.replace(day=1)


@transaction.atomic
def create_assessment(
    *,
    user,
    staff,
    points: Decimal,
    amount: Decimal,
    reason: str,
    period: date,
    letter: SupervisionLetter | None = None,
    at: datetime | None = None,
) -> Assessment:
    """Assess `staff` (points and yuan) for `period`, usually from an issued letter."""
    at = at or timezone.now()
    profile = StaffProfile.objects.select_related("unit").filter(user=staff).first()
    if profile is None:
        raise TransitionRefused(_("被考核人没有员工档案（所属单位），不能考核。"))
    letter_live = letter is None or letter.status not in (
        SupervisionLetter.Status.DRAFT,
        SupervisionLetter.Status.VOID,
    )
    refuse(
        permission_refusal(user, "add_assessment", _("登记考核")),
        unit_refusal(user, profile.unit),
        None if reason.strip() else _("请填写考核事由。"),
        None if points >= 0 and amount >= 0 else _("扣分和考核金额不能为负数。"),
        None if points > 0 or amount > 0 else _("扣分和考核金额不能都为零。"),
        None
        if letter_live
        else _("意见书“%(letter)s”是“%(status)s”，不能据此考核。")
        % {"letter": letter, "status": letter.get_status_display()},
    )
    assessment = Assessment.objects.create(
        staff=staff,
        unit=profile.unit,
        period=month_of(period),
        points=points,
        amount=amount,
        reason=reason.strip(),
        letter=letter,
        created_by=user,
        created_at=at,
    )
    SupervisionEvent.objects.create(
        assessment=assessment, action=Action.ASSESSED, actor=user, at=at, note=reason.strip()
    )
    return assessment


@transaction.atomic
def void_assessment(
    assessment: Assessment, user, *, reason: str, at: datetime | None = None
) -> Assessment:
    """作废 with a reason (logged): the row stays, and leaves the totals."""
    at = at or timezone.now()
    assessment = Assessment.objects.select_for_update().select_related("unit").get(pk=assessment.pk)
    refuse(
        permission_refusal(user, "void_assessment", _("作废考核记录")),
        unit_refusal(user, assessment.unit),
        _("该考核记录已作废。") if assessment.status == Assessment.Status.VOID else None,
        None if reason.strip() else _("作废须说明原因。"),
    )
    assessment.status = Assessment.Status.VOID
    assessment.voided_by, assessment.voided_at = user, at
    assessment.void_reason = reason.strip()
    assessment.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
    SupervisionEvent.objects.create(
        assessment=assessment, action=Action.VOIDED, actor=user, at=at, note=reason.strip()
    )
    return assessment


# --- Totals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    period: date | None
    unit: str
    staff: str
    count: int
    points: Decimal
    amount: Decimal


def assessment_totals(*, start: date, end: date, units=None) -> dict:
    """Valid assessments of the periods from `start`'s month to `end`'s month (inclusive).

    Returns {"per_person": [Total…], "per_unit": [Total…], "total": Total}: person-times
    (人次 = assessments) with points and yuan, per period and person, per period and unit.
    `units`: a queryset or list of units to keep (None: all).
    """
    rows = Assessment.objects.filter(
        status=Assessment.Status.ACTIVE, period__gte=month_of(start), period__lte=month_of(end)
    )
    if units is not None:
        rows = rows.filter(unit__in=units)
    sums = {"count": Count("pk"), "points": Sum("points"), "amount": Sum("amount")}

    def total(r, staff="") -> Total:
        # SQLite sums decimals as floats: give both databases the model's own places.
        points, amount = (r["points"] or ZERO).quantize(TENTH), (r["amount"] or ZERO).quantize(CENT)
        return Total(r["period"], r["unit__name"], staff, r["count"], points, amount)

    # Sorted here, not in SQL: names sort by code point alike on every database's collation.
    people = rows.values("period", "unit__name", "staff__first_name", "staff__username")
    per_person = [
        total(r, r["staff__first_name"] or r["staff__username"])
        for r in sorted(
            people.annotate(**sums).order_by(),
            key=lambda r: (r["period"], r["unit__name"], r["staff__username"]),
        )
    ]
    per_unit = [
        total(r)
        for r in sorted(
            rows.values("period", "unit__name").annotate(**sums).order_by(),
            key=lambda r: (r["period"], r["unit__name"]),
        )
    ]
    grand = total({"period": None, "unit__name": "", **rows.aggregate(**sums)})
    return {"per_person": per_person, "per_unit": per_unit, "total": grand}

"""Rewards (奖励) next to the assessments (考核): good service is rewarded as well as faults
assessed (seed 002). A reward names its evidence — top satisfaction, zero overdue in a quarter
— as text, an optional link and optional application or callback; it is voided with a reason,
never deleted. `standing` totals rewards and assessments per person and per unit per month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import StaffProfile

from ..models import Assessment, Reward
from ..supervision.assessments import CENT, TENTH, ZERO, month_of
from ..supervision.scope import permission_refusal, refuse, unit_refusal

# Evidence links stay inside the site (a dashboard or list URL) or go to an intranet page.
LINK_PREFIXES = ("/", "https://", "http://")


def _evidence_refusals(unit, *, evidence, evidence_url, application, callback) -> list:
    out = [None if evidence.strip() else _("请填写奖励依据（如满意率、零超期的统计）。")]
    if evidence_url and not evidence_url.startswith(LINK_PREFIXES):
        out.append(_("依据链接须为站内地址（以 / 开头）或 http(s) 链接。"))
    for record in (application, callback):
        # Evidence of the rewarded unit's own work: its records or its stations'.
        if record is not None and unit.pk not in (record.unit_id, record.unit.parent_id):
            out.append(
                _("%(record)s属于%(unit)s，不能作为本奖励的依据。")
                % {"record": record, "unit": record.unit}
            )
    if (
        callback is not None
        and application is not None
        and callback.application_id != application.pk
    ):
        out.append(_("回访记录不是该业扩申请的回访。"))
    return out


@transaction.atomic
def create_reward(
    *,
    user,
    category: str,
    points: Decimal,
    amount: Decimal,
    reason: str,
    evidence: str,
    period: date,
    staff=None,
    unit=None,
    evidence_url: str = "",
    application=None,
    callback=None,
    at: datetime | None = None,
) -> Reward:
    """Reward a staff member (their unit from their profile) or, with no staff, a unit."""
    at = at or timezone.now()
    if staff is not None:
        profile = StaffProfile.objects.select_related("unit").filter(user=staff).first()
        refuse(None if profile else _("受奖人没有员工档案（所属单位），不能登记奖励。"))
        unit = profile.unit
    refuse(
        permission_refusal(user, "add_reward", _("登记奖励")),
        None if unit is not None else _("请选择受奖人或受奖单位。"),
    )
    evidence_url = evidence_url.strip()
    refuse(
        unit_refusal(user, unit),
        None if category in Reward.Category.values else _("请选择奖励类别。"),
        None if reason.strip() else _("请填写奖励事由。"),
        None if points >= 0 and amount >= 0 else _("加分和奖励金额不能为负数。"),
        None if points > 0 or amount > 0 else _("加分和奖励金额不能都为零。"),
        *_evidence_refusals(
            unit,
            evidence=evidence,
            evidence_url=evidence_url,
            application=application,
            callback=callback,
        ),
    )
    return Reward.objects.create(
        staff=staff,
        unit=unit,
        period=month_of(period),
        category=category,
        points=points,
        amount=amount,
        reason=reason.strip(),
        evidence=evidence.strip(),
        evidence_url=evidence_url,
        application=application,
        callback=callback,
        created_by=user,
        created_at=at,
    )


@transaction.atomic
def void_reward(reward: Reward, user, *, reason: str, at: datetime | None = None) -> Reward:
    """作废 with a reason: the row stays (who, when, why), and leaves the totals."""
    at = at or timezone.now()
    reward = Reward.objects.select_for_update(of=("self",)).select_related("unit").get(pk=reward.pk)
    refuse(
        permission_refusal(user, "void_reward", _("作废奖励记录")),
        unit_refusal(user, reward.unit),
        _("该奖励记录已作废。") if reward.status == Reward.Status.VOID else None,
        None if reason.strip() else _("作废须说明原因。"),
    )
    reward.status = Reward.Status.VOID
    reward.voided_by, reward.voided_at = user, at
    reward.void_reason = reason.strip()
    reward.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
    return reward


# --- Totals: rewards and assessments side by side ---------------------------------------------


@dataclass(frozen=True)
class Sums:
    count: int = 0
    points: Decimal = ZERO
    amount: Decimal = ZERO


@dataclass(frozen=True)
class Standing:
    """One line of 奖惩汇总: a person (or a unit: staff "") in a month (None: all months)."""

    period: date | None
    unit: str
    staff: str
    rewards: Sums
    assessments: Sums

    @property
    def net_amount(self) -> Decimal:
        """Rewards less assessments, in yuan."""
        return self.rewards.amount - self.assessments.amount


PERSON = ("period", "unit__name", "staff__username", "staff__first_name")
UNIT = ("period", "unit__name")


SUMS = {"n": Count("pk"), "p": Sum("points"), "a": Sum("amount")}


def _as_sums(row: dict) -> Sums:
    # SQLite sums decimals as floats: give both databases the model's own places.
    return Sums(row["n"], (row["p"] or ZERO).quantize(TENTH), (row["a"] or ZERO).quantize(CENT))


def _sums(rows: QuerySet, keys: tuple[str, ...]) -> dict[tuple, Sums]:
    grouped = rows.values(*keys).annotate(**SUMS).order_by()
    return {tuple(r[k] for k in keys): _as_sums(r) for r in grouped}


def _lines(rewards: QuerySet, assessments: QuerySet, keys: tuple[str, ...]) -> list[Standing]:
    got, lost = _sums(rewards, keys), _sums(assessments, keys)
    # Sorted here, not in SQL: names sort by code point alike on every database's collation.
    return [
        Standing(
            key[0],
            key[1],
            (key[3] or key[2]) if len(key) > 2 else "",
            got.get(key, Sums()),
            lost.get(key, Sums()),
        )
        for key in sorted(got.keys() | lost.keys(), key=lambda k: k[:3])
    ]


def standing(*, start: date, end: date, units=None) -> dict:
    """Valid rewards and assessments of the months from `start`'s to `end`'s (inclusive).

    Returns {"per_person": [Standing…], "per_unit": [Standing…], "total": Standing}, each with
    count, points and yuan of rewards and of assessments. A reward to a unit as a whole counts
    in its unit's line only. `units`: a queryset or list of units to keep (None: all).
    """
    months = {"period__gte": month_of(start), "period__lte": month_of(end)}
    rewards = Reward.objects.filter(status=Reward.Status.ACTIVE, **months)
    assessed = Assessment.objects.filter(status=Assessment.Status.ACTIVE, **months)
    if units is not None:
        rewards, assessed = rewards.filter(unit__in=units), assessed.filter(unit__in=units)
    return {
        "per_person": _lines(rewards.filter(staff__isnull=False), assessed, PERSON),
        "per_unit": _lines(rewards, assessed, UNIT),
        "total": Standing(
            None, "", "", _as_sums(rewards.aggregate(**SUMS)), _as_sums(assessed.aggregate(**SUMS))
        ),
    }

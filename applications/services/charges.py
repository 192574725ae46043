"""Charges (收费): issue, waive, cancel, record a payment; what the customer sees.

Rules decided here (DOMAIN.md §4, contract: charges itemised with a written explanation, paid
or waived, 三零 firms pay nothing; settlement time from charge to receipt):

- **三零**: a low-voltage small/micro firm (`Application.is_small_micro`, the 三零 flag the model
  checks) pays nothing. A charge issued to such an application is still recorded — the customer
  sees the item and what was saved — but it is waived at once, by the issuer, with the 三零
  explanation (`SANLING_REASON`); it never blocks energization.
- **Payments are idempotent by (source, reference)**: posting the same payment again changes
  nothing and answers `UNCHANGED`; the same reference with other data (another charge, amount,
  instant or invoice) is refused. A charge is paid in full, once: partial payments are refused.
- **Energization waits for the charges**: `rules.charges_settled` keeps the 装表接电 stage from
  ending while a charge is still 待缴 (paid, waived or cancelled all settle it).
- Who: 客户经理 issue and cancel; 主管 and 营销部 approvers waive; customer managers and the front
  desk record payments by hand; a system (the marketing system through the API) posts payments
  with `user=None, system=...` — the API checks its token's scope. Every change is a
  `ChargeEvent` with who (or which system), when and why. Nothing is deleted.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .. import rules
from ..models import Application, Charge, ChargeEvent, ChargeKind, ChargeStatus, PaymentSource
from ..states import Department, State
from .errors import TransitionRefused

SANLING_REASON = _lazy("“三零”服务：低压小微企业办电零投资，本项费用免收。")
# Charges end with energization: later stages (and final states) take no new charge.
NO_NEW_CHARGES = frozenset({State.ARCHIVE, State.ARCHIVED, State.CANCELLED})
# A payment stamped a little in the future is a clock skew between systems, not fraud.
CLOCK_SKEW = timedelta(minutes=5)


class PaymentOutcome(enum.StrEnum):
    RECORDED = "recorded"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class PaymentResult:
    charge: Charge
    outcome: PaymentOutcome


def is_sanling(application: Application) -> bool:
    """Whether the application gets 三零 service (pays no charge): a small/micro firm."""
    return bool(application.is_small_micro)


def _permission_label(codename: str) -> str:
    return str(dict(Charge._meta.permissions).get(codename, codename))


def _refusal(user, app: Application, codename: str) -> str | None:
    if not user.is_active:
        return _("账号已停用。")
    if not user.has_perm(f"applications.{codename}"):
        return _("您没有“%(perm)s”的权限。") % {"perm": _permission_label(codename)}
    return rules.unit_refusal(user, app)


def _amount(value) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return amount if amount.is_finite() else None


def _amount_refusal(amount: Decimal | None) -> str | None:
    if amount is None:
        return _("金额格式不正确。")
    if amount <= 0:
        return _("收费金额必须大于0元。")
    if amount != amount.quantize(Decimal("0.01")):
        return _("金额最多保留两位小数（元、角、分）。")
    if amount >= Decimal("1e10"):
        return _("金额超出范围。")
    return None


def _log(charge: Charge, action: str, *, user, at: datetime, comment: str = "", system=""):
    ChargeEvent.objects.create(
        charge=charge, action=action, actor=user, system=system, at=at, comment=comment
    )


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def describe(charge: Charge) -> str:
    """A charge in a sentence: "高可靠性供电费 12,000.00元（YK-2026-000001-F01）"."""
    return _("%(kind)s %(amount)s元（%(number)s）") % {
        "kind": charge.get_kind_display(),
        "amount": _money(charge.amount),
        "number": charge.number,
    }


# --- Issue, waive, cancel -------------------------------------------------------------------


@transaction.atomic
def issue_charge(
    *,
    application: Application,
    user,
    kind: str,
    amount,
    explanation: str,
    at: datetime | None = None,
) -> Charge:
    """Itemise a charge to the customer with its written explanation (待缴).

    For a 三零 application the charge is recorded and waived at once with `SANLING_REASON`.
    """
    at = at or timezone.now()
    app = Application.objects.select_for_update().select_related("unit").get(pk=application.pk)
    value = _amount(amount)
    reasons = [r for r in [_refusal(user, app, "issue_charge")] if r]
    if app.state in NO_NEW_CHARGES or app.energized_at:
        reasons.append(
            _("申请当前为“%(state)s”，已送电或已结束，不能再开具收费项目。")
            % {"state": app.get_state_display()}
        )
    if kind not in ChargeKind.values:
        reasons.append(_("请选择收费项目。"))
    reasons += [r for r in [_amount_refusal(value)] if r]
    if not (explanation or "").strip():
        reasons.append(_("请填写向客户说明的收费依据和标准。"))
    if reasons:
        raise TransitionRefused(reasons)

    serial = app.charges.count() + 1  # under the application's row lock
    charge = Charge(
        number=f"{app.number}-F{serial:02d}",
        application=app,
        kind=kind,
        amount=value,
        explanation=explanation.strip(),
        issued_at=at,
        issued_by=user,
    )
    if is_sanling(app):
        charge.status = ChargeStatus.WAIVED
        charge.closed_at, charge.closed_by, charge.closed_reason = at, user, str(SANLING_REASON)
    charge.save()
    _log(charge, ChargeEvent.Action.ISSUE, user=user, at=at, comment=charge.explanation)
    if charge.status == ChargeStatus.WAIVED:
        _log(charge, ChargeEvent.Action.WAIVE, user=user, at=at, comment=charge.closed_reason)
    return charge


def _lock(charge: Charge) -> Charge:
    return (
        Charge.objects.select_for_update()
        .select_related("application__unit", "application__customer")
        .get(pk=charge.pk)
    )


def _open_refusal(charge: Charge, verb: str) -> str | None:
    if charge.status != ChargeStatus.ISSUED:
        return _("收费项目%(number)s当前为“%(status)s”，只有待缴的收费才能%(verb)s。") % {
            "number": charge.number,
            "status": charge.get_status_display(),
            "verb": verb,
        }
    return None


def _close(charge: Charge, *, status: str, action: str, user, reason: str, at: datetime):
    if at < charge.issued_at:
        raise TransitionRefused(_("办理时间不能早于收费开具时间。"))
    charge.status = status
    charge.closed_at, charge.closed_by, charge.closed_reason = at, user, reason.strip()
    charge.save(update_fields=["status", "closed_at", "closed_by", "closed_reason"])
    _log(charge, action, user=user, at=at, comment=charge.closed_reason)
    return charge


@transaction.atomic
def waive_charge(*, charge: Charge, user, reason: str, at: datetime | None = None) -> Charge:
    """Waive a 待缴 charge (已减免), with the reason the customer is told.

    主管 decide, or an approver of 营销部; approvers of other departments are refused.
    """
    at = at or timezone.now()
    charge = _lock(charge)
    reasons = [r for r in [_refusal(user, charge.application, "waive_charge")] if r]
    profile = getattr(user, "staff_profile", None)
    if profile and profile.department and profile.department != Department.MARKETING:
        reasons.append(
            _("减免收费须由主管或营销部审批人决定，您属于%(dept)s。")
            % {"dept": profile.get_department_display()}
        )
    reasons += [r for r in [_open_refusal(charge, _("减免"))] if r]
    if not (reason or "").strip():
        reasons.append(_("请填写减免原因。"))
    if reasons:
        raise TransitionRefused(reasons)
    return _close(
        charge,
        status=ChargeStatus.WAIVED,
        action=ChargeEvent.Action.WAIVE,
        user=user,
        reason=reason,
        at=at,
    )


@transaction.atomic
def cancel_charge(*, charge: Charge, user, reason: str, at: datetime | None = None) -> Charge:
    """Cancel a 待缴 charge issued by mistake (已撤销); kept with the reason, never deleted."""
    at = at or timezone.now()
    charge = _lock(charge)
    reasons = [r for r in [_refusal(user, charge.application, "cancel_charge")] if r]
    reasons += [r for r in [_open_refusal(charge, _("撤销"))] if r]
    if not (reason or "").strip():
        reasons.append(_("请填写撤销原因。"))
    if reasons:
        raise TransitionRefused(reasons)
    return _close(
        charge,
        status=ChargeStatus.CANCELLED,
        action=ChargeEvent.Action.CANCEL,
        user=user,
        reason=reason,
        at=at,
    )


# --- Payments --------------------------------------------------------------------------------


def _conflicts(
    existing: Charge, *, target: Charge | None, app, amount, paid_at, invoice: str
) -> list[str]:
    """Why a payment posted again under an existing reference is not the same payment."""
    ref = existing.payment_reference
    found = []
    if target is not None and target.pk != existing.pk:
        found.append(
            _("缴费流水号%(ref)s已登记在收费项目%(other)s上，不能再用于%(this)s。")
            % {"ref": ref, "other": existing.number, "this": target.number}
        )
    elif app is not None and app.pk != existing.application_id:
        found.append(
            _("缴费流水号%(ref)s已登记在收费项目%(other)s上，不属于申请%(app)s。")
            % {"ref": ref, "other": existing.number, "app": app.number}
        )
    if amount != existing.amount:
        found.append(
            _("缴费流水号%(ref)s已登记的金额为%(old)s元，与本次的%(new)s元不符。")
            % {"ref": ref, "old": _money(existing.amount), "new": _money(amount)}
        )
    if paid_at != existing.paid_at:
        found.append(
            _("缴费流水号%(ref)s已登记的缴费时间为%(old)s，与本次的%(new)s不符。")
            % {
                "ref": ref,
                "old": timezone.localtime(existing.paid_at).strftime("%Y-%m-%d %H:%M:%S"),
                "new": timezone.localtime(paid_at).strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
    if invoice and existing.invoice_number and invoice != existing.invoice_number:
        found.append(
            _("缴费流水号%(ref)s已登记的发票号码为%(old)s，与本次的%(new)s不符。")
            % {"ref": ref, "old": existing.invoice_number, "new": invoice}
        )
    return found


def _find_target(charge, application) -> Charge | None:
    if isinstance(charge, str):
        found = Charge.objects.filter(number=charge.strip()).first()
        if found is None:
            raise TransitionRefused(_("收费编号%(number)s不存在。") % {"number": charge})
        return found
    return charge


def _pick_by_amount(app: Application, amount: Decimal) -> Charge:
    candidates = list(
        app.charges.select_for_update().filter(status=ChargeStatus.ISSUED, amount=amount)
    )
    if not candidates:
        raise TransitionRefused(
            _("申请%(app)s没有金额为%(amount)s元的待缴收费项目。")
            % {"app": app.number, "amount": _money(amount)}
        )
    if len(candidates) > 1:
        raise TransitionRefused(
            _("申请%(app)s有%(n)s项金额为%(amount)s元的待缴收费，请指明收费编号。")
            % {"app": app.number, "n": len(candidates), "amount": _money(amount)}
        )
    return candidates[0]


@transaction.atomic
def record_payment(
    *,
    paid_at: datetime,
    source: str,
    reference: str,
    amount,
    charge: Charge | str | None = None,
    application: Application | None = None,
    invoice_number: str = "",
    user=None,
    system: str = "",
    at: datetime | None = None,
) -> PaymentResult:
    """Record that a charge was paid at `paid_at`; idempotent by (source, reference).

    The charge is given directly (a `Charge` or its number), or found on `application` as its
    only 待缴 charge of exactly `amount`. Posting the same payment again returns
    `UNCHANGED`; the same reference with different data is refused, saying what differs.
    `user` is the staff member recording it (checked: permission and unit); `user=None`
    means an external system named by `system`, whose caller has checked its right to post.
    """
    at = at or timezone.now()
    reference = (reference or "").strip()
    invoice_number = (invoice_number or "").strip()
    value = _amount(amount)
    reasons = []
    if user is None and not system:
        reasons.append(_("须注明登记缴费的人员或外部系统。"))
    if source not in PaymentSource.values:
        reasons.append(_("缴费数据来源无效。"))
    if not reference:
        reasons.append(_("请填写缴费流水号。"))
    reasons += [r for r in [_amount_refusal(value)] if r]
    if paid_at is None or timezone.is_naive(paid_at):
        reasons.append(_("请填写带时区的缴费时间。"))
    elif paid_at > at + CLOCK_SKEW:
        reasons.append(_("缴费时间不能晚于当前时间。"))
    if reasons:
        raise TransitionRefused(reasons)

    target = _find_target(charge, application)
    if target is not None and application is not None and target.application_id != application.pk:
        raise TransitionRefused(
            _("收费项目%(number)s不属于申请%(app)s。")
            % {"number": target.number, "app": application.number}
        )
    app = target.application if target is not None else application
    if app is None:
        raise TransitionRefused(_("请指明收费项目或业扩申请。"))
    if user is not None:
        refusal = _refusal(user, app, "record_charge_payment")
        if refusal:
            raise TransitionRefused(refusal)

    # Lock the charge before looking the reference up: two posts of one payment queue here.
    if target is not None:
        target = _lock(target)
    existing = (
        Charge.objects.select_for_update()
        .filter(payment_source=source, payment_reference=reference)
        .first()
    )
    if existing is not None:
        conflicts = _conflicts(
            existing, target=target, app=app, amount=value, paid_at=paid_at, invoice=invoice_number
        )
        if conflicts:
            raise TransitionRefused(conflicts)
        return PaymentResult(existing, PaymentOutcome.UNCHANGED)

    if target is None:
        target = _pick_by_amount(app, value)
    reasons = []
    if target.status == ChargeStatus.PAID:
        reasons.append(
            _("收费项目%(number)s已于%(at)s缴费（流水号%(ref)s），不能重复登记。")
            % {
                "number": target.number,
                "at": timezone.localtime(target.paid_at).strftime("%Y-%m-%d %H:%M"),
                "ref": target.payment_reference,
            }
        )
    elif target.status != ChargeStatus.ISSUED:
        reasons.append(
            _("收费项目%(number)s%(status)s，不能登记缴费。")
            % {"number": target.number, "status": target.get_status_display()}
        )
    if value != target.amount:
        reasons.append(
            _("缴费金额%(paid)s元与收费项目%(number)s的应收金额%(due)s元不符。")
            % {"paid": _money(value), "number": target.number, "due": _money(target.amount)}
        )
    if paid_at < target.issued_at:
        reasons.append(
            _("缴费时间不能早于收费开具时间（%(issued)s）。")
            % {"issued": timezone.localtime(target.issued_at).strftime("%Y-%m-%d %H:%M")}
        )
    if reasons:
        raise TransitionRefused(reasons)

    target.status = ChargeStatus.PAID
    target.paid_at = paid_at
    target.payment_source, target.payment_reference = source, reference
    target.invoice_number = invoice_number
    target.payment_recorded_at, target.payment_recorded_by = at, user
    try:
        with transaction.atomic():  # savepoint: the unique reference raced another charge
            target.save()
    except IntegrityError as exc:
        raise TransitionRefused(
            _("缴费流水号%(ref)s已被其他收费项目使用，请核对。") % {"ref": reference}
        ) from exc
    _log(
        target,
        ChargeEvent.Action.PAY,
        user=user,
        system=system,
        at=at,
        comment=f"{PaymentSource(source).label} {reference}",
    )
    return PaymentResult(target, PaymentOutcome.RECORDED)


# --- Reads -----------------------------------------------------------------------------------


def settlement_hours(charge: Charge) -> float | None:
    """Settlement time of a paid charge, issued → paid, in **calendar hours** (None if unpaid).

    Calendar hours, not working days: seed 000 measures the e-invoice's improvement as
    "2 days → 1 hour", a clock-on-the-wall duration the customer lives through.
    """
    if charge.status != ChargeStatus.PAID or charge.paid_at is None:
        return None
    return (charge.paid_at - charge.issued_at).total_seconds() / 3600


@dataclass(frozen=True)
class CustomerChargeLine:
    number: str
    kind: str
    amount: Decimal
    explanation: str
    status: str  # a ChargeStatus value
    status_label: str
    issued_at: datetime
    paid_at: datetime | None
    waived_reason: str


@dataclass(frozen=True)
class CustomerCharges:
    lines: list[CustomerChargeLine]
    total: Decimal  # every item shown, waived included: what the service would have cost
    outstanding: Decimal  # 待缴
    paid: Decimal
    waived: Decimal
    sanling: bool


def charges_for_customer(application: Application) -> CustomerCharges:
    """What the customer may see of their charges: items, explanation, paid or waived.

    Cancelled items (issued by mistake) are not shown: they were never owed. No staff names,
    payment references or internal notes; a waiver shows its reason (the 三零 text for 三零).
    """
    charges = application.charges.exclude(status=ChargeStatus.CANCELLED).order_by("issued_at")
    lines = [
        CustomerChargeLine(
            number=c.number,
            kind=c.get_kind_display(),
            amount=c.amount,
            explanation=c.explanation,
            status=c.status,
            status_label=c.get_status_display(),
            issued_at=c.issued_at,
            paid_at=c.paid_at,
            waived_reason=c.closed_reason if c.status == ChargeStatus.WAIVED else "",
        )
        for c in charges
    ]

    def total(status=None) -> Decimal:
        return sum(
            (x.amount for x in lines if status is None or x.status == status), Decimal("0.00")
        )

    return CustomerCharges(
        lines=lines,
        total=total(),
        outstanding=total(ChargeStatus.ISSUED),
        paid=total(ChargeStatus.PAID),
        waived=total(ChargeStatus.WAIVED),
        sanling=is_sanling(application),
    )

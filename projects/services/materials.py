"""Consigned stock (寄存物料): draws by projects, restocking, and loans from the secondary
warehouse (二级库借用).

Quantities change only here, each under a row lock taken in primary-key order (two draws of
the same items queue instead of deadlocking), and the database's CHECK (quantity >= 0) backs
it up: two concurrent draws can never take stock below zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.services.errors import TransitionRefused

from .. import rules, signals
from ..models import (
    ConsignedStock,
    MaterialItem,
    Project,
    Requisition,
    RequisitionLine,
    SecondaryLoan,
)


def reservation_refusal(stock: ConsignedStock, project: Project) -> str | None:
    """Why `project` may not draw this stock reserved for 业扩 (None if it may)."""
    if stock.reserved_application_id is not None:
        if not project.applications.filter(pk=stock.reserved_application_id).exists():
            return _("%(item)s为业扩申请%(number)s预留，本工程未关联该申请，不能领用。") % {
                "item": stock.item.name,
                "number": stock.reserved_application.number,
            }
    elif stock.reserved_for_expansion and not project.applications.exists():
        return _("%(item)s为业扩专用物资，只有关联业扩申请的配套工程可以领用。") % {
            "item": stock.item.name
        }
    return None


def _draw_refusals(project: Project, wanted: dict[int, Decimal], stocks) -> list[str]:
    reasons = []
    for stock in stocks:
        quantity = wanted[stock.pk]
        if quantity <= 0:
            reasons.append(_("%(item)s的领用数量须大于 0。") % {"item": stock.item.name})
            continue
        if not rules.in_unit_of(stock.unit, project.unit):
            reasons.append(
                _("%(item)s存放于%(unit)s，不是本工程所属单位的寄存物料。")
                % {"item": stock.item.name, "unit": stock.unit}
            )
        reserved = reservation_refusal(stock, project)
        if reserved:
            reasons.append(reserved)
        if stock.quantity < quantity:
            reasons.append(
                _("%(item)s库存不足：现有 %(have)s %(uom)s，需领用 %(want)s %(uom)s。")
                % {
                    "item": stock.item.name,
                    "have": stock.quantity,
                    "want": quantity,
                    "uom": stock.item.unit_of_measure,
                }
            )
    return reasons


@transaction.atomic
def draw_materials(
    *, user, project: Project, lines: Iterable[tuple[ConsignedStock, Decimal]], note="", at=None
) -> Requisition:
    """Draw every line from consigned stock for `project` (all or nothing) by its manager.

    A draw that takes a stock below its threshold announces `stock_below_threshold` once per
    dip: only the draw that crosses the threshold marks the stock (`below_threshold_since`).
    """
    at = at or timezone.now()
    refused = rules.manager_refusal(user, project, "draw_materials")
    if refused:
        raise TransitionRefused(refused)
    if project.is_closed:
        raise TransitionRefused(
            _("工程已%(status)s，不能领料。") % {"status": project.get_status_display()}
        )
    wanted: dict[int, Decimal] = {}
    for stock, quantity in lines:
        wanted[stock.pk] = wanted.get(stock.pk, Decimal("0")) + Decimal(quantity)
    if not wanted:
        raise TransitionRefused(_("领料单至少需要一行物料。"))
    stocks = list(
        ConsignedStock.objects.select_for_update(of=("self",))
        .filter(pk__in=wanted)
        .select_related("item", "unit", "reserved_application")
        .order_by("pk")
    )
    reasons = _draw_refusals(project, wanted, stocks)
    if reasons:
        raise TransitionRefused(reasons)
    requisition = Requisition.objects.create(project=project, drawn_by=user, drawn_at=at, note=note)
    RequisitionLine.objects.bulk_create(
        [RequisitionLine(requisition=requisition, stock=s, quantity=wanted[s.pk]) for s in stocks]
    )
    dipped = []
    for stock in stocks:
        stock.quantity -= wanted[stock.pk]
        fields = ["quantity"]
        if stock.is_below_threshold and stock.below_threshold_since is None:
            stock.below_threshold_since = at
            fields.append("below_threshold_since")
            dipped.append(stock)
        stock.save(update_fields=fields)
    for stock in dipped:
        signals.stock_below_threshold.send(
            sender=ConsignedStock,
            stock=stock,
            project=project,
            requisition=requisition,
            actor=user,
            at=at,
        )
    return requisition


@transaction.atomic
def restock(*, user, stock: ConsignedStock, quantity: Decimal, at=None) -> ConsignedStock:
    """Add `quantity` to a stock; back at or above its threshold, the next dip alerts again."""
    refused = rules.permission_refusal(user, "restock_consignedstock") or rules.unit_refusal(
        user, stock.unit
    )
    if refused:
        raise TransitionRefused(refused)
    if quantity <= 0:
        raise TransitionRefused(_("入库数量须大于 0。"))
    locked = ConsignedStock.objects.select_for_update().get(pk=stock.pk)
    locked.quantity += Decimal(quantity)
    if not locked.is_below_threshold:
        locked.below_threshold_since = None
    locked.save(update_fields=["quantity", "below_threshold_since"])
    return locked


@transaction.atomic
def borrow(
    *, user, project: Project, item: MaterialItem, quantity: Decimal, due_back_on: date, at=None
) -> SecondaryLoan:
    """Record material borrowed from the secondary warehouse for `project`, due back by a date."""
    at = at or timezone.now()
    refused = rules.manager_refusal(user, project, "add_secondaryloan")
    if refused:
        raise TransitionRefused(refused)
    reasons = []
    if quantity <= 0:
        reasons.append(_("借用数量须大于 0。"))
    if due_back_on < timezone.localdate(at):
        reasons.append(_("应归还日期不能早于今天。"))
    if reasons:
        raise TransitionRefused(reasons)
    return SecondaryLoan.objects.create(
        project=project,
        item=item,
        quantity=quantity,
        borrowed_by=user,
        borrowed_at=at,
        due_back_on=due_back_on,
    )


@transaction.atomic
def return_loan(
    *, user, loan: SecondaryLoan, returned_quantity: Decimal, note: str = "", at=None
) -> SecondaryLoan:
    """Record the return of a loan: by the materials officer who takes it back."""
    at = at or timezone.now()
    locked = (
        SecondaryLoan.objects.select_for_update().select_related("project__unit").get(pk=loan.pk)
    )
    refused = rules.refusal(user, locked.project, "change_secondaryloan")
    if refused:
        raise TransitionRefused(refused)
    reasons = []
    if locked.is_returned:
        reasons.append(_("该借用已于%(at)s归还。") % {"at": timezone.localtime(locked.returned_at)})
    if not 0 < returned_quantity <= locked.quantity:
        reasons.append(
            _("归还数量须大于 0 且不超过借用数量 %(quantity)s。") % {"quantity": locked.quantity}
        )
    elif returned_quantity < locked.quantity and not note.strip():
        reasons.append(_("归还数量少于借用数量，请在归还说明中写明差额去向。"))
    if reasons:
        raise TransitionRefused(reasons)
    locked.returned_at, locked.returned_quantity = at, returned_quantity
    locked.returned_to, locked.return_note = user, note.strip()
    locked.save()
    return locked

"""Payments and e-invoices from the marketing system (or 网上国网): the charge paid at an
instant, from which the settlement time (issued → paid) is measured (applications.services.
charges, idempotent by the system's payment reference)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from applications.models import Charge, PaymentSource
from applications.services.charges import PaymentOutcome, record_payment, settlement_hours
from applications.services.errors import TransitionRefused

from ..audit import AuditedView
from ..models import Scope, System
from ..serializers import ErrorOutput, PaymentInput, PaymentOutput
from .applications import scoped_applications, validated
from .records import application_by_number, replayed

# Each system posts payments as its own source: one cannot replay another's references.
PAYMENT_SOURCE = {System.MARKETING: PaymentSource.MARKETING, System.APP: PaymentSource.APP}


class PaymentCreateView(AuditedView):
    required_scope = Scope.PAYMENTS_WRITE

    @extend_schema(
        operation_id="payment_create",
        summary="推送缴费及电子发票记录",
        description=(
            "登记收费项目在某一时刻已缴费（含电子发票号码），据此计算结算时长（开具 → 缴费）。"
            "以缴费流水号幂等：重复推送不重复登记（200）；同一流水号内容不同则拒绝并说明差异。"
        ),
        request=PaymentInput,
        responses={
            201: PaymentOutput,
            200: PaymentOutput,
            **{code: ErrorOutput for code in (400, 401, 403)},
        },
    )
    def post(self, request):
        client = request.auth.client
        data = validated(self, PaymentInput, request.data)
        source = PAYMENT_SOURCE.get(client.system)
        if source is None:
            raise TransitionRefused(
                _("%(client)s不是缴费数据来源，不能登记缴费。") % {"client": client}
            )
        application = (
            application_by_number(client, data["application"]) if data.get("application") else None
        )
        charge = None
        if data.get("charge"):
            number = data["charge"].strip()
            charge = Charge.objects.filter(
                number=number, application__in=scoped_applications(client).values("pk")
            ).first()
            if charge is None:  # another unit's charge reads as unknown: nothing leaks
                raise TransitionRefused(_("收费编号%(number)s不存在。") % {"number": number})
        result = record_payment(
            paid_at=data["paid_at"],
            source=source,
            reference=data["reference"],
            amount=data["amount"],
            charge=charge,
            application=application,
            invoice_number=data.get("invoice_number", ""),
            user=None,
            system=client.system,
        )
        paid = result.charge
        body = PaymentOutput(
            {
                "charge": paid.number,
                "application": paid.application.number,
                "status": paid.status,
                "amount": paid.amount,
                "issued_at": paid.issued_at,
                "paid_at": paid.paid_at,
                "invoice_number": paid.invoice_number,
                "settlement_hours": settlement_hours(paid),
                "result": str(result.outcome),
            }
        ).data
        if result.outcome == PaymentOutcome.UNCHANGED:
            self.audit_result = _("重复推送，%(number)s已登记缴费") % {"number": paid.number}
            return replayed(Response(body))
        self.audit_result = _("%(number)s已缴费") % {"number": paid.number}
        return Response(body, status=status.HTTP_201_CREATED)

"""Charges (收费项目) itemised to the customer, and their log.

DOMAIN.md §4 (contract): charges are itemised with a written explanation before signing, paid
or waived (三零 firms pay nothing), and the settlement time runs from charge to receipt.
The rules (who issues, waives, cancels; the 三零 rule; idempotent payments) live in
`applications.services.charges`; this model holds the data and the invariants of one row, also
as database constraints so no writer can break them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .append_only import AppendOnlyModel

USER = settings.AUTH_USER_MODEL


class ChargeKind(models.TextChoices):
    HIGH_RELIABILITY = "high_reliability", _("高可靠性供电费")
    TEMPORARY = "temporary", _("临时接电费")
    METERING = "metering", _("计量装置费")
    WORKS = "works", _("客户工程费")
    OTHER = "other", _("其他")


class ChargeStatus(models.TextChoices):
    ISSUED = "issued", _("待缴")
    PAID = "paid", _("已缴")
    WAIVED = "waived", _("已减免")
    CANCELLED = "cancelled", _("已撤销")


class PaymentSource(models.TextChoices):
    """Where a payment record comes from; (source, reference) identifies it once."""

    MARKETING = "marketing", _("营销系统")
    APP = "app", _("网上国网")
    COUNTER = "counter", _("营业厅")


class Charge(models.Model):
    number = models.CharField(_("收费编号"), max_length=30, unique=True, editable=False)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.PROTECT,
        related_name="charges",
    )
    kind = models.CharField(_("收费项目"), max_length=20, choices=ChargeKind.choices)
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    explanation = models.TextField(
        _("收费说明"), help_text=_("向客户书面说明收费依据和标准，客户页面可见")
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ChargeStatus.choices,
        default=ChargeStatus.ISSUED,
        db_index=True,
    )
    issued_at = models.DateTimeField(_("开具时间"), db_index=True)
    issued_by = models.ForeignKey(
        USER, verbose_name=_("开具人"), on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(_("缴费时间"), null=True, blank=True, db_index=True)
    payment_source = models.CharField(
        _("缴费数据来源"), max_length=20, choices=PaymentSource.choices, blank=True
    )
    payment_reference = models.CharField(
        _("缴费流水号"), max_length=64, blank=True, help_text=_("如营销系统的电子发票号或流水号")
    )
    invoice_number = models.CharField(_("发票号码"), max_length=64, blank=True)
    payment_recorded_at = models.DateTimeField(_("缴费登记时间"), null=True, blank=True)
    payment_recorded_by = models.ForeignKey(
        USER,
        verbose_name=_("缴费登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A waiver or a cancellation: one of them at most, with who, when and why.
    closed_at = models.DateTimeField(_("减免/撤销时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        USER,
        verbose_name=_("减免/撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_reason = models.TextField(_("减免/撤销原因"), blank=True)

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")
        ordering = ["application", "issued_at", "pk"]
        permissions = [
            ("issue_charge", _("开具收费项目")),
            ("waive_charge", _("减免收费")),
            ("cancel_charge", _("撤销收费项目")),
            ("record_charge_payment", _("登记缴费")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="charge_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(paid_at__gte=F("issued_at")),
                name="charge_paid_after_issue",
            ),
            models.CheckConstraint(
                condition=(Q(status="paid") & Q(paid_at__isnull=False) & ~Q(payment_reference=""))
                | (~Q(status="paid") & Q(paid_at__isnull=True)),
                name="charge_paid_has_payment",
            ),
            models.CheckConstraint(
                condition=(Q(status__in=["waived", "cancelled"]) & ~Q(closed_reason=""))
                | (~Q(status__in=["waived", "cancelled"]) & Q(closed_at__isnull=True)),
                name="charge_closed_has_reason",
            ),
            # Posting the same payment twice finds the first: one charge per (source, reference).
            models.UniqueConstraint(
                fields=["payment_source", "payment_reference"],
                condition=~Q(payment_reference=""),
                name="charge_payment_reference_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "issued_at"])]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()} {self.amount}元"

    @property
    def is_open(self) -> bool:
        """Still to be paid: the one status that blocks energization."""
        return self.status == ChargeStatus.ISSUED

    def clean(self):
        errors = {}
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("收费金额必须大于0元。")
        if not (self.explanation or "").strip():
            errors["explanation"] = _("请填写向客户说明的收费依据。")
        if self.paid_at and self.issued_at and self.paid_at < self.issued_at:
            errors["paid_at"] = _("缴费时间不能早于开具时间。")
        if errors:
            raise ValidationError(errors)


class ChargeEvent(AppendOnlyModel):
    """Who did what to a charge, when (append-only). A system posting has no user."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("开具")
        WAIVE = "waive", _("减免")
        CANCEL = "cancel", _("撤销")
        PAY = "pay", _("登记缴费")

    charge = models.ForeignKey(
        Charge, verbose_name=_("收费项目"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        USER, verbose_name=_("办理人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    system = models.CharField(_("外部系统"), max_length=40, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    comment = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("收费操作记录")
        verbose_name_plural = _("收费操作记录")
        ordering = ["charge", "at", "pk"]

    def __str__(self):
        return f"{self.charge.number} {self.get_action_display()}"

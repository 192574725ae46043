"""Materials for grid works: items, consigned stock (寄存物料), requisitions (领料) and loans from
the secondary warehouse (二级库借用). Quantities change only in `projects.services.materials`,
under row locks, so stock never goes below zero."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .project import Project

POSITIVE = [MinValueValidator(Decimal("0.01"))]


class MaterialItem(models.Model):
    code = models.CharField(_("物料编码"), max_length=40, unique=True)
    name = models.CharField(_("物料名称"), max_length=200)
    unit_of_measure = models.CharField(_("计量单位"), max_length=20)

    class Meta:
        verbose_name = _("物料")
        verbose_name_plural = _("物料")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ConsignedStock(models.Model):
    """One item's consigned stock in one warehouse of a unit, with its minimum threshold."""

    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("供电单位"),
        on_delete=models.PROTECT,
        related_name="consigned_stock",
    )
    warehouse = models.CharField(_("仓库"), max_length=100)
    item = models.ForeignKey(
        MaterialItem, verbose_name=_("物料"), on_delete=models.PROTECT, related_name="stock"
    )
    quantity = models.DecimalField(
        _("库存数量"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    threshold = models.DecimalField(
        _("最低库存"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("领用后低于此数量即向物资审批人和项目经理发出预警"),
    )
    reserved_for_expansion = models.BooleanField(
        _("业扩专用"),
        default=False,
        help_text=_("业扩预留物资：只有关联业扩申请的配套工程可以领用"),
    )
    reserved_application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("预留给业扩申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reserved_stock",
        help_text=_("填写后只有关联该申请的工程可以领用"),
    )
    # Set when a draw takes the stock below its threshold; cleared when restocked above it.
    # The alert is raised only when this goes from empty to set: once per dip.
    below_threshold_since = models.DateTimeField(
        _("低于最低库存时间"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("寄存物料库存")
        verbose_name_plural = _("寄存物料库存")
        ordering = ["unit", "warehouse", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "warehouse", "item"], name="consigned_stock_once"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="consigned_stock_not_negative"
            ),
        ]
        permissions = [("restock_consignedstock", _("入库/补充寄存物料"))]

    def __str__(self):
        return f"{self.warehouse} {self.item}"

    @property
    def is_reserved(self) -> bool:
        return self.reserved_for_expansion or self.reserved_application_id is not None

    @property
    def is_below_threshold(self) -> bool:
        return self.quantity < self.threshold


class Requisition(models.Model):
    """领料单: materials drawn by a project from consigned stock, all lines at once."""

    project = models.ForeignKey(
        Project, verbose_name=_("配套工程"), on_delete=models.PROTECT, related_name="requisitions"
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("领料人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("领料时间"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("领料单")
        verbose_name_plural = _("领料单")
        ordering = ["-drawn_at"]
        permissions = [("draw_materials", _("领用寄存物料"))]

    def __str__(self):
        return f"{self.project.number} {self.drawn_at:%Y-%m-%d}"


class RequisitionLine(models.Model):
    requisition = models.ForeignKey(
        Requisition, verbose_name=_("领料单"), on_delete=models.CASCADE, related_name="lines"
    )
    stock = models.ForeignKey(
        ConsignedStock, verbose_name=_("库存"), on_delete=models.PROTECT, related_name="draws"
    )
    quantity = models.DecimalField(
        _("领用数量"), max_digits=12, decimal_places=2, validators=POSITIVE
    )

    class Meta:
        verbose_name = _("领料明细")
        verbose_name_plural = _("领料明细")

    def __str__(self):
        return f"{self.stock.item} × {self.quantity}"


class SecondaryLoan(models.Model):
    """二级库借用: material borrowed from the secondary warehouse, due back by a date."""

    project = models.ForeignKey(
        Project, verbose_name=_("配套工程"), on_delete=models.PROTECT, related_name="loans"
    )
    item = models.ForeignKey(
        MaterialItem, verbose_name=_("物料"), on_delete=models.PROTECT, related_name="loans"
    )
    quantity = models.DecimalField(
        _("借用数量"), max_digits=12, decimal_places=2, validators=POSITIVE
    )
    borrowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("借用人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    borrowed_at = models.DateTimeField(_("借用时间"))
    due_back_on = models.DateField(_("应归还日期"))
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    returned_quantity = models.DecimalField(
        _("归还数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("归还经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_note = models.CharField(_("归还说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("二级库借用")
        verbose_name_plural = _("二级库借用")
        ordering = ["-borrowed_at"]

    def __str__(self):
        return f"{self.project.number} {self.item} × {self.quantity}"

    @property
    def is_returned(self) -> bool:
        return self.returned_at is not None

"""Acceptance materials per customer class, and what each application has handed in."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..states import CustomerClass


class MaterialRequirement(models.Model):
    """A document a customer class must hand in (policy, editable in the admin)."""

    customer_class = models.CharField(_("用电类别"), max_length=20, choices=CustomerClass.choices)
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("资料名称"), max_length=100)
    required = models.BooleanField(_("必备"), default=True)
    is_identity = models.BooleanField(
        _("身份证明"), default=False, help_text=_("一证受理时唯一必须当场收取的资料")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("受理资料要求")
        verbose_name_plural = _("受理资料要求")
        ordering = ["customer_class", "order"]
        constraints = [
            models.UniqueConstraint(fields=["customer_class", "code"], name="material_req_unique")
        ]

    def __str__(self):
        return f"{self.get_customer_class_display()}：{self.name}"


class ApplicationMaterial(models.Model):
    class Status(models.TextChoices):
        MISSING = "missing", _("未收取")
        RECEIVED = "received", _("已收取")
        DEFERRED = "deferred", _("容缺（告知承诺）")

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    requirement = models.ForeignKey(
        MaterialRequirement, verbose_name=_("资料"), on_delete=models.PROTECT
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.MISSING
    )
    received_at = models.DateTimeField(_("收取时间"), null=True, blank=True)
    promised_by = models.DateField(
        _("承诺补交日期"), null=True, blank=True, help_text=_("容缺受理时客户承诺补交的日期")
    )
    commitment_signed = models.BooleanField(_("已签告知承诺书"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("受理资料")
        verbose_name_plural = _("受理资料")
        ordering = ["requirement__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "requirement"], name="application_material_unique"
            )
        ]

    def __str__(self):
        return f"{self.requirement.name}：{self.get_status_display()}"

    @property
    def is_received(self) -> bool:
        return self.status == self.Status.RECEIVED

    @property
    def is_settled(self) -> bool:
        """Received, or deferred on a signed written promise with a date (容缺受理)."""
        if self.status == self.Status.DEFERRED:
            return self.commitment_signed and self.promised_by is not None
        return self.is_received

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.status == self.Status.DEFERRED and not (
            self.commitment_signed and self.promised_by
        ):
            raise ValidationError(_("容缺受理须客户签署告知承诺书并填写承诺补交日期。"))

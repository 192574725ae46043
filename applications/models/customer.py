"""Customers: the people and firms who apply for a connection."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from stdnum.cn import ric, uscc

from .org import Unit


class CustomerKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("企业/单位")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    CREDIT_CODE = "credit_code", _("统一社会信用代码")
    OTHER = "other", _("其他证件")


# Mainland mobile numbers, or a landline with optional area code and extension.
phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$",
    _("请输入11位手机号或带区号的固定电话，例如 13812345678 或 0571-87654321。"),
)


def validate_id_number(id_type: str, number: str) -> None:
    """Check a resident ID (GB 11643) or unified social credit code (GB 32100) checksum."""
    if id_type == IdType.RESIDENT_ID and not ric.is_valid(number):
        raise ValidationError(
            _("居民身份证号码无效：应为18位且校验位正确。"), code="invalid_resident_id"
        )
    if id_type == IdType.CREDIT_CODE and not uscc.is_valid(number):
        raise ValidationError(
            _("统一社会信用代码无效：应为18位且校验位正确。"), code="invalid_credit_code"
        )


class Customer(models.Model):
    name = models.CharField(_("户名"), max_length=200)
    kind = models.CharField(_("客户类型"), max_length=20, choices=CustomerKind.choices)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices)
    id_number = models.CharField(_("证件号码"), max_length=40)
    contact_name = models.CharField(_("联系人"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=30, validators=[phone_validator])
    address = models.CharField(_("地址"), max_length=300)
    unit = models.ForeignKey(
        Unit, verbose_name=_("供电单位"), on_delete=models.PROTECT, related_name="customers"
    )
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="customer_unique_id"),
        ]
        indexes = [models.Index(fields=["phone"])]

    def __str__(self):
        return self.name

    def clean(self):
        self.id_number = (self.id_number or "").strip().upper()
        errors = {}
        try:
            validate_id_number(self.id_type, self.id_number)
        except ValidationError as exc:
            errors["id_number"] = exc
        if self.kind == CustomerKind.PERSON and self.id_type == IdType.CREDIT_CODE:
            errors["id_type"] = _("自然人不能使用统一社会信用代码。")
        if self.kind == CustomerKind.ENTERPRISE and self.id_type == IdType.RESIDENT_ID:
            errors["id_type"] = _("企业客户应使用统一社会信用代码。")
        if errors:
            raise ValidationError(errors)

"""Supply units and the staff who work in them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..states import Department


class Unit(models.Model):
    """供电单位: a county company, service centre or station. Staff act only inside their unit."""

    code = models.SlugField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("单位负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("超期升级的第二级接收人"),
    )

    class Meta:
        verbose_name = _("供电单位")
        verbose_name_plural = _("供电单位")
        ordering = ["code"]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """What the system needs to know about a staff member beyond their login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("所属供电单位"), on_delete=models.PROTECT, related_name="staff"
    )
    department = models.CharField(
        _("审批部门"),
        max_length=20,
        choices=Department.choices,
        blank=True,
        help_text=_("审批人所属部门；非审批人留空"),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("直接主管"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    work_phone = models.CharField(_("工作电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("员工档案")
        verbose_name_plural = _("员工档案")

    def __str__(self):
        return f"{self.user.get_full_name() or self.user.get_username()}（{self.unit}）"

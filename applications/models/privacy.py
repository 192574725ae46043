"""Who saw or exported customers' identity and phone numbers (个人信息访问记录)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .append_only import AppendOnlyModel


class PersonalDataAccess(AppendOnlyModel):
    """One look at unmasked personal data, or one export of customer rows. Append-only.

    Written only by `applications.privacy.record_access`; the admin shows it read-only to
    纪检 and 主管 (a leak is traced from here to a person, a time and an address).
    """

    class Action(models.TextChoices):
        VIEW = "view", _("查看完整信息")
        EXPORT = "export", _("导出")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    # What was seen: a model and row (view), or what was exported; plain text, so the record
    # outlives the row it names.
    subject = models.CharField(_("对象"), max_length=200)
    object_model = models.CharField(_("数据类型"), max_length=100, blank=True)
    object_id = models.CharField(_("记录编号"), max_length=40, blank=True, db_index=True)
    rows = models.PositiveIntegerField(_("行数"), default=1)
    masked = models.BooleanField(
        _("已脱敏"), default=False, help_text=_("导出的证件号和电话是否已脱敏")
    )
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    path = models.CharField(_("页面"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        ordering = ["-at", "-pk"]
        permissions = [("view_personal_data", _("查看完整证件号码和联系电话"))]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.subject}"

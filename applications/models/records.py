"""What each stage records (DOMAIN.md §4, "What each stage records")."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..states import State, SupplyVoltage

USER = settings.AUTH_USER_MODEL


class SurveyRecord(models.Model):
    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="survey"
    )
    appointment_at = models.DateTimeField(_("预约勘查时间"), null=True, blank=True)
    surveyed_at = models.DateTimeField(_("实际勘查时间"), null=True, blank=True)
    leader = models.ForeignKey(
        USER, verbose_name=_("勘查负责人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(
        USER, verbose_name=_("勘查组员"), blank=True, related_name="surveys_joined"
    )
    findings = models.TextField(
        _("勘查结论"), blank=True, help_text=_("地址、容量、用电性质、设备、周边线路等")
    )

    class Meta:
        verbose_name = _("现场勘查")
        verbose_name_plural = _("现场勘查")

    def __str__(self):
        return str(_("现场勘查"))


class SupplyScheme(models.Model):
    class SupplyMode(models.TextChoices):
        SINGLE = "single", _("单电源")
        DUAL = "dual", _("双电源")
        BACKUP = "backup", _("主备电源")

    class MeteringMode(models.TextChoices):
        HIGH_SIDE = "high", _("高供高计")
        LOW_SIDE = "low", _("高供低计")
        LOW_VOLTAGE = "lv", _("低供低计")

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="scheme"
    )
    supply_voltage = models.CharField(_("供电电压"), max_length=10, choices=SupplyVoltage.choices)
    capacity_kva = models.DecimalField(_("供电容量(kVA)"), max_digits=10, decimal_places=1)
    supply_mode = models.CharField(_("供电方式"), max_length=10, choices=SupplyMode.choices)
    metering_mode = models.CharField(_("计量方式"), max_length=10, choices=MeteringMode.choices)
    connection_point = models.CharField(_("接入点"), max_length=200)
    investment_boundary = models.CharField(_("产权分界点"), max_length=200, blank=True)
    grid_investment_estimate = models.DecimalField(
        _("配套工程投资估算(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    customer_confirmed_at = models.DateTimeField(_("客户确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("供电方案")
        verbose_name_plural = _("供电方案")

    def __str__(self):
        return str(_("供电方案"))


class Inspection(models.Model):
    """One round of design review, middle inspection or completion inspection."""

    KIND_CHOICES = [
        (s, s.label)
        for s in (State.DESIGN_REVIEW, State.MIDDLE_INSPECTION, State.COMPLETION_INSPECTION)
    ]

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="inspections"
    )
    kind = models.CharField(_("类型"), max_length=30, choices=KIND_CHOICES)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    passed = models.BooleanField(_("合格"))
    findings = models.TextField(_("审查/检验意见"), blank=True)
    risk_points = models.TextField(
        _("一次性告知的风险点"), blank=True, help_text=_("中间检查时一次性告知客户")
    )
    inspected_at = models.DateTimeField(_("检验时间"))
    inspector = models.ForeignKey(
        USER, verbose_name=_("检验人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("审查与检验")
        verbose_name_plural = _("审查与检验")
        ordering = ["inspected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind", "round"], name="inspection_round_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} 第{self.round}轮"


class Contract(models.Model):
    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="contract"
    )
    number = models.CharField(_("合同编号"), max_length=40, unique=True)
    template = models.CharField(_("合同范本"), max_length=100)
    tariff = models.CharField(_("电价及结算方式"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("签订时间"))
    signed_by = models.ForeignKey(
        USER, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("供用电合同")
        verbose_name_plural = _("供用电合同")

    def __str__(self):
        return self.number


class MeterInstallation(models.Model):
    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="meter_installation"
    )
    meter_number = models.CharField(_("电能表资产号"), max_length=40)
    installed_at = models.DateTimeField(_("装表时间"))
    energized_at = models.DateTimeField(_("送电时间"))
    installer = models.ForeignKey(
        USER, verbose_name=_("装表人员"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("装表接电")
        verbose_name_plural = _("装表接电")

    def __str__(self):
        return self.meter_number

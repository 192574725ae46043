"""Breach forecast (超期预测): per open stage clock, how likely it is to finish after its due.

`ClockForecast` is one row per open, day-limited company clock, rewritten in place by each
refresh (`monitoring.forecast.refresh`), with the group the estimate came from and the sentence
that explains it. `ForecastPolicy` is the single row of settings a supervisor edits: the early
alert's threshold and switch, the minimum group size and how far back history is read.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .clocks import StageClock
from .policy import CLOCK_STAGE_CHOICES


class ForecastPolicy(models.Model):
    """The forecast's settings: one row (`ForecastPolicy.current()`)."""

    early_alert_enabled = models.BooleanField(
        _("启用超期预测提醒"),
        default=True,
        help_text=_("超期概率达到阈值且剩余超过1个工作日时，提醒责任人（每个环节只提醒一次）"),
    )
    alert_threshold = models.PositiveSmallIntegerField(
        _("提醒阈值（%）"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    min_group_size = models.PositiveIntegerField(
        _("最少同类件数"),
        default=20,
        validators=[MinValueValidator(1)],
        help_text=_("同类历史不足此数时，改用更宽的分组估计"),
    )
    history_days = models.PositiveIntegerField(
        _("历史范围（天）"),
        default=730,
        validators=[MinValueValidator(30)],
        help_text=_("只用此天数内开始的环节作为历史"),
    )
    refresh_minutes = models.PositiveIntegerField(
        _("刷新间隔（分钟）"),
        default=60,
        validators=[MinValueValidator(5)],
        help_text=_("时限扫描后，距上次刷新超过此间隔即重新估计"),
    )
    # Claimed by the sweep task when it queues a refresh (see monitoring.forecast.refresh).
    refresh_claimed_at = models.DateTimeField(_("最近刷新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("超期预测设置")
        verbose_name_plural = _("超期预测设置")

    def __str__(self):
        return str(_("超期预测设置"))

    @classmethod
    def current(cls) -> "ForecastPolicy":
        """The settings row, created with the defaults the first time it is asked for."""
        policy = cls.objects.order_by("pk").first()
        return policy or cls.objects.create()


class ClockForecast(models.Model):
    clock = models.OneToOneField(
        StageClock,
        verbose_name=_("环节时限"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="forecast",
    )
    # Denormalised from the clock for the lists' filters, sorting and region scoping.
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.CASCADE,
        related_name="forecasts",
        db_index=False,  # forecast_application_risk starts with it
    )
    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("供电单位"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # forecast_unit_risk starts with it
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stage = models.CharField(_("环节"), max_length=30, choices=CLOCK_STAGE_CHOICES)
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    paused = models.BooleanField(_("暂停中"), default=False)
    elapsed_working_days = models.IntegerField(_("已用（工作日）"), help_text=_("已扣除暂停"))
    remaining_working_days = models.IntegerField(_("剩余（工作日）"))
    probability = models.FloatField(
        _("超期概率"), null=True, blank=True, help_text=_("空：同类历史不足，无法估计")
    )
    group_level = models.PositiveSmallIntegerField(
        _("分组层级"), default=0, help_text=_("0 为最细的同类分组，数字越大分组越宽")
    )
    group_size = models.PositiveIntegerField(
        _("同类件数"), default=0, help_text=_("同类中在本环节已用时间不少于本件的件数")
    )
    late_count = models.PositiveIntegerField(_("其中超期"), default=0)
    explanation = models.TextField(_("依据"))
    computed_at = models.DateTimeField(_("估计时间"))

    class Meta:
        verbose_name = _("超期预测")
        verbose_name_plural = _("超期预测")
        ordering = ["-probability", "remaining_working_days", "clock_id"]
        indexes = [
            models.Index(fields=["application", "probability"], name="forecast_application_risk"),
            models.Index(fields=["unit", "probability"], name="forecast_unit_risk"),
            models.Index(fields=["probability"], name="forecast_risk"),
        ]

    def __str__(self):
        return f"{self.clock} {self.probability_display()}"

    def probability_display(self) -> str:
        if self.probability is None:
            return "—"
        return f"{self.probability * 100:.0f}%"

    probability_display.short_description = _("超期概率")

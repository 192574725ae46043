"""The company's own entries in the working-day calendar.

The official calendar comes from the `chinesecalendar` package (2004–2026 in 1.11.0). The State
Council publishes next year's arrangement each November, usually before a package release covers
it, so the company enters days here; they override the package and are the only source for a year
the package does not cover. `monitoring.workdays` reads these rows through a per-process cache.
"""

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """One day whose status the company sets by hand (a holiday, or a 调休 make-up workday)."""

    class Kind(models.TextChoices):
        WORKDAY = "workday", _("工作日（调休上班）")
        HOLIDAY = "holiday", _("休息日（节假日）")

    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    note = models.CharField(
        _("说明"),
        max_length=200,
        blank=True,
        help_text=_("例如：2027年春节，公司按国务院通知录入"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def is_workday(self) -> bool:
        return self.kind == self.Kind.WORKDAY


class CalendarYear(models.Model):
    """The company has entered this year's official arrangement: the calendar is no guess."""

    year = models.PositiveSmallIntegerField(
        _("年度"),
        unique=True,
        help_text=_("国务院公布放假安排后，录入本年全部节假日和调休上班日，再确认本年度。"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), default=timezone.now)
    note = models.CharField(
        _("说明"),
        max_length=200,
        blank=True,
        help_text=_("例如：公司已按国务院通知录入本年节假日"),
    )

    class Meta:
        verbose_name = _("已录入年度")
        verbose_name_plural = _("已录入年度")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


@receiver(post_save, sender=CalendarOverride, dispatch_uid="calendar_override_saved")
@receiver(post_delete, sender=CalendarOverride, dispatch_uid="calendar_override_deleted")
@receiver(post_save, sender=CalendarYear, dispatch_uid="calendar_year_saved")
@receiver(post_delete, sender=CalendarYear, dispatch_uid="calendar_year_deleted")
def _calendar_changed(**kwargs):
    # Imported here: workdays imports these models. Clear now (this thread sees its own write)
    # and again at commit, or another thread could cache the pre-commit calendar meanwhile.
    from monitoring.workdays import clear_cache

    clear_cache()
    transaction.on_commit(clear_cache, using=kwargs.get("using"))

"""The dashboards' own rows: connection records (接电记录), one per energized application, and
the monthly and daily rollups.

Connection time is a sum over an application's stage clocks; summed live for every figure and
every month it would join millions of clocks. Each energized application's sum is kept here
instead, written in the transaction that energizes it (`monitoring.dashboard.records`) and
rebuilt set-based by a daily task, so the dashboards read one narrow, indexed row per
application. Nothing else writes it; it is derived data and can be rebuilt at any time.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.states import CustomerClass

from .policy import CLOCK_STAGE_CHOICES


def person_field(verbose_name) -> models.ForeignKey:
    """A staff member copied onto a dashboard row: the figures group by them (no reverse
    accessor, no index of its own) and outlive their account (set null)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )


class Scope(models.Model):
    """What every dashboard row is scoped and filtered by, copied from its application(s):
    the unit (region scoping), the customer class and the small/micro flag."""

    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("供电单位"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    customer_class = models.CharField(_("用电类别"), max_length=20, choices=CustomerClass.choices)
    is_small_micro = models.BooleanField(_("小微企业"))

    class Meta:
        abstract = True


class Rollup(Scope):
    """A row of a rollup rebuilt daily: every row of one rebuild has the same `covered_until`,
    and the figures count the instants after it live."""

    covered_until = models.DateField(_("统计截至（不含）"))

    class Meta:
        abstract = True


class ConnectionRecord(Scope):
    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("业扩申请"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="connection_record",
    )
    # Unit, class and small/micro (from `Scope`) are copied from the application when it was
    # energized: the dashboards filter on them.
    has_grid_works = models.BooleanField(_("有配套电网工程"))
    customer_manager = person_field(_("客户经理"))
    energized_at = models.DateTimeField(_("送电时间"))
    working_days = models.PositiveIntegerField(
        _("接电时长（工作日）"), help_text=_("公司各环节扣除暂停后的用时之和，不含客户时间")
    )
    customer_steps = models.PositiveSmallIntegerField(_("客户经历环节数"))
    late_clocks = models.PositiveSmallIntegerField(_("超期环节数"))
    refreshed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("接电记录")
        verbose_name_plural = _("接电记录")
        default_permissions = ()
        # The dashboards' permission lives here, with the data only they read.
        permissions = [("view_dashboard", _("查看时限管控看板与报表"))]
        indexes = [
            # Every connection figure is "energized in a period": an index-only range scan.
            models.Index(
                fields=["energized_at"],
                include=[
                    "unit",
                    "customer_class",
                    "is_small_micro",
                    "has_grid_works",
                    "customer_manager",
                    "working_days",
                    "customer_steps",
                    "late_clocks",
                ],
                name="connection_energized",
            ),
        ]

    def __str__(self):
        return f"{self.application_id}: {self.working_days}"


class MonthlyFigures(Rollup):
    """Complete months, per unit, class and small/micro flag: what the 12-month trend reads.

    Rebuilt daily with the connection records (`monitoring.dashboard.records`); every row of
    one rebuild has the same `covered_until`, the day it was made: a row counts its month's
    instants before 00:00 of that day, and the trend counts the rest live (today, usually).
    """

    month = models.DateField(_("月份"), help_text=_("该月1日"))
    received = models.PositiveIntegerField(_("受理件数"), default=0)
    energized = models.PositiveIntegerField(_("送电户数"), default=0)
    connection_days = models.PositiveIntegerField(_("接电时长合计（工作日）"), default=0)
    judged = models.PositiveIntegerField(_("办结环节数"), default=0)
    breached = models.PositiveIntegerField(_("超期办结数"), default=0)

    class Meta:
        verbose_name = _("月度统计")
        verbose_name_plural = _("月度统计")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "customer_class", "is_small_micro"],
                name="monthly_figures_key",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.unit_id} {self.customer_class}"


class MonthlyStageFigures(Rollup):
    """Judged stage clocks per month, stage, responsible person and working days spent (with
    the rollup's unit, class and small/micro): what the stage table, its P90 and the rankings
    read for the whole months of a period (and the current month up to `covered_until`).

    A month's 100,000 judged clocks at a million applications fold into a few thousand rows;
    counts per working day keep the distribution, so P90 stays exact. Rebuilt daily with
    `MonthlyFigures`; instants from `covered_until` on are counted live.
    """

    month = models.DateField(_("月份"), help_text=_("该月1日"))
    stage = models.CharField(_("环节"), max_length=30, choices=CLOCK_STAGE_CHOICES)
    responsible = person_field(_("责任人"))
    elapsed_working_days = models.PositiveIntegerField(_("用时（工作日）"), null=True)
    finished = models.PositiveIntegerField(_("办结环节数"))
    breached = models.PositiveIntegerField(_("超期办结数"))
    limit_min = models.PositiveIntegerField(_("最短时限（工作日）"), null=True)
    limit_max = models.PositiveIntegerField(_("最长时限（工作日）"), null=True)
    limit_hours = models.PositiveIntegerField(_("时限（小时）"), null=True)

    class Meta:
        verbose_name = _("月度环节统计")
        verbose_name_plural = _("月度环节统计")
        default_permissions = ()
        indexes = [
            # The stage figures read some months' rows whole: an index-only scan by month.
            models.Index(
                fields=["month"],
                include=[
                    "unit",
                    "customer_class",
                    "is_small_micro",
                    "stage",
                    "responsible",
                    "elapsed_working_days",
                    "finished",
                    "breached",
                    "limit_min",
                    "limit_max",
                    "limit_hours",
                ],
                name="monthly_stage_month",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.stage} {self.responsible_id}: {self.finished}"


class DailyReceived(Rollup):
    """Applications received per day, unit, class, small/micro flag and channel, for
    "received per period and channel" without reading every application of the period.
    Rebuilt with `MonthlyFigures`; days from `covered_until` on are counted live."""

    day = models.DateField(_("受理日期"))
    channel = models.CharField(_("受理渠道"), max_length=20)
    received = models.PositiveIntegerField(_("受理件数"))

    class Meta:
        verbose_name = _("每日受理")
        verbose_name_plural = _("每日受理")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit", "customer_class", "is_small_micro", "channel"],
                name="daily_received_key",
            )
        ]

    def __str__(self):
        return f"{self.day} {self.unit_id} {self.channel}: {self.received}"

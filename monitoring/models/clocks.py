"""Stage clocks (环节时限): one per stage an application passes through, and its pauses.

A clock copies its policy's limit when it starts, so later edits or new versions of the policy
never change it; only `monitoring.clocks.reapply_policy` (a supervisor) does. Written only by
the services in `monitoring.clocks`, which the lifecycle's signals drive.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.states import CustomerClass, SuspensionReason

from .policy import CLOCK_STAGE_CHOICES, LimitUnit, TimeLimitPolicy, WarnUnit, limit_text


class StageClock(models.Model):
    class Outcome(models.TextChoices):
        OPEN = "open", _("计时中")
        MET = "met", _("按期办结")
        BREACHED = "breached", _("超期办结")
        RETURNED = "returned", _("已退回")
        CANCELLED = "cancelled", _("已撤销")

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.CASCADE,
        related_name="clocks",
        db_index=False,  # (application, outcome) in Meta: one index fewer per clock written
    )
    stage = models.CharField(_("环节"), max_length=30, choices=CLOCK_STAGE_CHOICES)
    scheme_approval = models.OneToOneField(
        "applications.SchemeApproval",
        verbose_name=_("方案审批"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="clock",
        help_text=_("会签审批的时限：每个审批部门一个"),
    )
    policy = models.ForeignKey(
        TimeLimitPolicy,
        verbose_name=_("时限标准"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clocks",
    )
    # Denormalised for region scoping, dashboards and a join-free sweep.
    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("供电单位"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (unit, stage, stopped_at) in Meta
    )
    customer_class = models.CharField(_("用电类别"), max_length=20, choices=CustomerClass.choices)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stage_clocks",
    )
    counts_against_company = models.BooleanField(_("计入公司时限"), default=True)
    # The policy's limit as it was when the clock started (or was last re-applied).
    limit_unit = models.CharField(
        _("时限单位"), max_length=20, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    limit_value = models.PositiveIntegerField(_("时限"), null=True, blank=True)
    warn_before_value = models.PositiveIntegerField(_("提前预警"), null=True, blank=True)
    warn_unit = models.CharField(
        _("预警单位"), max_length=20, choices=WarnUnit.choices, default=WarnUnit.WORKING_DAYS
    )

    started_at = models.DateTimeField(_("开始时间"))
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN
    )
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(_("累计暂停工作日"), default=0)
    paused_duration = models.DurationField(_("累计暂停时长"), default=timedelta(0))
    elapsed_working_days = models.IntegerField(
        _("用时（工作日）"), null=True, blank=True, help_text=_("结束时计算，已扣除暂停")
    )
    policy_reapplied_at = models.DateTimeField(_("重新计算时间"), null=True, blank=True)
    policy_reapplied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("重新计算人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # partial, in Meta: almost every clock has none
    )

    class Meta:
        verbose_name = _("环节时限")
        verbose_name_plural = _("环节时限")
        ordering = ["application_id", "started_at", "pk"]  # _id: no join for ordering
        permissions = [("reapply_policy", _("按现行标准重新计算时限"))]
        indexes = [
            # The sweep's two questions, asked only of running clocks (a paused one never warns).
            models.Index(
                fields=["due_at"],
                condition=Q(outcome="open", paused_at__isnull=True),
                name="clock_open_due",
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(outcome="open", paused_at__isnull=True),
                name="clock_open_warn",
            ),
            models.Index(fields=["application", "outcome"], name="clock_application_outcome"),
            models.Index(fields=["unit", "stage", "stopped_at"], name="clock_unit_stage_stopped"),
            models.Index(
                fields=["policy_reapplied_by"],
                condition=Q(policy_reapplied_by__isnull=False),
                name="clock_reapplied_by",
            ),
            # Dashboards (monitoring.dashboard): index-only scans of the judged clocks of a
            # period, and of the running clocks' due and warning times.
            models.Index(
                fields=["stopped_at"],
                include=[
                    "stage",
                    "outcome",
                    "elapsed_working_days",
                    "unit",
                    "customer_class",
                    "responsible",
                    "limit_unit",
                    "limit_value",
                ],
                condition=Q(counts_against_company=True, outcome__in=["met", "breached"]),
                name="clock_judged_stopped",
            ),
            models.Index(
                fields=["due_at"],
                include=["warn_at", "stage", "unit", "customer_class", "responsible"],
                condition=Q(outcome="open", paused_at__isnull=True, counts_against_company=True),
                name="clock_running",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(outcome="open", scheme_approval__isnull=True),
                name="one_open_stage_clock",
            )
        ]

    def __str__(self):
        return f"{self.application.number} {self.get_stage_display()}"

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.OPEN

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def paused_hours(self) -> float:
        return self.paused_duration.total_seconds() / 3600

    def limit_display(self) -> str:
        return limit_text(self.limit_value, self.limit_unit)

    limit_display.short_description = _("时限")


class ClockPause(models.Model):
    """One customer-caused suspension of one clock, for the timeline."""

    clock = models.ForeignKey(
        StageClock, verbose_name=_("环节时限"), on_delete=models.CASCADE, related_name="pauses"
    )
    reason = models.CharField(
        _("暂停原因"), max_length=30, choices=SuspensionReason.choices, blank=True
    )
    paused_at = models.DateTimeField(_("暂停时间"))
    resumed_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(
        _("暂停工作日"), null=True, blank=True, help_text=_("暂停日之后至恢复日（含）的工作日数")
    )

    class Meta:
        verbose_name = _("时限暂停")
        verbose_name_plural = _("时限暂停")
        ordering = ["clock_id", "paused_at"]

    def __str__(self):
        return f"{self.clock} {timezone.localtime(self.paused_at):%Y-%m-%d %H:%M}"

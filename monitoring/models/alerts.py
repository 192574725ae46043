"""Alerts (时限预警/超期告警/超期升级): what the sweep found, one row per clock, kind and level.

An alert is about a stage clock or about a deadline (事项时限), exactly one of them. Written only
by `monitoring.sweep` (set-based INSERT … SELECT … ON CONFLICT DO NOTHING) and acknowledged
through `monitoring.alerts`. The unique constraints on (clock, kind, level) and (deadline, kind,
level, due_at) are the guarantee that a sweep run twice, two sweeps at once or a sweep after a
crash never raise the same alert twice: the database refuses the second row, whatever the code
did. A deadline's key includes its due: a re-timed deadline is warned again for its new due.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .clocks import StageClock
from .deadlines import Deadline


class Alert(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", _("时限预警")
        OVERDUE = "overdue", _("超期告警")
        ESCALATION = "escalation", _("超期升级")
        # The breach forecast's early alert (monitoring.forecast.alerts): level 0, once a clock.
        FORECAST = "forecast", _("预计超期")

    # Levels: a warning is 0, overdue 1, escalations 2, 3 … as in the policy's EscalationStep.
    WARNING_LEVEL = 0
    OVERDUE_LEVEL = 1

    # No index of its own: the unique constraint's index starts with clock_id.
    clock = models.ForeignKey(
        StageClock,
        verbose_name=_("环节时限"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        db_index=False,
    )
    # No index of its own either: alert_once_per_deadline_due starts with deadline_id.
    deadline = models.ForeignKey(
        Deadline,
        verbose_name=_("事项时限"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        db_index=False,
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("级别"), help_text=_("0 预警，1 超期，2 起为升级"))
    raised_at = models.DateTimeField(_("产生时间"))
    due_at = models.DateTimeField(_("到期时间"), help_text=_("产生时的到期时间"))
    # Denormalised from the clock (or deadline) for the lists' filters and region scoping; a
    # deadline not about an application has none.
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("供电单位"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # alert_unit_raised starts with unit
    )
    # Set in the same transaction that creates the alert's notifications (see sweep.notify).
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True, editable=False)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("处理说明"), blank=True)

    class Meta:
        verbose_name = _("时限告警")
        verbose_name_plural = _("时限告警")
        ordering = ["-raised_at", "-level"]
        permissions = [("acknowledge_alert", _("确认时限告警"))]
        constraints = [
            # Rows of deadline alerts have no clock: NULLs never collide in a unique index.
            models.UniqueConstraint(fields=["clock", "kind", "level"], name="alert_once_per_level"),
            models.UniqueConstraint(
                fields=["deadline", "kind", "level", "due_at"], name="alert_once_per_deadline_due"
            ),
            models.CheckConstraint(
                condition=Q(clock__isnull=False, deadline__isnull=True)
                | Q(clock__isnull=True, deadline__isnull=False),
                name="alert_clock_or_deadline",
            ),
        ]
        indexes = [
            # The notify step's claim: NULL finds the alerts to notify, the claim's instant
            # finds them again within the step (a full index: btree indexes NULLs too).
            models.Index(fields=["notified_at"], name="alert_notified"),
            models.Index(fields=["unit", "raised_at"], name="alert_unit_raised"),
        ]

    def __str__(self):
        return f"{self.subject_display()} {self.level_display()}"

    def subject_display(self) -> str:
        """What the alert is about: '业扩申请号 环节' or '整改期限 监督意见书 JD-2026-001'."""
        if self.deadline_id:
            return str(self.deadline)
        return f"{self.application.number} {self.clock.get_stage_display()}"

    subject_display.short_description = _("事项")

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def level_display(self) -> str:
        if self.kind == self.Kind.ESCALATION:
            return _("超期升级（%(level)s级）") % {"level": self.level}
        return str(self.get_kind_display())

    level_display.short_description = _("告警")

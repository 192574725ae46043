"""Deadlines (事项时限): clocks for work that is not an application stage.

Project phases, rectification of a supervision letter, complaints, 督办 items and meeting action
items each get one: a subject (any model, by generic key), a due instant and a warning point,
judged when the work finishes. The sweep warns, alerts and escalates them like stage clocks
(`Alert.deadline`). Written only by the services in `monitoring.deadlines`.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .policy import LimitUnit, limit_text


class Deadline(models.Model):
    class Kind(models.TextChoices):
        PROJECT_PHASE = "project_phase", _("工程节点")
        RECTIFICATION = "rectification", _("整改期限")
        COMPLAINT = "complaint", _("投诉处理")
        SUPERVISION_ITEM = "supervision_item", _("督办事项")
        ACTION_ITEM = "action_item", _("会议待办")

    class Outcome(models.TextChoices):
        OPEN = "open", _("计时中")
        MET = "met", _("按期完成")
        BREACHED = "breached", _("超期完成")
        CANCELLED = "cancelled", _("已撤销")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("事项类型"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("事项编号"))
    subject = GenericForeignKey("content_type", "object_id")
    key = models.CharField(
        _("子项"),
        max_length=50,
        blank=True,
        help_text=_("同一事项下的不同时限，例如工程的各个节点"),
    )
    label = models.CharField(_("事项"), max_length=200, help_text=_("告警和通知中显示的名称"))
    # For region scoping and for whom an escalation reaches (the unit's leader, its 营销部).
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("供电单位"), on_delete=models.PROTECT, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deadlines",
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
        help_text=_("事项涉及的业扩申请（如有）"),
    )
    # Empty when the due was given as a date or instant rather than counted from the start.
    limit_unit = models.CharField(
        _("时限单位"), max_length=20, choices=LimitUnit.choices, blank=True
    )
    limit_value = models.PositiveIntegerField(_("时限"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("到期时间"))
    stopped_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN
    )
    cancel_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    retimed_at = models.DateTimeField(
        _("重新计时时间"), null=True, blank=True, help_text=_("最近一次调整到期时间的时间")
    )

    class Meta:
        verbose_name = _("事项时限")
        verbose_name_plural = _("事项时限")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="deadline_subject"),
            # The sweep's two questions, asked only of open deadlines.
            models.Index(fields=["due_at"], condition=Q(outcome="open"), name="deadline_open_due"),
            models.Index(
                fields=["warn_at"], condition=Q(outcome="open"), name="deadline_open_warn"
            ),
            models.Index(fields=["unit", "kind", "outcome"], name="deadline_unit_kind"),
        ]
        constraints = [
            # A second start for the same subject and key re-times the open one instead.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "key"],
                condition=Q(outcome="open"),
                name="one_open_deadline",
            ),
            models.CheckConstraint(
                condition=Q(limit_value__isnull=True) | ~Q(limit_unit=""),
                name="deadline_limit_has_unit",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.label}"

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.OPEN

    def is_overdue(self, at=None) -> bool:
        """Open and past due at `at` (default: now)."""
        return self.is_open and self.due_at <= (at or timezone.now())

    def limit_display(self) -> str:
        return limit_text(self.limit_value, self.limit_unit) if self.limit_value else "—"

    limit_display.short_description = _("时限")

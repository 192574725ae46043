"""Meetings (会议记录, DOMAIN.md §7, issue 10): the daily customer-manager morning meeting of a
unit, the weekly meeting and ad-hoc meetings, with their agenda, minutes, action items and the
schemes the weekly meeting decided together.

The agenda is generated from data (`monitoring.meetings.agenda`) and stored as plain tables, so
an issued record still shows what was on the table that day. Written only by the services in
`monitoring.meetings.services`. Nothing is deleted: a meeting is voided with a reason.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.states import Department

from .supervision import NeverDeletedModel


class Meeting(NeverDeletedModel):
    class Kind(models.TextChoices):
        MORNING = "morning", _("每日晨会")
        WEEKLY = "weekly", _("周例会")
        AD_HOC = "ad_hoc", _("临时会议")

    class Status(models.TextChoices):
        DRAFT = "draft", _("记录中")
        ISSUED = "issued", _("纪要已印发")
        VOID = "void", _("已作废")

    delete_refusal = _("会议记录不能删除，只能作废并说明原因。")

    kind = models.CharField(_("会议类型"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("供电单位"), on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(_("会议时间"))
    topic = models.CharField(_("会议主题"), max_length=200, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主持人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("参会人员"), related_name="meetings"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # {"tables": [{"key", "title", "columns", "rows": [[text, …]], "note"}], "period": …}
    agenda = models.JSONField(_("会议议程"), default=dict, blank=True, editable=False)
    agenda_generated_at = models.DateTimeField(
        _("议程生成时间"), null=True, blank=True, editable=False
    )
    problems = models.TextField(
        _("客户经理反映的问题"), blank=True, help_text=_("会上提出的问题，每行一条")
    )
    decisions = models.TextField(_("会议决定"), blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("印发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作废人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.TextField(_("作废原因"), blank=True)

    class Meta:
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")
        ordering = ["-held_at", "-pk"]
        permissions = [
            ("write_minutes", _("记录会议、撰写并印发会议纪要")),
            ("void_meeting", _("作废会议记录")),
        ]
        indexes = [models.Index(fields=["unit", "kind", "held_at"], name="meeting_unit_kind")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="void") | ~Q(void_reason=""), name="meeting_void_with_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="issued") | Q(issued_at__isnull=False),
                name="meeting_issued_has_time",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_kind_display()} {timezone.localtime(self.held_at):%Y-%m-%d}（{self.unit}）"
        )

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class ActionItem(NeverDeletedModel):
    """会议待办: a task set at a meeting, with an owner and a deadline on the time-limit engine."""

    class Status(models.TextChoices):
        OPEN = "open", _("办理中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已撤销")

    delete_refusal = _("会议待办不能删除，只能撤销并说明原因。")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="action_items"
    )
    title = models.CharField(_("待办事项"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        related_name="meeting_action_items",
    )
    due_on = models.DateField(_("完成期限"))
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(_("办理结果"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("会议待办")
        verbose_name_plural = _("会议待办")
        ordering = ["due_on", "pk"]
        permissions = [("complete_action_item", _("登记会议待办的办理结果"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(result=""), name="action_item_closed_with_result"
            )
        ]

    def __str__(self):
        return self.title


class SchemeDecision(NeverDeletedModel):
    """A scheme decided collectively at a weekly meeting (方案集体决策): the meeting is the
    round's approval; each member's vote is a `SchemeVote`. The applications side records the
    departments' approvals through `applications.services.approvals.decide_collectively`."""

    delete_refusal = _("方案集体决策记录不能删除。")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="scheme_decisions"
    )
    review = models.OneToOneField(
        "applications.SchemeReview",
        verbose_name=_("方案会签"),
        on_delete=models.PROTECT,
        related_name="meeting_decision",
    )
    approved = models.BooleanField(_("决策结果：同意"))
    comment = models.TextField(_("决策意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决策时间"))

    class Meta:
        verbose_name = _("方案集体决策")
        verbose_name_plural = _("方案集体决策")
        ordering = ["decided_at", "pk"]

    def __str__(self):
        result = _("同意") if self.approved else _("驳回修改")
        return f"{self.review} · {result}"


class SchemeVote(NeverDeletedModel):
    class Vote(models.TextChoices):
        APPROVE = "approve", _("同意")
        REJECT = "reject", _("不同意")
        ABSTAIN = "abstain", _("弃权")

    delete_refusal = _("表决记录不能删除。")

    decision = models.ForeignKey(
        SchemeDecision, verbose_name=_("集体决策"), on_delete=models.PROTECT, related_name="votes"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("表决人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.CharField(
        _("所在部门"), max_length=20, choices=Department.choices, blank=True
    )
    vote = models.CharField(_("表决意见"), max_length=20, choices=Vote.choices)
    comment = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("方案表决")
        verbose_name_plural = _("方案表决")
        ordering = ["decision", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "member"], name="one_vote_per_member")
        ]

    def __str__(self):
        return f"{self.member} · {self.get_vote_display()}"

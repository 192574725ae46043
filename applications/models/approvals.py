"""Parallel departmental approval of a high-voltage supply scheme (供电方案会签)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..states import CustomerClass, Department


class ApprovalRequirement(models.Model):
    """Which departments must approve the scheme of a customer class (policy, editable)."""

    customer_class = models.CharField(_("用电类别"), max_length=20, choices=CustomerClass.choices)
    department = models.CharField(_("审批部门"), max_length=20, choices=Department.choices)
    only_with_grid_works = models.BooleanField(
        _("仅有配套工程时"), default=False, help_text=_("只有需要配套电网工程的申请才会签")
    )

    class Meta:
        verbose_name = _("方案会签部门")
        verbose_name_plural = _("方案会签部门")
        ordering = ["customer_class", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_class", "department"], name="approval_requirement_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_customer_class_display()}：{self.get_department_display()}"


class SchemeReview(models.Model):
    """One round of parallel approval; a rejection closes the round and asks for a revision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("会签中")
        APPROVED = "approved", _("会签通过")
        REJECTED = "rejected", _("驳回修改")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="scheme_reviews"
    )
    round = models.PositiveSmallIntegerField(_("轮次"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("方案会签")
        verbose_name_plural = _("方案会签")
        ordering = ["application", "round"]
        constraints = [
            models.UniqueConstraint(fields=["application", "round"], name="scheme_review_round")
        ]

    def __str__(self):
        return f"{self.application.number} 第{self.round}轮会签"

    def pending_approvals(self):
        return [a for a in self.approvals.all() if a.decision == SchemeApproval.Decision.PENDING]


class SchemeApproval(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("同意")
        REJECTED = "rejected", _("驳回")
        WITHDRAWN = "withdrawn", _("本轮已驳回，无需审批")

    review = models.ForeignKey(
        SchemeReview, verbose_name=_("会签"), on_delete=models.CASCADE, related_name="approvals"
    )
    department = models.CharField(_("审批部门"), max_length=20, choices=Department.choices)
    decision = models.CharField(
        _("审批意见"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("审批说明"), blank=True)
    requested_at = models.DateTimeField(_("送审时间"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("方案审批")
        verbose_name_plural = _("方案审批")
        ordering = ["review", "department"]
        constraints = [
            models.UniqueConstraint(fields=["review", "department"], name="scheme_approval_dept")
        ]
        indexes = [models.Index(fields=["department", "decision"])]

    def __str__(self):
        return f"{self.review} · {self.get_department_display()}"

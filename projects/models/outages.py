"""Outage plans (停电计划) for works that need the line dead, approved by dispatch (调控)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .project import Project


class OutagePlan(models.Model):
    class Kind(models.TextChoices):
        EXEMPT = "exempt", _("免申报")
        WEEKLY = "weekly", _("周计划")
        TEMPORARY = "temporary", _("临停")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待调控审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已取消")

    project = models.ForeignKey(
        Project, verbose_name=_("配套工程"), on_delete=models.PROTECT, related_name="outage_plans"
    )
    kind = models.CharField(_("停电类型"), max_length=20, choices=Kind.choices)
    live_line = models.BooleanField(
        _("带电作业"), default=False, help_text=_("带电作业不停电，只能按免申报办理")
    )
    description = models.TextField(_("作业内容及停电范围"))
    requested_start = models.DateTimeField(_("申请停电开始"))
    requested_end = models.DateTimeField(_("申请停电结束"))
    approved_start = models.DateTimeField(_("批准停电开始"), null=True, blank=True)
    approved_end = models.DateTimeField(_("批准停电结束"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调控审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True, editable=False)
    decision_note = models.TextField(
        _("审批意见"),
        blank=True,
        editable=False,
        help_text=_("驳回原因，或批准时段超出申请时段的理由"),
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("停电计划")
        verbose_name_plural = _("停电计划")
        ordering = ["-requested_start"]
        permissions = [("approve_outageplan", _("审批停电计划（调控）"))]

    def __str__(self):
        return f"{self.project.number} {self.get_kind_display()} {self.requested_start:%Y-%m-%d}"

    def clean(self):
        errors = {}
        start, end = self.requested_start, self.requested_end
        if start and end and end <= start:
            errors["requested_end"] = _("申请停电结束时间须晚于开始时间。")
        if self.live_line and self.kind and self.kind != self.Kind.EXEMPT:
            errors["kind"] = _("带电作业不需要停电，停电类型只能是“免申报”。")
        if errors:
            raise ValidationError(errors)

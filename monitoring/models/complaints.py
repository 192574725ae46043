"""Complaints (投诉) and confidential reports (举报): what the customer said, who it is about,
who handles it, the reply, and the customer's feedback (DOMAIN.md §7).

Written only by the services in `monitoring.complaints`, which also run each one's handling
clock (a `Deadline` of kind COMPLAINT). A report's reporter (name, phone, contact) is for 纪检
only: read it through `monitoring.complaints.reporter_identity`, never from the fields directly.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# 《供电监管办法》: a complaint is answered within 10 working days (the shipped default).
DEFAULT_REPLY_WORKING_DAYS = 10


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")


class ComplaintPolicy(models.Model):
    """How many working days a complaint or a report may take to answer (editable by 主管).

    Read at receipt: a complaint keeps the limit it was received under.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=ComplaintKind.choices, unique=True)
    reply_working_days = models.PositiveSmallIntegerField(
        _("答复时限（工作日）"),
        default=DEFAULT_REPLY_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("《供电监管办法》：投诉自受理之日起10个工作日内答复"),
    )

    class Meta:
        verbose_name = _("投诉处理时限")
        verbose_name_plural = _("投诉处理时限")
        ordering = ["kind"]

    def __str__(self):
        return _("%(kind)s：%(days)s个工作日") % {
            "kind": self.get_kind_display(),
            "days": self.reply_working_days,
        }


class Complaint(models.Model):
    Kind = ComplaintKind

    class Channel(models.TextChoices):
        HOTLINE_95598 = "95598", _("95598")
        APP = "app", _("网上国网")
        CUSTOMER_PAGE = "customer_page", _("客户页面")
        CALL_OR_VISIT = "call_or_visit", _("来电来访")
        STAFF = "staff", _("员工录入")

    class Category(models.TextChoices):
        PROGRESS = "progress", _("办电进度")
        ATTITUDE = "attitude", _("服务态度")
        CHARGES = "charges", _("收费问题")
        OFF_SYSTEM = "off_system", _("线外流转、吃拿卡要")
        DESIGNATION = "designation", _("指定设计、施工、设备")
        SUPPLY = "supply", _("停电及供电质量")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        RECEIVED = "received", _("待受理")
        HANDLING = "handling", _("处理中")
        REPLIED = "replied", _("已答复")
        CLOSED = "closed", _("已办结")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Feedback(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        FAIRLY_SATISFIED = "fairly_satisfied", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    OPEN_STATUSES = (Status.RECEIVED, Status.HANDLING)

    number = models.CharField(_("编号"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    external_ref = models.CharField(
        _("外部工单号"),
        max_length=64,
        blank=True,
        help_text=_("如95598工单编号；同一渠道的同一工单号只登记一次"),
    )
    received_at = models.DateTimeField(_("受理时间"))
    content = models.TextField(_("诉求内容"), help_text=_("客户原话"))
    category = models.CharField(_("问题分类"), max_length=20, choices=Category.choices)
    customer = models.ForeignKey(
        "applications.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    # The unit and staff member the complaint is about; counted per period (`counts`).
    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("被投诉单位"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    staff_concerned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被投诉人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_concerning",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    reply_working_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"))
    reply = models.TextField(_("处理结果及答复"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    feedback = models.CharField(_("客户评价"), max_length=20, choices=Feedback.choices, blank=True)
    feedback_comment = models.TextField(_("客户意见"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    # 举报 only, for 纪检's eyes only (see the module docstring).
    reporter_name = models.CharField(_("举报人姓名"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("举报人电话"), max_length=30, blank=True)
    reporter_contact = models.CharField(_("举报人其他联系方式"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("外部系统推送的为空"),
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    # Its handling clock(s); no column, and complaints are never deleted (no cascade happens).
    handling_deadlines = GenericRelation("monitoring.Deadline", related_query_name="complaint")

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ["-received_at", "-pk"]
        permissions = [
            ("assign_complaint", _("分派投诉举报")),
            ("handle_complaint", _("处理、答复投诉举报")),
            ("view_report", _("查看举报")),
            ("view_reporter_identity", _("查看举报人身份")),
        ]
        indexes = [
            models.Index(fields=["unit", "received_at"], name="complaint_unit_received"),
            models.Index(
                fields=["staff_concerned", "received_at"], name="complaint_staff_received"
            ),
        ]
        constraints = [
            # Idempotent receipt: a retried 95598 push finds the record it made the first time.
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                condition=~Q(external_ref=""),
                name="complaint_unique_external_ref",
            ),
            models.CheckConstraint(
                condition=Q(kind="report")
                | Q(reporter_name="", reporter_phone="", reporter_contact=""),
                name="complaint_reporter_only_on_reports",
            ),
        ]

    def __str__(self):
        # No reporter, no customer's words: this text reaches alerts, logs and pickers.
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_report(self) -> bool:
        return self.kind == self.Kind.REPORT

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

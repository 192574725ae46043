"""Management routines (issue 10 items 2, 4, 5): 督办 items set by leaders, hand-overs of
discipline matters to 纪检, and rewards next to the assessments (DOMAIN.md §7).

Written only by the services in `monitoring.routines`; the admin and the demo call those.
Nothing here is deleted: an item or a reward is voided with a reason, a hand-over stays.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models import ImmutableRecord

from .supervision import NeverDeleted

NOT_DELETED = _("督办事项、移交纪检记录和奖励记录不能删除，只能作废。")


class KeptQuerySet(models.QuerySet):
    def delete(self):
        raise NeverDeleted(NOT_DELETED)

    _raw_delete = delete


class KeptModel(models.Model):
    """Void instead of delete: the row and the queryset refuse deletion."""

    objects = KeptQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise NeverDeleted(NOT_DELETED)


def _user(verbose_name, *, null=False, related_name="+"):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=null,
        blank=null,
        on_delete=models.PROTECT,
        related_name=related_name,
    )


class SupervisionItem(KeptModel):
    """督办事项: a problem a leader sets, an owner, a clocked due date, progress and a result.

    Its clock is a `Deadline` of kind SUPERVISION_ITEM labelled with the title: meeting packs
    and the monthly summary read 督办 items through `Deadline`, not through this model.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("办理中")
        CLOSED = "closed", _("已办结")
        VOID = "void", _("已作废")

    title = models.CharField(_("督办事项"), max_length=200)
    problem = models.TextField(_("问题描述"))
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_items",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("配套工程"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_items",
    )
    letter = models.ForeignKey(
        "monitoring.SupervisionLetter",
        verbose_name=_("监督意见书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_items",
    )
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    set_by = _user(_("督办领导"))
    set_at = models.DateTimeField(_("下达时间"))
    owner = _user(_("责任人"), related_name="supervision_items")
    due_date = models.DateField(_("办结期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    result = models.TextField(_("办理结果"), blank=True)
    closed_by = _user(_("办结人"), null=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    voided_by = _user(_("作废人"), null=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.TextField(_("作废原因"), blank=True)

    class Meta:
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        ordering = ["due_date", "pk"]
        permissions = [
            ("set_supervisionitem", _("下达督办事项")),
            ("void_supervisionitem", _("作废督办事项")),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="item_unit_status")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(result=""), name="item_closed_with_result"
            ),
            models.CheckConstraint(
                condition=~Q(status="void") | ~Q(void_reason=""), name="item_void_with_reason"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class SupervisionItemNote(models.Model):
    """A progress note (办理进展) on a 督办 item; append-only, like the item's history."""

    item = models.ForeignKey(
        SupervisionItem,
        verbose_name=_("督办事项"),
        on_delete=models.PROTECT,
        related_name="notes",
    )
    author = _user(_("填报人"))
    at = models.DateTimeField(_("填报时间"))
    text = models.TextField(_("办理进展"))

    objects = KeptQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办进展")
        verbose_name_plural = _("督办进展")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.item} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecord(_("督办进展不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise NeverDeleted(NOT_DELETED)


class DisciplineHandover(KeptModel):
    """移交纪检: a supervision case or a complaint handed to 纪检 as a discipline matter.

    From then on only 纪检 sees the record (`monitoring.routines.discipline`); this row keeps
    who handed it over, when, why, and the evidence as it stood.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        CONCLUDED = "concluded", _("已办结")

    case = models.OneToOneField(
        "monitoring.SupervisionCase",
        verbose_name=_("监督线索"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_handover",
    )
    complaint = models.OneToOneField(
        "monitoring.Complaint",
        verbose_name=_("投诉举报"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_handover",
    )
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("移交理由"))
    evidence = models.TextField(_("移交证据"), help_text=_("移交时线索或投诉的证据、内容"))
    handed_over_by = _user(_("移交人"))
    handed_over_at = models.DateTimeField(_("移交时间"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    conclusion = models.TextField(_("处理结论"), blank=True)
    concluded_by = _user(_("办结人"), null=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("移交纪检")
        verbose_name_plural = _("移交纪检")
        ordering = ["-handed_over_at", "-pk"]
        permissions = [
            ("hand_over_discipline", _("移交纪检")),
            ("view_discipline_matter", _("查看已移交纪检的线索和投诉")),
            ("conclude_handover", _("办结移交纪检事项")),
        ]
        constraints = [
            # Exactly one subject: a case or a complaint.
            models.CheckConstraint(
                condition=Q(case__isnull=False, complaint__isnull=True)
                | Q(case__isnull=True, complaint__isnull=False),
                name="handover_one_subject",
            ),
            models.CheckConstraint(
                condition=~Q(status="concluded") | ~Q(conclusion=""),
                name="handover_concluded_with_text",
            ),
        ]

    def __str__(self):
        return _("移交纪检：%(subject)s") % {"subject": self.case or self.complaint}


class Reward(KeptModel):
    """奖励: points and an amount for good service, next to the assessments (seed 002).

    To a staff member (their unit's total counts it) or to a unit as a whole (no staff).
    """

    class Category(models.TextChoices):
        TOP_SATISFACTION = "top_satisfaction", _("满意度领先")
        ZERO_OVERDUE = "zero_overdue", _("零超期")
        ZERO_COMPLAINT = "zero_complaint", _("零投诉")
        PRAISE = "praise", _("客户表扬")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        VOID = "void", _("已作废")

    staff = _user(_("受奖人"), null=True, related_name="rewards")
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField(_("奖励期间"), help_text=_("奖励所属月份（取该月1日）"))
    category = models.CharField(_("奖励类别"), max_length=30, choices=Category.choices)
    points = models.DecimalField(
        _("加分"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    amount = models.DecimalField(
        _("奖励金额（元）"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    reason = models.TextField(_("奖励事由"))
    evidence = models.TextField(_("依据"), help_text=_("如：一季度满意率100%、季度内零超期"))
    evidence_url = models.CharField(
        _("依据链接"), max_length=300, blank=True, help_text=_("看板或清单的链接（站内地址）")
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rewards",
    )
    callback = models.ForeignKey(
        "monitoring.Callback",
        verbose_name=_("回访记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rewards",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    created_by = _user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"))
    voided_by = _user(_("作废人"), null=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.TextField(_("作废原因"), blank=True)

    class Meta:
        verbose_name = _("奖励记录")
        verbose_name_plural = _("奖励记录")
        ordering = ["-period", "-created_at", "-pk"]
        permissions = [("void_reward", _("作废奖励记录"))]
        indexes = [models.Index(fields=["period", "unit"], name="reward_period_unit")]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=0) & Q(amount__gte=0), name="reward_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="void") | ~Q(void_reason=""), name="reward_void_with_reason"
            ),
        ]

    def __str__(self):
        who = (self.staff.get_full_name() or self.staff.get_username()) if self.staff else self.unit
        return f"{who} {self.get_category_display()} {self.amount}元"

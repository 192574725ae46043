"""Callbacks (回访): calls to the customer that bring work done outside the system to light.

Created only by `monitoring.callbacks` (the lifecycle's signals and the sweep); staff record
outcomes through `monitoring.callbacks.record_outcome`. Rules: shared/DOMAIN.md §6 and §7.
"""

from datetime import time, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .clocks import StageClock


class CustomerStep(models.TextChoices):
    """Where the customer says the work is: the five steps customers see (DOMAIN.md §3), plus
    the two answers that are not a step. Declared in progress order: later means further on."""

    ACCEPT = "accept", _("① 业务受理")
    SCHEME = "scheme", _("② 供电方案确定及答复")
    DESIGN_CHECK = "design_check", _("③ 设计检查")
    CONTRACT = "contract", _("④ 供电合同签订")
    ENERGIZE = "energize", _("⑤ 投运送电")
    ENERGIZED = "energized", _("已送电")
    NO_APPLICATION = "no_application", _("未办理申请即已开工")


# Rank of each step in the order of the work; NO_APPLICATION has none (always suspicious).
STEP_RANK = {
    step: rank for rank, step in enumerate(CustomerStep) if step != CustomerStep.NO_APPLICATION
}
# The five steps themselves, in order (① … ⑤), as the customer pages show them; which stages
# each groups is `monitoring.callbacks.SYSTEM_STEPS`.
FIVE_STEPS = tuple(CustomerStep)[:5]


class CallbackQuerySet(models.QuerySet):
    def open(self):
        """Callbacks still to be made: never tried, or a retry scheduled."""
        return self.filter(status__in=Callback.OPEN_STATUSES)

    def to_do_between(self, after, until):
        """Open callbacks whose next try falls in (`after`, `until`]; `after` None: any time.

        A pending callback's try is due at its `due_at` (24:00 of its day), a retry at
        `next_try_at` (09:00), so `until` = 24:00 of a day takes everything due that day.
        """
        pending = Q(status=Callback.Status.PENDING, due_at__lte=until)
        retry = Q(status=Callback.Status.UNREACHED, next_try_at__lte=until)
        if after is not None:
            pending &= Q(due_at__gt=after)
            retry &= Q(next_try_at__gt=after)
        return self.filter(pending | retry)

    def to_do_by(self, until):
        """Open callbacks whose next try is due at or before `until` (backlog included)."""
        return self.to_do_between(None, until)


class Callback(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", _("受理回访")
        DUE_DATE = "due_date", _("到期日回访")
        SATISFACTION = "satisfaction", _("满意度回访")

    class Status(models.TextChoices):
        PENDING = "pending", _("待回访")
        REACHED = "reached", _("已回访")
        UNREACHED = "unreached", _("未接通，待重拨")
        UNREACHABLE = "unreachable", _("无法联系")
        CANCELLED = "cancelled", _("已取消")

    OPEN_STATUSES = (Status.PENDING, Status.UNREACHED)
    MAX_ATTEMPTS = 3  # DOMAIN.md §6: up to 3 tries, then unreachable

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.CASCADE,
        related_name="callbacks",
    )
    # Denormalised for region scoping and per-unit lists without a join.
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("供电单位"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("回访类型"), max_length=20, choices=Kind.choices)
    clock = models.ForeignKey(
        StageClock,
        verbose_name=_("环节时限"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="callbacks",
        db_index=False,  # the unique constraint below indexes it
        help_text=_("到期日回访针对的环节"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
    )
    due_at = models.DateTimeField(_("应回访时间"))
    # db_default as well as default: the sweep inserts rows in raw SQL.
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        db_default=Status.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("拨打次数"), default=0, db_default=0)
    next_try_at = models.DateTimeField(_("下次拨打时间"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近拨打时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("取消原因"), max_length=200, blank=True, default="", db_default=""
    )

    # The outcome, once the customer is reached.
    reached_at = models.DateTimeField(_("接通时间"), null=True, blank=True)
    customer_confirmed_applied = models.BooleanField(
        _("客户确认本人以此方式申请"), null=True, blank=True
    )
    customer_reported_step = models.CharField(
        _("客户反映的现场进度"),
        max_length=20,
        choices=CustomerStep.choices,
        blank=True,
        default="",
        db_default="",
    )
    system_state = models.CharField(
        _("回访时系统环节"), max_length=30, blank=True, default="", db_default=""
    )
    system_step = models.CharField(
        _("回访时系统进度"),
        max_length=20,
        choices=CustomerStep.choices,
        blank=True,
        default="",
        db_default="",
    )
    progress_matches = models.BooleanField(_("进度一致"), null=True, blank=True)
    off_record_request = models.BooleanField(
        _("有线外要求"), default=False, db_default=False, help_text=_("是否被要求线外办理或付费")
    )
    off_record_detail = models.TextField(_("线外要求说明"), blank=True, default="", db_default="")
    satisfaction = models.PositiveSmallIntegerField(
        _("满意度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1–5分，5分最满意"),
    )
    comments = models.TextField(_("客户意见及备注"), blank=True, default="", db_default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suspected_off_system = models.BooleanField(
        _("疑似线外流转"), default=False, db_default=False, db_index=True
    )
    suspicion_reason = models.TextField(_("疑点"), blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CallbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["due_at", "pk"]
        permissions = [("record_callback", _("登记回访结果"))]
        indexes = [
            # "My callbacks to do today" and the unit's list, asked only of open callbacks.
            models.Index(
                fields=["assigned_to", "due_at"],
                condition=Q(status__in=["pending", "unreached"]),
                name="callback_open_assignee_due",
            ),
            models.Index(fields=["unit", "status", "due_at"], name="callback_unit_status_due"),
            # Dashboards: callbacks due in a period, satisfaction scores reached in a period.
            models.Index(
                fields=["due_at"],
                include=["kind", "status", "suspected_off_system", "unit"],
                name="callback_due_cover",
            ),
            models.Index(
                fields=["reached_at"],
                include=["satisfaction", "unit"],
                condition=Q(kind="satisfaction", status="reached", satisfaction__isnull=False),
                name="callback_satisfaction_reached",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(kind="first"), name="one_first_callback"
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(kind="satisfaction"),
                name="one_satisfaction_callback",
            ),
            # The sweep's INSERT … ON CONFLICT DO NOTHING relies on this one.
            models.UniqueConstraint(fields=["clock"], name="one_due_date_callback_per_clock"),
            models.CheckConstraint(
                condition=Q(kind="due_date", clock__isnull=False)
                | (~Q(kind="due_date") & Q(clock__isnull=True)),
                name="callback_clock_iff_due_date",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__range=(1, 5)),
                name="callback_satisfaction_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.application.number} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def try_at(self):
        """When the next try is due: the retry time, or the callback's own due time."""
        return self.next_try_at if self.status == self.Status.UNREACHED else self.due_at

    def try_at_text(self) -> str:
        """The next try as people say it: "2026-02-13 24:00", not the 14th's 00:00."""
        at = self.try_at
        if at is None:
            return "—"
        local = timezone.localtime(at)
        if local.time() == time.min:
            return f"{local.date() - timedelta(days=1):%Y-%m-%d} 24:00"
        return f"{local:%Y-%m-%d %H:%M}"

    try_at_text.short_description = _("应回访时间")

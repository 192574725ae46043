"""Time-limit standards (时限标准): per class and stage, versioned by effective date.

A new set of limits (e.g. a new regulation) is loaded as rows with a later `effective_from`;
rows already used by clocks are never rewritten, so finished clocks keep the limit they ran
under. Defaults: DOMAIN.md §4a, loaded by migration 0003.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.paths import ACTIVE_STAGES
from applications.states import HIGH_VOLTAGE_CLASSES, CustomerClass, State

# Each high-voltage approver's parallel review runs inside the scheme stage on its own clock.
SCHEME_APPROVAL = "scheme_approval"
CLOCK_STAGE_CHOICES = [
    *[(stage, State(stage).label) for stage in ACTIVE_STAGES],
    (SCHEME_APPROVAL, _("方案会签审批（各部门）")),
]

LEGAL_BASIS = "《供电监管办法》（办理用电业务期限）"
_C = CustomerClass
# Legal ceilings in working days (DOMAIN.md §4 table). Residential design review, middle and
# completion inspection have no figure of their own: the low-voltage one applies.
LEGAL_CEILING_WORKING_DAYS: dict[str, dict[str, int]] = {
    State.SCHEME: {_C.LV_RESIDENT: 3, _C.LV_BUSINESS: 8, _C.HV_SINGLE: 20, _C.HV_DUAL: 45},
    State.DESIGN_REVIEW: {_C.LV_RESIDENT: 8, _C.LV_BUSINESS: 8, _C.HV_SINGLE: 20, _C.HV_DUAL: 20},
    State.MIDDLE_INSPECTION: {_C.LV_RESIDENT: 3, _C.LV_BUSINESS: 3, _C.HV_SINGLE: 5, _C.HV_DUAL: 5},
    State.COMPLETION_INSPECTION: {
        _C.LV_RESIDENT: 5, _C.LV_BUSINESS: 5, _C.HV_SINGLE: 7, _C.HV_DUAL: 7,
    },
    State.ENERGIZE: {_C.LV_RESIDENT: 3, _C.LV_BUSINESS: 5, _C.HV_SINGLE: 7, _C.HV_DUAL: 7},
}  # fmt: skip


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    HOURS = "hours", _("小时")


class WarnUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    HOURS = "hours", _("小时")
    PERCENT = "percent", _("时限的百分比")


class TimeLimitPolicy(models.Model):
    """One stage's limit for one customer class, in force from `effective_from` on.

    The row in force on a day is the one with the latest `effective_from` not after it.
    `limit_value` empty means no company limit (the customer's own design and works).
    """

    effective_from = models.DateField(_("生效日期"))
    customer_class = models.CharField(_("用电类别"), max_length=20, choices=CustomerClass.choices)
    stage = models.CharField(_("环节"), max_length=30, choices=CLOCK_STAGE_CHOICES)
    limit_unit = models.CharField(
        _("时限单位"), max_length=20, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    limit_value = models.PositiveIntegerField(
        _("时限"), null=True, blank=True, help_text=_("留空表示公司不设时限（客户自行办理的环节）")
    )
    small_job_limit_value = models.PositiveIntegerField(
        _("小型工程时限"),
        null=True,
        blank=True,
        help_text=_("2基杆及以下、由供电所自建的小型工程适用的时限（单位同上）"),
    )
    warn_before_value = models.PositiveIntegerField(
        _("提前预警"), null=True, blank=True, help_text=_("到期前多久预警；留空不预警")
    )
    warn_unit = models.CharField(
        _("预警单位"), max_length=20, choices=WarnUnit.choices, default=WarnUnit.WORKING_DAYS
    )
    counts_against_company = models.BooleanField(
        _("计入公司时限"),
        default=True,
        help_text=_("客户设计、客户施工等客户时间照常计时展示，但不判公司超期"),
    )
    basis = models.CharField(
        _("依据"),
        max_length=200,
        blank=True,
        help_text=_("例如：《供电监管办法》（办理用电业务期限）"),
    )

    class Meta:
        verbose_name = _("环节时限标准")
        verbose_name_plural = _("环节时限标准")
        ordering = ["customer_class", "stage", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_class", "stage", "effective_from"], name="time_limit_version"
            )
        ]

    def __str__(self):
        label = f"{self.get_customer_class_display()}·{self.get_stage_display()}"
        return f"{label}（{self.effective_from}起）"

    def limit_display(self) -> str:
        return limit_text(self.limit_value, self.limit_unit)

    limit_display.short_description = _("时限")

    def clean(self):
        errors: dict[str, list] = {}

        def refuse(field, message):
            errors.setdefault(field, []).append(message)

        ceiling = LEGAL_CEILING_WORKING_DAYS.get(self.stage, {}).get(self.customer_class)
        if ceiling is not None:
            # Hours against a working-day ceiling: N working days always span ≥ N × 24 hours.
            ceiling_in_unit = ceiling * 24 if self.limit_unit == LimitUnit.HOURS else ceiling
            for field in ("limit_value", "small_job_limit_value"):
                value = getattr(self, field)
                if value is not None and value > ceiling_in_unit:
                    refuse(
                        field,
                        _(
                            "%(basis)s规定%(cls)s“%(stage)s”不超过%(ceiling)s个工作日，"
                            "公司时限不能超过法定上限。"
                        )
                        % {
                            "basis": LEGAL_BASIS,
                            "cls": self.get_customer_class_display(),
                            "stage": self.get_stage_display(),
                            "ceiling": ceiling,
                        },
                    )
        if self.limit_value is None:
            if self.warn_before_value is not None:
                refuse("warn_before_value", _("未设时限的环节不能设置预警。"))
            if self.small_job_limit_value is not None:
                refuse("small_job_limit_value", _("未设时限的环节不能设置小型工程时限。"))
        elif (
            self.small_job_limit_value is not None and self.small_job_limit_value > self.limit_value
        ):
            refuse("small_job_limit_value", _("小型工程时限不能长于一般时限。"))
        if self.warn_before_value is not None:
            if self.warn_unit == WarnUnit.PERCENT and not 1 <= self.warn_before_value <= 99:
                refuse("warn_before_value", _("按百分比预警时，请填写1到99之间的数。"))
            if self.limit_unit == LimitUnit.HOURS and self.warn_unit == WarnUnit.WORKING_DAYS:
                refuse("warn_unit", _("按小时计的时限，请按小时或百分比设置预警。"))
            same_unit = self.warn_unit == self.limit_unit
            if same_unit and self.limit_value and self.warn_before_value >= self.limit_value:
                refuse("warn_before_value", _("提前预警应短于时限本身。"))
        if self.stage == SCHEME_APPROVAL and self.customer_class not in HIGH_VOLTAGE_CLASSES:
            refuse("stage", _("只有高压客户的供电方案需要会签审批。"))
        if errors:
            raise ValidationError(errors)


class EscalationStep(models.Model):
    """Who hears of an overdue clock, and when (DOMAIN.md §4 "Escalation").

    Steps without a policy apply to every deadline (事项时限, `monitoring.deadlines`).
    """

    class Target(models.TextChoices):
        RESPONSIBLE = "responsible", _("责任人及其直接主管")
        UNIT_LEADER = "unit_leader", _("供电单位负责人")
        MARKETING = "marketing", _("营销部")

    policy = models.ForeignKey(
        TimeLimitPolicy,
        verbose_name=_("环节时限标准"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalation_steps",
        help_text=_("留空表示适用于事项时限（工程节点、整改、投诉、督办等）"),
    )
    level = models.PositiveSmallIntegerField(_("升级级别"))
    overdue_working_days = models.PositiveSmallIntegerField(
        _("超期工作日数"), help_text=_("超期达到该工作日数时升级；0 表示一超期即通知")
    )
    target = models.CharField(_("通知对象"), max_length=20, choices=Target.choices)

    class Meta:
        verbose_name = _("超期升级")
        verbose_name_plural = _("超期升级")
        ordering = ["policy_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "level"], name="escalation_step_level"),
            # NULLs are distinct in the constraint above: the deadlines' steps need their own.
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(policy__isnull=True),
                name="escalation_step_level_deadlines",
            ),
        ]

    def __str__(self):
        return (
            f"{self.level}级：超期{self.overdue_working_days}个工作日 → {self.get_target_display()}"
        )


class DeadlineEscalationManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(policy__isnull=True)


class DeadlineEscalationStep(EscalationStep):
    """The escalation steps of deadlines (事项时限): the rows without a policy, edited apart."""

    objects = DeadlineEscalationManager()

    class Meta:
        proxy = True
        verbose_name = _("事项时限超期升级")
        verbose_name_plural = _("事项时限超期升级")
        ordering = ["level"]


DEFAULT_ESCALATION = [
    {"level": 1, "overdue_working_days": 0, "target": EscalationStep.Target.RESPONSIBLE},
    {"level": 2, "overdue_working_days": 2, "target": EscalationStep.Target.UNIT_LEADER},
    {"level": 3, "overdue_working_days": 5, "target": EscalationStep.Target.MARKETING},
]


class ProcessLimitPolicy(models.Model):
    """A limit on the whole connection, or on the company's own steps added together."""

    class Kind(models.TextChoices):
        WHOLE_PROCESS = "whole_process", _("全流程（受理至送电，扣除暂停）")
        COMPANY_STEPS = "company_steps", _("公司环节合计（不含客户时间）")

    effective_from = models.DateField(_("生效日期"))
    customer_class = models.CharField(_("用电类别"), max_length=20, choices=CustomerClass.choices)
    small_micro = models.BooleanField(
        _("小微企业"), null=True, blank=True, help_text=_("留空表示不区分是否小微企业")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    working_days = models.PositiveIntegerField(_("时限（工作日）"))
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("全流程时限标准")
        verbose_name_plural = _("全流程时限标准")
        ordering = ["customer_class", "kind", "-effective_from"]
        constraints = [
            # Two partial constraints: NULLs are distinct in a plain unique index.
            models.UniqueConstraint(
                fields=["customer_class", "kind", "effective_from"],
                condition=Q(small_micro__isnull=True),
                name="process_limit_version_any",
            ),
            models.UniqueConstraint(
                fields=["customer_class", "small_micro", "kind", "effective_from"],
                condition=Q(small_micro__isnull=False),
                name="process_limit_version",
            ),
        ]

    def __str__(self):
        small = {True: "（小微企业）", False: "（非小微）"}.get(self.small_micro, "")
        return (
            f"{self.get_customer_class_display()}{small}·{self.get_kind_display()}："
            f"{self.working_days}个工作日（{self.effective_from}起）"
        )


def limit_text(value, unit) -> str:
    """'3个工作日', '24小时' or '不限'."""
    if value is None:
        return str(_("不限"))
    if unit == LimitUnit.HOURS:
        return _("%(n)s小时") % {"n": value}
    return _("%(n)s个工作日") % {"n": value}

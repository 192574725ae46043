"""The application (业扩工单) and its lifecycle as a django-fsm state machine.

Transitions here only move the state and guard it; recording who did what, locking and the
stage data live in `applications.services.lifecycle`, the one writer of state.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from .. import paths, rules
from ..states import (
    HIGH_VOLTAGE_CLASSES,
    LOW_VOLTAGES,
    ApplicationOrigin,
    BusinessType,
    Channel,
    CustomerClass,
    State,
    SupplyVoltage,
    SuspensionReason,
)
from .customer import Customer
from .org import Unit

STAGE_STATES = [*paths.ACTIVE_STAGES, State.ARCHIVED]
SUSPENDABLE = [s for s in paths.ACTIVE_STAGES if s != State.ARCHIVE]


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Applications this user may see: their own unit's, or all for supervisors/inspectors."""
        return rules.scope_to_user(self, user, unit_field="unit")

    def in_flight(self):
        return self.exclude(state__in=paths.FINAL_STATES)


# The name PostgreSQL gave the number's UNIQUE when it was a column option; the ledger import
# reads it off an IntegrityError.
NUMBER_UNIQUE = "applications_application_number_key"


class Application(ConcurrentTransitionMixin, models.Model):
    # Unique by a constraint in Meta, not unique=True: on PostgreSQL that would also build a
    # LIKE (varchar_pattern_ops) index, which only prefix lookups use and nothing makes one
    # (the admin's search is icontains); every imported application paid for it.
    number = models.CharField(_("工单编号"), max_length=20, editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="applications"
    )
    # No single-column indexes where a composite one in Meta starts with the column: each
    # index costs every insert (a ledger import writes 100,000 rows), and these earn nothing.
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("供电单位"),
        on_delete=models.PROTECT,
        related_name="applications",
        db_index=False,  # (unit, state)
    )
    customer_class = models.CharField(_("用电类别"), max_length=20, choices=CustomerClass.choices)
    business_type = models.CharField(
        _("业务类型"), max_length=20, choices=BusinessType.choices, default=BusinessType.NEW
    )
    requested_capacity_kva = models.DecimalField(
        _("申请容量(kVA)"),
        max_digits=10,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    supply_voltage = models.CharField(_("供电电压"), max_length=10, choices=SupplyVoltage.choices)
    site_address = models.CharField(_("用电地址"), max_length=300)
    channel = models.CharField(
        _("受理渠道"), max_length=20, choices=Channel.choices, default=Channel.COUNTER
    )
    is_small_micro = models.BooleanField(
        _("小微企业"),
        default=False,
        help_text=_("低压非居民且容量不超过小微企业上限，享受“三零”服务"),
    )
    has_grid_works = models.BooleanField(
        _("有配套电网工程"), default=False, help_text=_("需要公司投资建设外线/配套工程")
    )
    is_important_customer = models.BooleanField(
        _("重要客户"), default=False, help_text=_("重要客户保留设计审查和中间检查")
    )
    design_review_required = models.BooleanField(_("需设计审查"), default=True)
    middle_inspection_required = models.BooleanField(_("需中间检查"), default=True)
    customer_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_applications",
        db_index=False,  # (customer_manager, state)
    )
    manager_chosen_by_customer = models.BooleanField(
        _("客户自选客户经理"), default=False, help_text=_("否则为公司指派")
    )
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("项目经理"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project_applications",
        db_index=False,  # partial, in Meta: most applications have none
    )
    accepted_at = models.DateTimeField(_("受理时间"), db_index=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # partial, in Meta: imported applications have none
    )
    # Indexed in Meta: db_index would add a LIKE index nobody queries.
    state = FSMField(_("当前环节"), max_length=30, choices=State.choices, default=State.ACCEPT)
    state_changed_at = models.DateTimeField(_("进入当前环节时间"), null=True, blank=True)
    suspended_from = models.CharField(
        _("暂停前环节"), max_length=30, choices=State.choices, blank=True
    )
    suspension_reason = models.CharField(
        _("暂停原因"), max_length=30, choices=SuspensionReason.choices, blank=True
    )
    cancel_reason = models.TextField(_("撤销原因"), blank=True)
    grid_works_completed_at = models.DateTimeField(
        _("配套工程竣工时间"),
        null=True,
        blank=True,
        help_text=_("高压客户的配套工程与客户施工并行，送电前须竣工"),
    )
    energized_at = models.DateTimeField(_("送电时间"), null=True, blank=True, db_index=True)
    # A ledger's 装表日期, kept as the ledger says it; Yekuo's own installation is recorded by
    # MeterInstallation at energization, and other systems' by MeteringRecord.
    ledger_installed_on = models.DateField(
        _("装表日期（台账）"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("导入的业扩台账中记载的装表日期"),
    )
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    archive_location = models.CharField(_("档案存放位置"), max_length=100, blank=True)
    note = models.TextField(_("备注"), blank=True)
    # A ledger import may keep moving an application it brought in only until someone handles
    # it in Yekuo; from then on the system is the master of its stage (applications.ledger).
    origin = models.CharField(
        _("来源"),
        max_length=10,
        choices=ApplicationOrigin.choices,
        default=ApplicationOrigin.SYSTEM,
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["state_changed_at", "updated_at"])
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("业扩申请")
        verbose_name_plural = _("业扩申请")
        ordering = ["-accepted_at"]
        indexes = [
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["customer_manager", "state"]),
            models.Index(fields=["state"], name="application_state"),
            models.Index(
                fields=["project_manager"],
                name="application_project_manager",
                condition=models.Q(project_manager__isnull=False),
            ),
            models.Index(
                fields=["accepted_by"],
                name="application_accepted_by",
                condition=models.Q(accepted_by__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name=NUMBER_UNIQUE),
        ]
        permissions = [
            ("accept_application", _("受理业扩申请")),
            ("complete_acceptance", _("完成受理")),
            ("reply_scheme", _("勘查及答复供电方案")),
            ("submit_scheme", _("提交供电方案会签")),
            ("decide_scheme_approval", _("审批供电方案")),
            ("complete_grid_works", _("确认配套工程竣工")),
            ("record_customer_handin", _("登记客户报送/报验")),
            ("record_inspection", _("登记审查与检验结果")),
            ("sign_contract", _("签订供用电合同")),
            ("energize", _("装表接电")),
            ("archive_application", _("归档")),
            ("return_application", _("退回上一环节")),
            ("suspend_application", _("暂停与恢复")),
            ("cancel_application", _("撤销申请")),
            ("view_all_units", _("查看所有供电单位")),
        ]

    def __str__(self):
        return f"{self.number} {self.customer.name}" if self.customer_id else self.number

    @property
    def is_high_voltage(self) -> bool:
        return self.customer_class in HIGH_VOLTAGE_CLASSES

    @property
    def path(self) -> tuple[str, ...]:
        return paths.path_for(self)

    def clean(self):
        errors = {}
        low = self.supply_voltage in LOW_VOLTAGES
        if self.customer_class and self.supply_voltage and low == self.is_high_voltage:
            errors["supply_voltage"] = _(
                "供电电压与用电类别不符：低压客户用220/380 V，高压客户用10 kV及以上。"
            )
        limit = Decimal(str(settings.YEKUO_SMALL_MICRO_LIMIT_KVA))
        if self.is_small_micro:
            if self.customer_class != CustomerClass.LV_BUSINESS:
                errors["is_small_micro"] = _("只有低压非居民客户可以标记为小微企业。")
            elif self.requested_capacity_kva and self.requested_capacity_kva > limit:
                errors["is_small_micro"] = _("小微企业的申请容量不能超过 %(limit)s kVA。") % {
                    "limit": limit
                }
        must_inspect = self.is_important_customer or self.customer_class == CustomerClass.HV_DUAL
        skips = not (self.design_review_required and self.middle_inspection_required)
        if self.is_high_voltage and must_inspect and skips:
            errors["design_review_required"] = _("重要客户和双电源客户必须保留设计审查和中间检查。")
        if errors:
            raise ValidationError(errors)

    # --- Transitions. Conditions and permissions come from `rules`; targets from `paths`. ---

    @transition(
        field=state,
        source=list(paths.ACTIVE_STAGES),
        target=RETURN_VALUE(*STAGE_STATES),
        conditions=[rules.can_leave_stage],
        permission=rules.may_advance,
        custom={"label": _("办结本环节")},
    )
    def advance(self):
        return paths.next_stage(self)

    @transition(
        field=state,
        source=list(paths.INSPECTION_STAGES),
        target=RETURN_VALUE(*paths.CUSTOMER_TIME_STAGES),
        conditions=[rules.has_rectification_stage],
        permission=rules.permission("record_inspection"),
        custom={"label": _("不合格，退回客户整改")},
    )
    def fail_inspection(self):
        return paths.rectification_stage(self)

    @transition(
        field=state,
        source=list(paths.ACTIVE_STAGES),
        target=RETURN_VALUE(*paths.ACTIVE_STAGES),
        conditions=[rules.has_earlier_stage],
        permission=rules.permission("return_application"),
        custom={"label": _("退回")},
    )
    def return_to(self, target: str):
        if target not in paths.earlier_stages(self):
            raise ValueError(f"{target} is not an earlier stage of {self.number}")
        return target

    @transition(
        field=state,
        source=SUSPENDABLE,
        target=State.SUSPENDED,
        permission=rules.permission("suspend_application"),
        custom={"label": _("暂停")},
    )
    def suspend(self, reason: str):
        self.suspended_from = self.state
        self.suspension_reason = reason

    @transition(
        field=state,
        source=State.SUSPENDED,
        target=RETURN_VALUE(*SUSPENDABLE),
        permission=rules.permission("suspend_application"),
        custom={"label": _("恢复")},
    )
    def resume(self):
        target, self.suspended_from, self.suspension_reason = self.suspended_from, "", ""
        return target

    @transition(
        field=state,
        source=[*SUSPENDABLE, State.SUSPENDED],
        target=State.CANCELLED,
        permission=rules.permission("cancel_application"),
        custom={"label": _("撤销")},
    )
    def cancel(self, reason: str):
        self.cancel_reason = reason


class ApplicationNumberSequence(models.Model):
    """Last number issued per year; the row lock makes numbering atomic across processes."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last_value = models.PositiveIntegerField(_("已用至"), default=0)

    class Meta:
        verbose_name = _("工单编号序列")
        verbose_name_plural = _("工单编号序列")

    def __str__(self):
        return f"{self.year}: {self.last_value}"

"""Supervision against 线外流转 (DOMAIN.md §7): detection rules, the cases they find, contact
records, supervision letters (业务监督意见书) and staff assessments (考核).

Written only by `monitoring.supervision` (rules, letters, assessments services); the admin and
the tasks call those. Letters and assessments are never deleted: they are voided with a reason,
and every step is appended to `SupervisionEvent`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models import ImmutableRecord


class NeverDeleted(ImmutableRecord):
    """Raised when code tries to delete what may only be voided."""


DELETE_REFUSAL = _("监督意见书和考核记录不能删除，只能作废。")


class NoDeleteQuerySet(models.QuerySet):
    def delete(self):
        raise NeverDeleted(getattr(self.model, "delete_refusal", DELETE_REFUSAL))

    _raw_delete = delete


class NeverDeletedModel(models.Model):
    """Void instead of delete: the row, the queryset and the admin all refuse deletion."""

    objects = NoDeleteQuerySet.as_manager()
    delete_refusal = DELETE_REFUSAL  # subclasses name themselves

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise NeverDeleted(self.delete_refusal)


class DetectionRule(models.Model):
    """A 线外流转 detection rule: its code names a function of `monitoring.supervision.rules`.

    Supervisors switch a rule on or off and set its parameters (e.g. a days threshold) in the
    admin; rows are seeded by the migration, one per function of the registry.
    """

    code = models.SlugField(_("规则编码"), max_length=40, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    description = models.TextField(_("规则说明"), blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    parameters = models.JSONField(_("参数"), default=dict, blank=True)
    last_run_at = models.DateTimeField(_("最近运行时间"), null=True, blank=True, editable=False)
    last_found = models.PositiveIntegerField(_("最近一次新增线索"), default=0, editable=False)

    class Meta:
        verbose_name = _("线外流转识别规则")
        verbose_name_plural = _("线外流转识别规则")
        ordering = ["pk"]
        permissions = [("run_detection", _("立即运行识别规则"))]

    def __str__(self):
        return self.name

    def param(self, name: str, default):
        """A parameter as an int (thresholds are counts of days or visits)."""
        try:
            return int(self.parameters.get(name, default))
        except (TypeError, ValueError):
            return default

    def clean(self):
        if not isinstance(self.parameters, dict):
            raise ValidationError({"parameters": _('参数须为JSON对象，如 {"working_days": 2}。')})
        for name, value in self.parameters.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValidationError(
                    {"parameters": _("参数“%(name)s”须为正整数。") % {"name": name}}
                )


class CaseSource(models.TextChoices):
    RULE = "rule", _("规则识别")
    MANUAL = "manual", _("人工登记")
    CUSTOMER_REPORT = "customer_report", _("客户反映/举报")
    RANDOM_CHECK = "random_check", _("抽查发现")


class SupervisionCase(models.Model):
    """A 监督线索: evidence that work may have moved outside the system.

    `evidence_key` names the evidence (a callback, a metering record, an application's first
    contact…); with the rule it is unique, so re-running a rule never opens a second case.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待核实")
        CONFIRMED = "confirmed", _("已核实")
        DISMISSED = "dismissed", _("已排除")
        IN_LETTER = "in_letter", _("已出具意见书")
        HANDED_OVER = "handed_over", _("已移交纪检")  # monitoring.routines.discipline

    rule = models.ForeignKey(
        DetectionRule,
        verbose_name=_("识别规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    source = models.CharField(
        _("线索来源"), max_length=20, choices=CaseSource.choices, default=CaseSource.RULE
    )
    evidence_key = models.CharField(_("证据标识"), max_length=80, blank=True)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_cases",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("配套工程"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_cases",
    )
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("供电单位"), on_delete=models.PROTECT, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_cases",
    )
    evidence = models.JSONField(_("证据数据"), default=dict, blank=True)
    evidence_text = models.TextField(_("证据说明"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    dismiss_reason = models.TextField(_("排除理由"), blank=True)
    found_at = models.DateTimeField(_("发现时间"), db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("监督线索")
        verbose_name_plural = _("监督线索")
        ordering = ["-found_at", "-pk"]
        permissions = [("handle_case", _("核实或排除监督线索"))]
        constraints = [
            # The guarantee that a rule never opens two cases for the same evidence.
            models.UniqueConstraint(fields=["rule", "evidence_key"], name="one_case_per_evidence"),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismiss_reason=""),
                name="case_dismissed_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="case_unit_status")]

    def __str__(self):
        number = self.application.number if self.application_id else _("无工单")
        return f"{number} {self.rule or self.get_source_display()}"


class ContactChannel(models.TextChoices):
    HOTLINE = "95598", _("95598")
    APP = "app", _("网上国网")
    FIELD = "field", _("现场接触")
    PHONE = "phone", _("电话")
    COUNTER = "counter", _("到厅")


class CustomerContact(models.Model):
    """A contact record (接触记录): the customer reached us before or during the application.

    Imported from 95598 / 网上国网 exports or entered from field notes. The first contact long
    before acceptance and repeated counter visits are signs of 线外流转 (DOMAIN.md §7).
    """

    channel = models.CharField(_("接触渠道"), max_length=20, choices=ContactChannel.choices)
    contacted_at = models.DateTimeField(_("接触时间"), db_index=True)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    customer = models.ForeignKey(
        "applications.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("供电单位"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(
        _("外部编号"), max_length=40, blank=True, help_text=_("95598工单号、网上国网流水号等")
    )
    note = models.TextField(_("接触内容"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("客户接触记录")
        verbose_name_plural = _("客户接触记录")
        ordering = ["-contacted_at"]
        indexes = [models.Index(fields=["application", "contacted_at"], name="contact_app_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False) | Q(customer__isnull=False),
                name="contact_has_application_or_customer",
            ),
            # An import run twice brings each external record once.
            models.UniqueConstraint(
                fields=["channel", "reference"],
                condition=~Q(reference=""),
                name="contact_reference_unique",
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.contacted_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.application_id is None and self.customer_id is None:
            raise ValidationError(_("接触记录须关联业扩申请或客户。"))


class LetterCategory(models.TextChoices):
    """Seed 003's categories of findings, and "other" for the rest (DOMAIN.md §7)."""

    OFF_SYSTEM = "off_system", _("线外流转")
    METER_UNANNOUNCED = "meter_unannounced", _("装表未告知")
    REPEATED_VISITS = "repeated_visits", _("客户重复往返")
    IRREGULAR_ACCEPTANCE = "irregular_acceptance", _("业务受理不规范")
    SITE_SAFETY = "site_safety", _("现场安全隐患")
    ONE_DOCUMENT = "one_document", _("未执行一证受理")
    OTHER = "other", _("其他")


class LetterNumberSequence(models.Model):
    """Last letter number issued per year (row-locked like the application numbers)."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last_value = models.PositiveIntegerField(_("已用至"), default=0)

    class Meta:
        verbose_name = _("意见书编号序列")
        verbose_name_plural = _("意见书编号序列")

    def __str__(self):
        return f"{self.year}: {self.last_value}"


class SupervisionLetter(NeverDeletedModel):
    """业务监督意见书: findings, the staff responsible, a clocked rectification and closure."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已签发")
        RECTIFYING = "rectifying", _("整改中")
        RECTIFIED = "rectified", _("已整改")
        CLOSED = "closed", _("已关闭")
        VOID = "void", _("已作废")

    number = models.CharField(
        _("意见书编号"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    category = models.CharField(_("问题类别"), max_length=30, choices=LetterCategory.choices)
    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("被监督单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    cases = models.ManyToManyField(
        SupervisionCase, verbose_name=_("监督线索"), blank=True, related_name="letters"
    )
    responsible_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), related_name="supervision_letters"
    )
    findings = models.TextField(_("监督发现"))
    requirements = models.TextField(_("整改要求"), blank=True)
    rectification_due = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("拟稿人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("拟稿时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True, db_index=True)
    rectification = models.TextField(_("整改情况"), blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关闭人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closing_note = models.TextField(_("验收意见"), blank=True)
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
        verbose_name = _("业务监督意见书")
        verbose_name_plural = _("业务监督意见书")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("issue_letter", _("签发监督意见书")),
            ("record_rectification", _("登记整改情况")),
            ("close_letter", _("验收关闭监督意见书")),
            ("void_letter", _("作废监督意见书")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False),
                name="letter_numbered_once_issued",
            ),
            models.CheckConstraint(
                condition=~Q(status="void") | ~Q(void_reason=""), name="letter_void_with_reason"
            ),
        ]

    def __str__(self):
        return self.number or _("意见书草稿（%(category)s）") % {
            "category": self.get_category_display()
        }


class Assessment(NeverDeletedModel):
    """考核: points and an amount against one staff member, usually from a letter."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        VOID = "void", _("已作废")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被考核人"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField(_("考核期间"), help_text=_("考核所属月份（取该月1日）"))
    points = models.DecimalField(
        _("扣分"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    amount = models.DecimalField(
        _("考核金额（元）"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    reason = models.TextField(_("考核事由"))
    letter = models.ForeignKey(
        SupervisionLetter,
        verbose_name=_("监督意见书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"))
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
        verbose_name = _("考核记录")
        verbose_name_plural = _("考核记录")
        ordering = ["-period", "-created_at", "-pk"]
        permissions = [("void_assessment", _("作废考核记录"))]
        indexes = [models.Index(fields=["period", "unit"], name="assessment_period_unit")]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=0) & Q(amount__gte=0), name="assessment_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="void") | ~Q(void_reason=""),
                name="assessment_void_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.staff.get_full_name() or self.staff.get_username()} {self.amount}元"


class SupervisionEvent(models.Model):
    """Append-only log of what happened to letters and assessments: who, when, why."""

    class Action(models.TextChoices):
        DRAFTED = "drafted", _("拟稿")
        ISSUED = "issued", _("签发")
        RECTIFYING = "rectifying", _("开始整改")
        RECTIFIED = "rectified", _("登记整改")
        CLOSED = "closed", _("验收关闭")
        VOIDED = "voided", _("作废")
        ASSESSED = "assessed", _("登记考核")

    letter = models.ForeignKey(
        SupervisionLetter,
        verbose_name=_("监督意见书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("考核记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("操作时间"))
    note = models.TextField(_("说明"), blank=True)

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = _("监督操作记录")
        verbose_name_plural = _("监督操作记录")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(letter__isnull=False) | Q(assessment__isnull=False),
                name="event_has_subject",
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecord(_("监督操作记录不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise NeverDeleted(_("监督操作记录不可删除。"))

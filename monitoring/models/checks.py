"""Random checks (抽查, DOMAIN.md §7): a reproducible sample of applications compared against the
paper file and the site, item by item.

The draw is recorded whole — seed, population definition, the population's ids per stratum and
the allocation — so anyone can re-run it (`monitoring.checks.sampling.draw`) and get the same
sample. Those fields never change once saved (`save()` refuses). Written only by
`monitoring.checks.services`; checks are voided with a reason, never deleted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models import ImmutableRecord

from .supervision import NeverDeleted

NOT_DELETED = _("抽查记录不能删除，只能作废。")


class CheckQuerySet(models.QuerySet):
    def delete(self):
        raise NeverDeleted(NOT_DELETED)

    _raw_delete = delete


class RandomCheck(models.Model):
    """One draw and its check: 纪检抽查 or 营销专项检查 of a unit's applications in a period."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("纪检抽查")
        MARKETING = "marketing", _("营销专项检查")

    class Strata(models.TextChoices):
        NONE = "none", _("不分层")
        CUSTOMER_CLASS = "customer_class", _("按用电类别")
        STAGE_REACHED = "stage_reached", _("按办理进度（在途/已送电/已撤销）")
        GRID_WORKS = "grid_works", _("按有无配套工程")

    class Status(models.TextChoices):
        CHECKING = "checking", _("检查中")
        COMPLETED = "completed", _("已完成")
        VOID = "void", _("已作废")

    kind = models.CharField(_("检查类型"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("被检查单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_start = models.DateField(_("抽查期间起"))
    period_end = models.DateField(_("抽查期间止"))
    stratify_by = models.CharField(
        _("分层方式"), max_length=20, choices=Strata.choices, default=Strata.NONE
    )
    sample_size = models.PositiveIntegerField(_("样本量"))
    seed = models.BigIntegerField(_("随机种子"))
    population_rule = models.TextField(_("总体定义"))
    population = models.JSONField(_("总体（按层的申请编号）"), default=dict)
    population_size = models.PositiveIntegerField(_("总体数量"))
    allocation = models.JSONField(_("各层样本量"), default=dict)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.CHECKING, db_index=True
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽样人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("抽样时间"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
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

    # What makes the draw re-derivable: never rewritten after the first save.
    DRAW_FIELDS = (
        "kind",
        "unit_id",
        "period_start",
        "period_end",
        "stratify_by",
        "sample_size",
        "seed",
        "population_rule",
        "population",
        "population_size",
        "allocation",
        "drawn_by_id",
        "drawn_at",
    )

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("抽查")
        verbose_name_plural = _("抽查")
        ordering = ["-drawn_at", "-pk"]
        permissions = [
            ("run_inspection_check", _("开展纪检抽查（抽样、登记结果）")),
            ("run_marketing_check", _("开展营销专项检查")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="void") | ~Q(void_reason=""), name="check_void_with_reason"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="check_period_order"
            ),
        ]

    def __str__(self):
        return _("%(kind)s %(unit)s %(start)s～%(end)s") % {
            "kind": self.get_kind_display(),
            "unit": self.unit,
            "start": f"{self.period_start:%Y-%m-%d}",
            "end": f"{self.period_end:%Y-%m-%d}",
        }

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*self.DRAW_FIELDS).first()
            if stored and any(stored[f] != getattr(self, f) for f in self.DRAW_FIELDS):
                raise ImmutableRecord(_("抽样记录（种子、总体、样本）不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise NeverDeleted(NOT_DELETED)


class CheckResult(models.TextChoices):
    PENDING = "pending", _("未核查")
    AGREE = "agree", _("一致")
    DISAGREE = "disagree", _("不一致")


class RandomCheckItem(models.Model):
    """One sampled application: does the system agree with the paper file, and with the site?"""

    check_record = models.ForeignKey(
        RandomCheck, verbose_name=_("抽查"), on_delete=models.PROTECT, related_name="items"
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.PROTECT,
        related_name="random_check_items",
    )
    stratum = models.CharField(_("所在层"), max_length=40)
    paper_result = models.CharField(
        _("系统与纸质档案"), max_length=10, choices=CheckResult.choices, default=CheckResult.PENDING
    )
    site_result = models.CharField(
        _("系统与现场"), max_length=10, choices=CheckResult.choices, default=CheckResult.PENDING
    )
    notes = models.TextField(_("核查说明"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    case = models.OneToOneField(
        "monitoring.SupervisionCase",
        verbose_name=_("监督线索"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="check_item",
    )

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("抽查明细")
        verbose_name_plural = _("抽查明细")
        ordering = ["check_record", "stratum", "application_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_record", "application"], name="one_item_per_application"
            ),
        ]

    def __str__(self):
        return (
            f"{self.application} {self.get_paper_result_display()}/{self.get_site_result_display()}"
        )

    @property
    def disagrees(self) -> bool:
        return CheckResult.DISAGREE in (self.paper_result, self.site_result)

    @property
    def checked(self) -> bool:
        return CheckResult.PENDING not in (self.paper_result, self.site_result)

    def delete(self, *args, **kwargs):
        raise NeverDeleted(NOT_DELETED)

"""Monthly summary (月度总结, DOMAIN.md §7): a unit's month in figures and words.

The figures are a snapshot computed by the dashboard's own functions
(`monitoring.summary.figures`); the text sections are edited while the summary is a draft.
Issuing freezes it: an issued (or void) summary refuses every save and queryset update, and
nothing is deleted. Written only by `monitoring.summary.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models import ImmutableRecord

from .supervision import NeverDeleted

FROZEN = _("月度总结已签发（或已作废），不能再修改。")
NOT_DELETED = _("月度总结不能删除，只能作废。")


class SummaryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # A bulk update must not slip past the row's own freeze.
        if self.exclude(status=MonthlySummary.Status.DRAFT).exists():
            raise ImmutableRecord(FROZEN)
        return super().update(**kwargs)

    def delete(self):
        raise NeverDeleted(NOT_DELETED)

    _raw_delete = delete


class MonthlySummary(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已签发")
        VOID = "void", _("已作废")

    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("供电单位"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("月份"), help_text=_("总结所属月份（取该月1日）"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    figures = models.JSONField(_("数据快照"), default=dict, editable=False)
    figures_at = models.DateTimeField(_("数据生成时间"))
    overview = models.TextField(_("总体情况"), blank=True)
    problems = models.TextField(_("发现的问题"), blank=True)
    actions = models.TextField(_("整改落实情况"), blank=True)
    next_steps = models.TextField(_("下月工作安排"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编写人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("编写时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
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

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("月度总结")
        verbose_name_plural = _("月度总结")
        ordering = ["-month", "unit__code"]
        permissions = [
            ("write_summary", _("编写月度总结")),
            ("issue_summary", _("签发月度总结")),
        ]
        constraints = [
            # One live summary per unit and month; a voided draft makes room for a new one.
            models.UniqueConstraint(
                fields=["unit", "month"], condition=~Q(status="void"), name="one_summary_per_month"
            ),
            models.CheckConstraint(
                condition=~Q(status="void") | ~Q(void_reason=""), name="summary_void_with_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="issued") | Q(issued_at__isnull=False),
                name="summary_issued_at",
            ),
        ]

    def __str__(self):
        return _("%(unit)s %(month)s 月度总结") % {
            "unit": self.unit,
            "month": f"{self.month:%Y年%m月}",
        }

    def save(self, *args, **kwargs):
        # The invariant lives here, not only in the service: what was issued stays as issued.
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored not in (None, self.Status.DRAFT):
                raise ImmutableRecord(FROZEN)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise NeverDeleted(NOT_DELETED)

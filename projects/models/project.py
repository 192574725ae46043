"""The grid-side project (配套电网工程), its construction team and its phases.

A project is built by the company for one or more applications (or, 预推进, ahead of any
application for a known demand). Its phases carry planned and actual dates; the services in
`projects.services.projects` are their one writer and announce each change (projects.signals)
so the Deadline engine can time them without this app knowing it exists.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import rules

# DOMAIN.md §8: a job of two poles or fewer can be built by the local station.
SMALL_JOB_MAX_POLES = 2


class ConstructionTeam(models.Model):
    """施工队伍: the company's own crew or a contracted one (检修专责 tracks the contracted)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("内部")
        CONTRACTED = "contracted", _("外包")

    name = models.CharField(_("队伍名称"), max_length=100, unique=True)
    kind = models.CharField(_("队伍性质"), max_length=20, choices=Kind.choices)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("所属/合作单位"),
        on_delete=models.PROTECT,
        related_name="construction_teams",
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("施工队伍")
        verbose_name_plural = _("施工队伍")
        ordering = ["unit", "name"]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        return rules.scope_to_user(self, user, unit_field="unit")

    def behind_plan(self, on=None):
        """Projects with a phase whose planned date has passed and that is not done yet."""
        on = on or timezone.localdate()
        late = ProjectPhase.objects.filter(
            project=models.OuterRef("pk"), planned_on__lt=on, actual_on__isnull=True
        )
        return self.filter(models.Exists(late))


class Project(models.Model):
    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("常规配套工程")
        AHEAD = "ahead", _("预推进工程")
        CONNECT_FIRST = "connect_first", _("先接入后改造")

    class Status(models.TextChoices):
        DESIGN = "design", _("设计中")
        MATERIAL = "material", _("物资准备")
        READY = "ready", _("待开工")
        CONSTRUCTION = "construction", _("施工中")
        COMPLETED = "completed", _("已竣工")
        CANCELLED = "cancelled", _("已撤销")

    number = models.CharField(_("工程编号"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("工程名称"), max_length=200)
    unit = models.ForeignKey(
        "applications.Unit",
        verbose_name=_("供电单位"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    kind = models.CharField(
        _("工程类型"), max_length=20, choices=Kind.choices, default=Kind.ORDINARY
    )
    status = models.CharField(
        _("工程状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.DESIGN,
        editable=False,
    )
    applications = models.ManyToManyField(
        "applications.Application",
        verbose_name=_("关联业扩申请"),
        blank=True,
        related_name="projects",
    )
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("项目经理"),
        on_delete=models.PROTECT,
        related_name="managed_projects",
    )
    construction_team = models.ForeignKey(
        ConstructionTeam,
        verbose_name=_("施工队伍"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    poles = models.PositiveIntegerField(_("杆塔数(基)"), default=0)
    line_length_km = models.DecimalField(
        _("线路长度(km)"),
        max_digits=8,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    transformer_kva = models.DecimalField(
        _("配变容量(kVA)"),
        max_digits=10,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_small_job = models.BooleanField(
        _("小型工程（供电所自建）"),
        default=False,
        help_text=_("杆塔不超过 2 基的小型工程可由供电所自行施工"),
    )
    expected_demand_kva = models.DecimalField(
        _("预计负荷(kVA)"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("预推进工程：预计将要报装的用电需求"),
    )
    expected_customer = models.CharField(
        _("预计用电客户"),
        max_length=200,
        blank=True,
        help_text=_("预推进工程：预计报装的客户或地块"),
    )
    progress_percent = models.PositiveSmallIntegerField(
        _("形象进度(%)"),
        default=0,
        editable=False,
        validators=[MaxValueValidator(100)],
        help_text=_("最近一次进度日报的完成百分比"),
    )
    progress_reported_on = models.DateField(
        _("最近进度日期"), null=True, blank=True, editable=False
    )
    note = models.TextField(_("备注"), blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=200, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("立项人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("立项时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("配套工程")
        verbose_name_plural = _("配套工程")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit", "kind", "status"])]
        permissions = [
            ("report_progress", _("填报工程进度日报")),
            ("view_ledgers", _("查看工程台账")),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"

    def clean(self):
        if self.is_small_job and self.poles > SMALL_JOB_MAX_POLES:
            raise ValidationError(
                {
                    "is_small_job": _("杆塔超过 %(max)s 基，不能作为供电所自建的小型工程。")
                    % {"max": SMALL_JOB_MAX_POLES}
                }
            )

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.CANCELLED)


class ProjectPhase(models.Model):
    """One phase of a project with its planned and actual date (工程节点)."""

    class Phase(models.TextChoices):
        DESIGN = "design", _("设计完成")
        MATERIAL = "material", _("物资到位")
        CONSTRUCTION = "construction", _("开工")
        COMPLETION = "completion", _("竣工")

    # The order phases happen in; the project's status follows the last one done.
    ORDER = (Phase.DESIGN, Phase.MATERIAL, Phase.CONSTRUCTION, Phase.COMPLETION)

    project = models.ForeignKey(
        Project, verbose_name=_("配套工程"), on_delete=models.CASCADE, related_name="phases"
    )
    phase = models.CharField(_("工程节点"), max_length=20, choices=Phase.choices)
    planned_on = models.DateField(_("计划日期"), null=True, blank=True)
    actual_on = models.DateField(_("实际日期"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工程节点")
        verbose_name_plural = _("工程节点")
        ordering = ["project", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "phase"], name="project_phase_once")
        ]

    def __str__(self):
        return f"{self.project.number} {self.get_phase_display()}"

    @property
    def is_late(self) -> bool:
        today = timezone.localdate()
        if self.planned_on is None:
            return False
        return (self.actual_on or today) > self.planned_on


class ProjectNumberSequence(models.Model):
    """Last project number issued per year (see applications.services.numbering)."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last_value = models.PositiveIntegerField(_("已用至"), default=0)

    class Meta:
        verbose_name = _("工程编号序列")
        verbose_name_plural = _("工程编号序列")

    def __str__(self):
        return f"{self.year}: {self.last_value}"


# A project closed or open, by status: the ledgers and the dashboards read this.
OPEN_PROJECT = ~Q(status__in=[Project.Status.COMPLETED, Project.Status.CANCELLED])

"""Daily progress reports (进度日报) of a project, by its project manager."""

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .project import Project

PHOTO_EXTENSIONS = ["jpg", "jpeg", "png"]


class ProgressReport(models.Model):
    """One day's report. A correction supersedes the day's earlier report instead of editing it,
    so what was reported first stays visible (a progress figure is evidence for supervision)."""

    project = models.ForeignKey(
        Project, verbose_name=_("配套工程"), on_delete=models.CASCADE, related_name="reports"
    )
    reported_on = models.DateField(_("日报日期"))
    percent = models.PositiveSmallIntegerField(
        _("完成百分比(%)"), validators=[MaxValueValidator(100)]
    )
    text = models.TextField(_("进度说明"))
    photo = models.FileField(
        _("现场照片"),
        upload_to="projects/progress/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(PHOTO_EXTENSIONS)],
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("填报时间"))
    superseded_at = models.DateTimeField(
        _("被更正时间"), null=True, blank=True, help_text=_("当日日报被更正后，原日报保留备查")
    )
    correction_reason = models.CharField(_("更正原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("进度日报")
        verbose_name_plural = _("进度日报")
        ordering = ["-reported_on", "-reported_at"]
        constraints = [
            # One current report per project and day; corrections supersede, never add.
            models.UniqueConstraint(
                fields=["project", "reported_on"],
                condition=Q(superseded_at__isnull=True),
                name="progress_report_once_a_day",
            )
        ]

    def __str__(self):
        return f"{self.project.number} {self.reported_on} {self.percent}%"

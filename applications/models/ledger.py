"""Ledger imports (台账导入) and the metering records they bring in.

An `ImportJob` is one uploaded file: who sent it, how far the background job has got, and what
it did (created / updated / unchanged / rows with errors, and the error workbook). Written only
by `applications.ledger.jobs`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        APPLICATIONS = "applications", _("业扩台账")
        METERING = "metering", _("装表记录")
        PROGRESS = "progress", _("工程进度")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("读取并校验")
        WRITING = "writing", _("写入数据库")
        DONE = "done", _("已完成")
        REJECTED = "rejected", _("有错误行，未导入")
        FAILED = "failed", _("失败，未导入")

    FINISHED = frozenset({Status.DONE, Status.REJECTED, Status.FAILED})

    kind = models.CharField(_("台账类型"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    skip_errors = models.BooleanField(
        _("跳过错误行"), default=False, help_text=_("否则只要有一行错误，整个文件都不导入")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已校验行数"), default=0)
    rows_created = models.PositiveIntegerField(_("新增"), default=0)
    rows_updated = models.PositiveIntegerField(_("更新"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    rows_with_errors = models.PositiveIntegerField(_("错误行"), default=0)
    error_file = models.FileField(_("错误清单"), upload_to="imports/errors/%Y/%m/", blank=True)
    message = models.TextField(_("说明"), blank=True)
    task_id = models.CharField(_("后台任务编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")
        ordering = ["-created_at"]
        permissions = [("import_ledger", _("导入台账"))]

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        # Validation is most of the work; writing is a few set-based statements at the end.
        return min(95, int(95 * self.rows_done / self.rows_total))


class MeteringRecord(models.Model):
    """A meter installed on site, as the metering system's records say (DOMAIN.md §7).

    Kept apart from the lifecycle's own `MeterInstallation`: a meter installed before the
    system reached energization is one of the signals that work moves outside the system.
    """

    class Source(models.TextChoices):
        METERING = "metering", _("装表记录导入")

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.CASCADE,
        related_name="metering_records",
    )
    meter_number = models.CharField(_("电能表资产号"), max_length=40)
    installed_on = models.DateField(_("装表日期"))
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.METERING
    )
    imported_at = models.DateTimeField(_("导入时间"))
    # An audit reference: no database constraint, so a bulk import pays no check per row.
    import_job = models.ForeignKey(
        ImportJob,
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["imported_at", "import_job"])

    class Meta:
        verbose_name = _("装表记录")
        verbose_name_plural = _("装表记录")
        ordering = ["application_id", "installed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "source", "meter_number"], name="metering_record_unique"
            )
        ]

    def __str__(self):
        return f"{self.meter_number} {self.installed_on}"

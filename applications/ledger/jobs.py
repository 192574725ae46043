"""Ledger imports as `ImportJob`s: small files at once, big ones as a django-q2 task.

Both run `run_import_job`, so a file gets the same checks, summary and error workbook whatever
its size. Progress is written outside the import's transaction while rows are validated
(reading and validating are the long, row-by-row part); the write that follows is a handful of
set-based statements in one transaction, shown as the phase "写入数据库".
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from ..models import ImportJob
from .importing import ImportRefused, import_ledger, import_reason, read
from .reader import LedgerFileError
from .xlsx import error_workbook

logger = logging.getLogger(__name__)
Status = ImportJob.Status


def background_threshold() -> int:
    """Files with more data rows than this run in the background (settings, default 5,000)."""
    return settings.YEKUO_IMPORT_BACKGROUND_ROWS


def task_timeout(rows: int) -> int:
    """Seconds the worker may spend on a file: the cluster's default, or more for a big one.

    At a few thousand rows a second, a million rows outlast the default 300 s. The broker's
    `retry` may then deliver the task again while it runs: the job's claim makes that second
    delivery return at once.
    """
    default = settings.Q_CLUSTER.get("timeout") or 300
    return max(default, rows // 500)


def start_import(
    *, kind: str, data: bytes, filename: str, user, skip_errors: bool, rows_hint: int | None = None
) -> ImportJob:
    """Record the upload as a job and run it: now, or queued when the file is big."""
    job = ImportJob(kind=kind, original_name=filename, uploaded_by=user, skip_errors=skip_errors)
    job.rows_total = rows_hint or 0
    job.file.save(filename, ContentFile(data), save=False)
    job.save()
    if rows_hint is not None and rows_hint > background_threshold():
        # The job claims itself (QUEUED → VALIDATING) so a task delivered twice runs once.
        job.task_id = async_task(
            "applications.ledger.jobs.run_import_job",
            job.pk,
            task_name=f"ledger-import-{job.pk}",
            timeout=task_timeout(rows_hint),
        )
        ImportJob.objects.filter(pk=job.pk).update(task_id=job.task_id)
    else:
        run_import_job(job.pk)
    job.refresh_from_db()
    return job


def run_import_job(job_id: int) -> str:
    """Run one queued import job to its end; returns the final status."""
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.VALIDATING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    if not claimed:
        return job.status  # already run (a redelivered or repeated task)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_done=done, rows_total=total)

    def writing() -> None:
        ImportJob.objects.filter(pk=job_id).update(status=Status.WRITING)

    try:
        started = time.perf_counter()
        with job.file.open("rb") as stream:
            data = stream.read()
        table = read(job.kind, data, expected=job.original_name.rsplit(".", 1)[-1].lower())
        logger.info(
            "Import job %s: read %s rows (%s) in %.2f s",
            job_id,
            len(table.rows),
            table.kind,
            time.perf_counter() - started,
        )
        ImportJob.objects.filter(pk=job_id).update(rows_total=len(table.rows))
        outcome = import_ledger(
            kind=job.kind,
            table=table,
            user=job.uploaded_by,
            reason=import_reason(job.original_name, job.pk),
            skip_errors=job.skip_errors,
            job_id=job.pk,
            progress=progress,
            writing=writing,
        )
    except (LedgerFileError, ImportRefused) as exc:
        return _finish(job_id, Status.FAILED, message=str(exc))
    except Exception as exc:  # the transaction rolled back: say so, keep the worker alive
        logger.exception("Ledger import job %s failed", job_id)
        return _finish(
            job_id,
            Status.FAILED,
            message=_("导入失败，数据库未作任何修改。错误：%(error)s") % {"error": exc},
        )

    job.refresh_from_db()
    if outcome.errors:
        name = f"{job.original_name.rsplit('.', 1)[0]}-错误清单.xlsx"
        job.error_file.save(name, ContentFile(error_workbook(outcome.validated)), save=False)
        job.save(update_fields=["error_file"])
    if outcome.written:
        status = Status.DONE
        message = (
            _("已跳过%(n)s行错误，其余数据已导入。") % {"n": outcome.error_row_count}
            if outcome.errors
            else ""
        )
    else:
        status = Status.REJECTED
        message = _(
            "文件有%(n)s行错误，未导入任何数据。请下载错误清单修正后重新导入，或勾选“跳过错误行”。"
        ) % {"n": outcome.error_row_count}
    return _finish(
        job_id,
        status,
        message=message,
        rows_total=outcome.rows_total,
        rows_done=outcome.rows_total,
        rows_created=len(outcome.created),
        rows_updated=len(outcome.updated),
        rows_unchanged=len(outcome.unchanged),
        rows_with_errors=outcome.error_row_count,
    )


def _finish(job_id: int, status: str, **fields) -> str:
    ImportJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)
    return status

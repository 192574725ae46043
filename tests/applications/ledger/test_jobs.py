"""Imports as jobs: at once for small files, in the background for big ones, with a summary."""

import io

import pytest
from django.test import override_settings
from django_q.conf import Conf
from openpyxl import load_workbook

from applications.ledger import jobs, validate
from applications.models import Application, ImportJob

from . import factory as f

pytestmark = pytest.mark.django_db


def start(user, data, *, rows, skip_errors=False, name="西湖台账.xlsx"):
    return jobs.start_import(
        kind="applications",
        data=data,
        filename=name,
        user=user,
        skip_errors=skip_errors,
        rows_hint=rows,
    )


def test_a_small_file_is_imported_at_once(importer):
    job = start(importer, f.xlsx([f.row(1), f.row(2)]), rows=2)
    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.rows_done, job.rows_created) == (2, 2, 2)
    assert not job.task_id
    assert job.percent == 100


@override_settings(YEKUO_IMPORT_BACKGROUND_ROWS=3)
def test_a_big_file_runs_as_a_django_q_task_reporting_progress(importer, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)  # the task runs inline, through django-q2
    monkeypatch.setattr(validate, "CHUNK_ROWS", 2)
    seen = []
    real = jobs.import_ledger

    def spy(**kwargs):
        progress = kwargs["progress"]

        def recording(done, total):
            seen.append((done, total))
            progress(done, total)

        return real(**{**kwargs, "progress": recording})

    monkeypatch.setattr(jobs, "import_ledger", spy)
    job = start(importer, f.xlsx([f.row(i) for i in range(1, 6)]), rows=5)
    assert job.task_id
    assert job.status == ImportJob.Status.DONE
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert (job.rows_done, job.rows_total, job.rows_created) == (5, 5, 5)
    assert job.started_at <= job.finished_at


def test_a_file_with_errors_imports_nothing_and_explains_itself(importer):
    data = f.xlsx([f.row(1), f.row(2, state="待定", phone="12")])
    job = start(importer, data, rows=2)
    assert job.status == ImportJob.Status.REJECTED
    assert job.rows_with_errors == 1 and job.rows_created == 0
    assert "未导入任何数据" in job.message
    assert not Application.objects.exists()
    workbook = load_workbook(io.BytesIO(job.error_file.read()))
    details = list(workbook["错误明细"].iter_rows(values_only=True))
    assert details[0] == ("行号", "列", "原值", "错误原因")
    assert {(r[0], r[1]) for r in details[1:]} == {(3, "当前环节"), (3, "联系电话")}
    to_fix = list(workbook["待修正的行"].iter_rows(values_only=True))
    assert to_fix[0][-2:] == ("原行号", "错误原因")
    assert to_fix[1][0] == "XH-2026-00002" and to_fix[1][-2] == 3


def test_skipping_bad_rows_imports_the_rest_and_the_fixed_rows_import_later(importer):
    data = f.xlsx([f.row(1), f.row(2, state="待定")])
    job = start(importer, data, rows=2, skip_errors=True)
    assert job.status == ImportJob.Status.DONE
    assert (job.rows_created, job.rows_with_errors) == (1, 1)
    assert "已跳过1行错误" in job.message
    # The user corrects the stage in the error workbook and imports that sheet as it is.
    workbook = load_workbook(io.BytesIO(job.error_file.read()))
    sheet = workbook["待修正的行"]
    sheet.cell(row=2, column=f.HEADERS.index("当前环节") + 1).value = "现场勘查"
    del workbook["错误明细"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    fixed = start(importer, buffer.getvalue(), rows=1, name="错误清单.xlsx")
    assert (fixed.status, fixed.rows_created) == (ImportJob.Status.DONE, 1)
    assert Application.objects.count() == 2


def test_an_unreadable_file_fails_with_the_reason(importer):
    job = start(importer, b"PK\x03\x04broken", rows=None, name="台账.xlsx")
    assert job.status == ImportJob.Status.FAILED
    assert "已损坏" in job.message


def test_a_job_runs_once_even_if_its_task_is_delivered_twice(importer):
    job = start(importer, f.xlsx([f.row(1)]), rows=1)
    assert jobs.run_import_job(job.pk) == ImportJob.Status.DONE
    assert Application.objects.count() == 1
    job.refresh_from_db()
    assert job.rows_created == 1

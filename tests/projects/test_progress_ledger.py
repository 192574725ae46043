"""The project-progress ledger (工程进度台账): reports and phase dates imported from Excel."""

import io
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications import roles
from applications.demo import make_staff
from applications.ledger.importing import import_ledger, read
from applications.ledger.xlsx import write_rows
from applications.models import ImportJob
from projects.ledger import PROGRESS_COLUMNS
from projects.models import ProgressReport, ProjectPhase

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in PROGRESS_COLUMNS]
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=timezone.get_default_timezone())


def ledger(*rows: dict) -> bytes:
    keys = [c.key for c in PROGRESS_COLUMNS]
    return write_rows("工程进度", HEADERS, ([row.get(k) for k in keys] for row in rows))


def row(project, **values):
    base = {
        "number": project.number,
        "name": project.name,
        "project_manager": "项目经理甲",
        "percent": 40,
        "text": "立杆完成6基",
        "reported_on": date(2026, 3, 16),
    }
    return {**base, **values}


@pytest.fixture
def project(make_project):
    return make_project()


@pytest.fixture
def run(staff):
    def run_import(data, *, user=None, **kwargs):
        return import_ledger(
            kind=ImportJob.Kind.PROGRESS,
            table=read(ImportJob.Kind.PROGRESS, data),
            user=user or staff["project_manager"],
            reason="台账导入：进度.xlsx",
            now=NOW,
            **kwargs,
        )

    return run_import


def errors_of(outcome):
    return [(e.row, e.column, e.reason) for e in outcome.errors]


def test_reports_and_phase_dates_are_recorded_through_the_services(run, project):
    rows = [
        row(project, percent=20, text="设计完成，物资到货", reported_on=date(2026, 3, 13),
            design=date(2026, 3, 10), material="2026/3/12"),
        row(project, percent="45%", reported_on="2026-03-16", construction=date(2026, 3, 16)),
    ]  # fmt: skip
    outcome = run(ledger(*rows))
    assert not outcome.errors, errors_of(outcome)
    assert outcome.created == [project.number, project.number]
    reports = ProgressReport.objects.filter(project=project).order_by("reported_on")
    assert [(r.reported_on, r.percent, r.text) for r in reports] == [
        (date(2026, 3, 13), 20, "设计完成，物资到货"),
        (date(2026, 3, 16), 45, "立杆完成6基"),
    ]
    phases = dict(project.phases.values_list("phase", "actual_on"))
    assert phases["design"] == date(2026, 3, 10)
    assert phases["material"] == date(2026, 3, 12)
    assert phases["construction"] == date(2026, 3, 16)
    assert phases["completion"] is None
    project.refresh_from_db()
    assert (project.status, project.progress_percent) == ("construction", 45)


def test_re_importing_changes_nothing_and_a_changed_report_is_a_kept_correction(run, project):
    data = ledger(row(project, design=date(2026, 3, 10)))
    run(data)
    again = run(data)
    assert (again.created, again.updated, again.unchanged) == ([], [], [project.number])
    assert ProgressReport.objects.count() == 1
    changed = run(ledger(row(project, percent=50, design=date(2026, 3, 10))))
    assert changed.updated == [project.number]
    old, new = ProgressReport.objects.order_by("reported_at", "pk")
    assert old.superseded_at == NOW and (old.percent, new.percent) == (40, 50)
    assert new.correction_reason == "台账导入：进度.xlsx"


def test_bad_rows_name_the_row_column_and_reason(run, project, make_project, staff):
    rows = [
        row(project, percent=120),
        row(project, number="PJ-2026-99999", reported_on=date(2026, 3, 17)),
        row(project, project_manager="张三", reported_on=date(2026, 3, 18)),
        row(project, construction=date(2026, 3, 16), reported_on=date(2026, 3, 19)),
        row(project, reported_on=date(2026, 3, 25)),
    ]
    outcome = run(ledger(*rows), write=False)
    assert errors_of(outcome) == [
        (2, "进度(%)", "完成百分比须在 0 到 100 之间。"),
        (3, "工程编号", "系统中没有这个工程编号。"),
        (4, "项目经理", "与系统不符：本工程的项目经理是项目经理甲。"),
        (5, "开工日期", "须先登记前序节点：设计完成、物资到位。"),
        (6, "汇报日期", "不能填报未来日期的进度。"),
    ]


def test_only_the_project_s_manager_reports_and_going_back_needs_a_reason(
    run, project, staff, unit
):
    outcome = run(ledger(row(project)), user=staff["supervisor"], write=False)
    assert errors_of(outcome) == [(2, "工程编号", "您没有“填报工程进度日报”的权限。")]
    other = make_staff("pm2", role=roles.PROJECT_MANAGER, unit=unit, full_name="项目经理乙")
    outcome = run(ledger(row(project)), user=other, write=False)
    ((line, column, reason),) = errors_of(outcome)
    assert (line, column) == (2, "工程编号")
    assert reason.endswith("只有本工程的项目经理可以办理。")
    run(ledger(row(project, percent=60)))
    later = run(ledger(row(project, percent=50, reported_on=date(2026, 3, 17))), write=False)
    assert errors_of(later) == [
        (2, "进度(%)", "完成百分比低于2026-03-16的60%，进度回退须填写原因。")
    ]


def test_a_phase_date_differing_from_the_recorded_one_is_refused(run, project):
    run(ledger(row(project, design=date(2026, 3, 10))))
    outcome = run(ledger(row(project, design=date(2026, 3, 11))), write=False)
    assert errors_of(outcome) == [(2, "设计完成日期", "“设计完成”已登记于2026-03-10完成。")]
    assert ProjectPhase.objects.get(project=project, phase="design").actual_on == date(2026, 3, 10)


def test_export_then_import_changes_nothing(run, project, client, staff):
    run(ledger(row(project, design=date(2026, 3, 10))))
    client.force_login(staff["project_manager"])
    url = reverse("admin:projects_project_export")
    form = client.get(url).context["form"]
    columns = {name: "on" for name, field in form.fields.items() if field.initial is True}
    exported = client.post(url, {"format": "0", "resource": "0", **columns}).content
    sheet = load_workbook(io.BytesIO(exported)).active
    assert [c.value for c in sheet[1]] == HEADERS
    again = run(exported)
    assert not again.errors, errors_of(again)
    assert (again.created, again.updated, again.unchanged) == ([], [], [project.number])


def test_the_admin_imports_progress_with_preview_and_confirm(client, project, staff):
    client.force_login(staff["project_manager"])
    upload = client.post(
        reverse("admin:projects_project_import"),
        {
            "import_file": SimpleUploadedFile("进度.xlsx", ledger(row(project))),
            "format": "0",
            "resource": "0",
        },
    )
    assert upload.status_code == 200
    assert "确认后将新增 1 行、更新 0 行" in upload.text
    assert not ProgressReport.objects.exists()  # the preview rolled back
    done = client.post(
        reverse("admin:projects_project_process_import"),
        {k: v for k, v in upload.context["confirm_form"].initial.items() if v is not None},
    )
    job = ImportJob.objects.get()
    assert done.status_code == 302 and job.kind == "progress" and job.rows_created == 1
    assert ProgressReport.objects.get().percent == 40
    assert client.get(done.url).status_code == 200  # the manager sees the job's summary

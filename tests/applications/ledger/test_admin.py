"""The ledger in the admin: upload, preview, confirm, the job's page, export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django_q.conf import Conf
from openpyxl import load_workbook

from applications.models import Application, Customer, ImportJob, PersonalDataAccess

from . import factory as f

pytestmark = pytest.mark.django_db
IMPORT_URL = reverse("admin:applications_application_import")
PROCESS_URL = reverse("admin:applications_application_process_import")
EXPORT_URL = reverse("admin:applications_application_export")


def upload(client, data, name="西湖台账.xlsx", format_index="0"):
    return client.post(
        IMPORT_URL,
        {"import_file": SimpleUploadedFile(name, data), "format": format_index, "resource": "0"},
    )


def confirm(client, preview, **extra):
    data = {**preview.context["confirm_form"].initial, **extra}
    return client.post(PROCESS_URL, {k: v for k, v in data.items() if v is not None})


def test_upload_preview_confirm_then_the_job_s_summary(client, importer):
    client.force_login(importer)
    page = client.get(IMPORT_URL)
    assert page.status_code == 200 and "工单编号" in page.text  # the columns it expects
    preview = upload(client, f.xlsx([f.row(1), f.archived(2)]))
    assert preview.status_code == 200
    assert "确认后将新增 2 行、更新 0 行" in preview.text
    assert "勘查及方案答复 1" in preview.text and "已归档 1" in preview.text
    assert not Application.objects.exists()  # the preview was a dry run
    done = confirm(client, preview)
    job = ImportJob.objects.get()
    assert done.status_code == 302
    assert done.url == reverse("admin:applications_importjob_change", args=[job.pk])
    assert job.status == "done" and job.rows_created == 2
    page = client.get(done.url)
    assert page.status_code == 200 and "新增" in page.text
    progress = client.get(reverse("admin:applications_importjob_progress", args=[job.pk]))
    assert progress.json()["finished"] is True and progress.json()["created"] == 2


def test_bad_rows_are_listed_and_the_file_needs_skip_to_go_in(client, importer):
    client.force_login(importer)
    preview = upload(client, f.xlsx([f.row(1), f.row(2, state="待定")]))
    assert "1 行有错误" in preview.text
    assert "无法识别的环节“待定”" in preview.text
    refused = confirm(client, preview)
    assert refused.status_code == 200
    assert "请勾选“跳过错误行”" in refused.text
    assert not ImportJob.objects.exists()
    accepted = confirm(client, upload(client, f.xlsx([f.row(1), f.row(2, state="待定")])),
                       skip_errors="on")  # fmt: skip
    job = ImportJob.objects.get()
    assert accepted.status_code == 302 and job.rows_created == 1 and job.rows_with_errors == 1
    errors = client.get(reverse("admin:applications_importjob_errors", args=[job.pk]))
    assert errors.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(errors.streaming_content)))
    assert workbook.sheetnames == ["错误明细", "待修正的行"]
    (logged,) = PersonalDataAccess.objects.all()  # the rows as typed: personal data
    assert (logged.user, logged.action, logged.rows) == (importer, "export", 1)


def test_an_unreadable_upload_is_refused_on_the_form(client, importer):
    client.force_login(importer)
    encrypted = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600
    response = upload(client, encrypted, name="加密台账.xlsx")
    assert response.status_code == 200
    assert "文件已加密" in response.text


def test_a_gbk_csv_through_the_admin(client, importer):
    client.force_login(importer)
    preview = upload(client, f.csv_bytes([f.row(1)], encoding="gbk"), name="台账.csv",
                     format_index="2")  # fmt: skip
    assert "确认后将新增 1 行" in preview.text


def test_only_import_roles_see_and_use_the_import(client, staff):
    client.force_login(staff["customer_manager"])
    changelist = client.get(reverse("admin:applications_application_changelist"))
    assert IMPORT_URL not in changelist.text
    assert client.get(IMPORT_URL).status_code == 403
    client.force_login(staff["front_desk"])
    assert IMPORT_URL in client.get(reverse("admin:applications_application_changelist")).text


def test_one_sees_only_one_s_own_jobs(client, importer, staff):
    client.force_login(staff["front_desk"])
    upload_response = upload(client, f.xlsx([f.row(1, state="业务受理", state_changed_at=None)]))
    confirm(client, upload_response)
    job = ImportJob.objects.get()
    client.force_login(staff["customer_manager"])
    url = reverse("admin:applications_importjob_progress", args=[job.pk])
    assert client.get(url).status_code == 403
    client.force_login(importer)  # a supervisor sees every unit's imports
    assert client.get(url).status_code == 200


def test_export_writes_the_ledger_headers_and_neutralises_formulas(client, importer, run_import):
    run_import(f.xlsx([f.row(1)]))
    # What someone typed in the admin (or a CSV brought in): text that looks like a formula.
    Application.objects.update(note='=HYPERLINK("http://evil","点我")')
    Customer.objects.update(name="@SUM(1)")
    client.force_login(importer)
    form = client.get(EXPORT_URL).context["form"]
    columns = {name: "on" for name, field in form.fields.items() if field.initial is True}
    assert form.fields["applicationledgerresource_note"].label == "备注"
    response = client.post(EXPORT_URL, {"format": "0", "resource": "0", **columns})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(f.HEADERS)
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["备注"] == '\'=HYPERLINK("http://evil","点我")'
    assert values["户名"] == "'@SUM(1)"
    # A 主管 may not see whole numbers (applications.privacy): masked, as text.
    assert values["证件号码"] == "330106********0010"
    assert values["当前环节"] == "勘查及方案答复"
    assert values["客户经理"] == "客户经理甲（cm）"
    cells = {c.value: c for c in next(sheet.iter_rows(min_row=2, max_row=2))}
    assert all(c.data_type != "f" for c in cells.values())  # no formula anywhere


def test_metering_records_import_through_their_own_admin(client, importer, run_import):
    run_import(f.xlsx([f.row(1)]))
    client.force_login(importer)
    url = reverse("admin:applications_meteringrecord_import")
    data = f.metering_xlsx([("XH-2026-00001", "3301000012345", "2026-03-04")])
    preview = client.post(
        url, {"import_file": SimpleUploadedFile("装表.xlsx", data), "format": "0", "resource": "0"}
    )
    assert "确认后将新增 1 行" in preview.text
    done = client.post(
        reverse("admin:applications_meteringrecord_process_import"),
        preview.context["confirm_form"].initial,
    )
    assert done.status_code == 302
    assert Application.objects.get().metering_records.get().meter_number == "3301000012345"


def test_the_preview_lists_each_bad_row_with_its_excel_row_column_and_reason(client, importer):
    client.force_login(importer)
    data = f.xlsx([f.row(1), f.row(2, phone="12345"), f.row(3, state="待定")],
                  title_rows=[["西湖供电服务中心业扩台账"]])  # fmt: skip
    preview = upload(client, data)
    errors = [(e.row, e.column, e.value) for e in preview.context["result"].outcome.errors]
    assert errors == [(4, "联系电话", "12345"), (5, "当前环节", "待定")]
    assert "2 行有错误（共 2 处）" in preview.text
    assert "<td>4</td><td>联系电话</td><td>12345</td>" in preview.text
    assert "<td>5</td><td>当前环节</td><td>待定</td>" in preview.text


@override_settings(YEKUO_IMPORT_BACKGROUND_ROWS=2)
def test_a_big_file_goes_to_the_background_job_with_progress_and_summary(
    client, importer, monkeypatch
):
    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 runs the task inline
    client.force_login(importer)
    rows = [f.row(1), f.row(2), f.row(3, state="待定")]
    preview = upload(client, f.xlsx(rows))
    assert "文件较大：预览只做了校验" in preview.text
    done = confirm(client, preview, skip_errors="on")
    job = ImportJob.objects.get()
    assert job.task_id and done.url == reverse("admin:applications_importjob_change", args=[job.pk])
    page = client.get(done.url)
    assert 'class="yk-progress"' in page.text and 'id="job-summary"' in page.text
    progress = client.get(reverse("admin:applications_importjob_progress", args=[job.pk])).json()
    assert progress["finished"] is True and progress["percent"] == 100
    summary = {k: progress[k] for k in ("created", "updated", "unchanged", "rows_with_errors")}
    assert summary == {"created": 2, "updated": 0, "unchanged": 0, "rows_with_errors": 1}
    assert progress["error_file"]


def test_re_importing_changes_nothing_and_a_changed_row_is_an_update(client, importer):
    client.force_login(importer)
    rows = [f.row(1), f.row(2)]
    confirm(client, upload(client, f.xlsx(rows)))
    again = upload(client, f.xlsx(rows))
    assert "确认后将新增 0 行、更新 0 行，2 行与系统一致不作修改" in again.text
    confirm(client, again)
    assert Application.history.model.objects.count() == 0
    changed = upload(client, f.xlsx([f.row(1), f.row(2, site_address="西湖区新地址2号")]))
    assert "确认后将新增 0 行、更新 1 行，1 行与系统一致不作修改" in changed.text
    confirm(client, changed)
    job = ImportJob.objects.order_by("pk").last()
    assert (job.rows_created, job.rows_updated, job.rows_unchanged) == (0, 1, 1)
    app = Application.objects.get(number="XH-2026-00002")
    old, new = app.history.order_by("history_date", "history_id")
    assert (old.site_address, new.site_address) == ("西湖区幸福路2号", "西湖区新地址2号")
    assert new.history_user == importer and "台账导入" in new.history_change_reason

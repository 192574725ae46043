"""The monthly-summary admin: generate, print, Excel (formula-safe), and an issued summary
that no page changes."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.models import MonthlySummary
from monitoring.summary import services

from .test_summary import AT, generate


@pytest.mark.usefixtures("month_world")
def test_supervisor_generates_prints_and_exports(client, people, units):
    client.force_login(people["supervisor"])
    response = client.post(
        reverse("admin:monitoring_monthlysummary_generate"),
        {"unit": units["xihu"].pk, "month": "2026-03-15"},
    )
    assert response.status_code == 302
    summary = MonthlySummary.objects.get()
    assert summary.month.isoformat() == "2026-03-01"
    services.edit_summary(
        summary,
        people["supervisor"],
        overview=summary.overview,
        problems=summary.problems,
        actions=summary.actions,
        next_steps='=HYPERLINK("http://x")',
    )
    page = client.get(reverse("admin:monitoring_monthlysummary_change", args=[summary.pk]))
    assert "签发</a>" in page.content.decode()
    printed = client.get(reverse("admin:monitoring_monthlysummary_print", args=[summary.pk]))
    body = printed.content.decode()
    assert "西湖供电服务中心 2026年3月 业扩工作月度总结" in body
    assert "草稿（未签发）" in body

    export = client.get(reverse("admin:monitoring_monthlysummary_export", args=[summary.pk]))
    book = load_workbook(BytesIO(export.content))
    figures = list(book["主要指标"].iter_rows(values_only=True))
    assert figures[0] == ("指标", "本月", "上月", "环比变化", "去年同月", "同比变化")
    assert figures[1] == ("送电户数", 3, 2, 1, 1, 2)
    assert figures[2] == ("平均接电时长（工作日）", 4, 4, 0, 7, -3)
    text = {row[0]: row[1] for row in book["总结正文"].iter_rows(values_only=True)}
    assert text["下月工作安排"] == '\'=HYPERLINK("http://x")'  # never run as a formula


@pytest.mark.usefixtures("month_world")
def test_issued_summary_is_read_only_in_the_admin(client, people, units):
    summary = services.issue_summary(generate(people, units), people["supervisor"], at=AT)
    before = summary.overview
    client.force_login(people["supervisor"])
    change = reverse("admin:monitoring_monthlysummary_change", args=[summary.pk])
    assert "签发</a>" not in client.get(change).content.decode()
    assert client.post(change, {"overview": "改"}).status_code == 403
    edit = reverse("admin:monitoring_monthlysummary_edit", args=[summary.pk])
    assert client.post(edit, {"overview": "改"}).status_code == 403
    delete = reverse("admin:monitoring_monthlysummary_delete", args=[summary.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    summary.refresh_from_db()
    assert (summary.overview, summary.status) == (before, "issued")


@pytest.mark.usefixtures("month_world")
def test_inspector_reads_but_does_not_write(client, people, units):
    summary = generate(people, units)
    client.force_login(people["inspector"])
    change = reverse("admin:monitoring_monthlysummary_change", args=[summary.pk])
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:monitoring_monthlysummary_generate")).status_code == 403
    edit = reverse("admin:monitoring_monthlysummary_edit", args=[summary.pk])
    assert client.get(edit).status_code == 403

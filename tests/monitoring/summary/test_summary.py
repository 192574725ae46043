"""The monthly summary: its figures are the dashboard's for the same unit and month, its text
starts from the month's findings, and once issued it never changes."""

import pytest

from applications.models import ImmutableRecord
from applications.services.errors import TransitionRefused
from monitoring.models import MonthlySummary
from monitoring.models.supervision import NeverDeleted
from monitoring.summary import services

from .conftest import MARCH, local

AT = local(2026, 4, 2, 9)
QUERIES = {
    "current": ("2026-03-01", "2026-03-31"),
    "previous": ("2026-02-01", "2026-02-28"),
    "year_before": ("2025-03-01", "2025-03-31"),
}


def generate(people, units, **kwargs):
    kwargs = {"user": people["supervisor"], "unit": units["xihu"], "month": MARCH, **kwargs}
    return services.generate_summary(at=AT, **kwargs)


def total_row(report, name):
    return next(row for row in report.table(name).rows if row[0].value == "合计")


def labelled(report, name, label):
    return next(row for row in report.table(name).rows if row[0].value == label)[1].value


def dashboard_figures(client, unit, start, end) -> dict:
    """The same figures read off the dashboard page for the unit and the period."""
    report = client.get("/dashboard/", {"start": start, "end": end, "unit": unit.pk}).context[
        "report"
    ]
    connection, stages = total_row(report, "connection"), total_row(report, "stages")
    return {
        "energized": connection[1].value,
        "connection_average": connection[2].value,
        "late_connections": connection[9].value,
        "clocks_finished": stages[2].value,
        "clocks_breached": stages[3].value,
        "overdue_rate": stages[4].value,
        "letters_issued": labelled(report, "supervision", "统计期内签发意见书"),
        "cases_found": labelled(report, "supervision", "统计期内发现线索"),
    }


@pytest.mark.usefixtures("month_world")
def test_figures_equal_the_dashboards_for_the_same_filters(client, people, units):
    summary = generate(people, units)
    client.force_login(people["supervisor"])
    for key, (start, end) in QUERIES.items():
        ours = summary.figures["periods"][key]
        theirs = dashboard_figures(client, units["xihu"], start, end)
        assert {name: ours[name] for name in theirs} == theirs, key


@pytest.mark.usefixtures("month_world")
def test_figures_written_out(people, units):
    periods = generate(people, units).figures["periods"]
    assert periods["current"] == {
        "start": "2026-03-01",
        "end": "2026-03-31",
        "energized": 3,
        "connection_average": 4.0,
        "late_connections": 1,
        "clocks_finished": 12,
        "clocks_breached": 1,
        "overdue_rate": 1 / 12,
        "complaints": 1,
        "letters_issued": 3,
        "cases_found": 2,
        "items_opened": 2,
        "items_closed": 2,
        "items_open": 1,
    }
    previous = periods["previous"]
    assert [previous[k] for k in ("energized", "connection_average", "clocks_finished")] == [
        2,
        4.0,
        8,
    ]
    assert [previous[k] for k in ("complaints", "letters_issued", "cases_found")] == [1, 0, 1]
    assert [previous[k] for k in ("items_opened", "items_closed", "items_open")] == [1, 0, 1]
    year = periods["year_before"]
    assert [year[k] for k in ("energized", "connection_average", "clocks_finished")] == [1, 7.0, 4]


@pytest.mark.usefixtures("month_world")
def test_draft_text_comes_from_the_data(people, units):
    summary = generate(people, units)
    assert summary.overview == (
        "本月送电3户，平均接电时长4.00个工作日（上月4.00，去年同月7.00）；办结环节12个，超期1个，"
        "超期率8.3%（上月0.0%）；受理投诉1件；签发监督意见书3份，发现监督线索2条；"
        "督办事项新增2项、办结2项，月末未办结1项。"
    )
    problems = summary.figures["problems"]
    assert [len(problems[k]) for k in ("cases", "letters", "disagreements")] == [2, 3, 0]
    assert summary.problems.splitlines()[0] == "（一）监督线索"
    assert summary.figures["actions"]["items"] == [
        "督办事项“整改线外流转”按期完成",
        "督办事项“补齐档案”超期完成",
    ]
    assert summary.actions == (
        "（四）督办事项办结\n1. 督办事项“整改线外流转”按期完成\n2. 督办事项“补齐档案”超期完成"
    )
    assert (summary.status, summary.created_by) == ("draft", people["supervisor"])


@pytest.mark.usefixtures("month_world")
def test_draft_is_edited_then_issued_and_frozen(people, units):
    summary = generate(people, units)
    supervisor = people["supervisor"]
    services.edit_summary(
        summary, supervisor, overview="总体平稳", problems="问题", actions="措施", next_steps="计划"
    )
    issued = services.issue_summary(summary, supervisor, at=AT)
    assert (issued.status, issued.issued_by, issued.issued_at) == ("issued", supervisor, AT)
    refusal = ["月度总结已是“已签发”，不能再修改。"]
    for attempt in (
        lambda: services.edit_summary(
            issued, supervisor, overview="改", problems="", actions="", next_steps=""
        ),
        lambda: services.refresh_figures(issued, supervisor),
        lambda: services.issue_summary(issued, supervisor),
        lambda: services.void_summary(issued, supervisor, reason="写错了"),
    ):
        with pytest.raises(TransitionRefused) as refused:
            attempt()
        assert refused.value.reasons == refusal
    issued.overview = "改"
    with pytest.raises(ImmutableRecord):
        issued.save()
    with pytest.raises(ImmutableRecord):
        MonthlySummary.objects.filter(pk=issued.pk).update(overview="改")
    with pytest.raises(NeverDeleted):
        issued.delete()
    with pytest.raises(NeverDeleted):
        MonthlySummary.objects.all().delete()
    issued.refresh_from_db()
    assert (issued.overview, issued.next_steps) == ("总体平稳", "计划")


@pytest.mark.usefixtures("month_world")
def test_one_summary_per_unit_and_month_void_with_reason(people, units):
    first = generate(people, units)
    with pytest.raises(TransitionRefused) as refused:
        generate(people, units)
    assert refused.value.reasons == ["西湖供电服务中心 2026年03月 的月度总结已存在（草稿）。"]
    with pytest.raises(TransitionRefused) as refused:
        services.void_summary(first, people["supervisor"], reason="")
    assert refused.value.reasons == ["作废须说明原因。"]
    services.void_summary(first, people["supervisor"], reason="单位选错")
    assert generate(people, units).status == "draft"


@pytest.mark.usefixtures("month_world")
def test_only_supervisors_write_summaries(people, units):
    with pytest.raises(TransitionRefused) as refused:
        generate(people, units, user=people["inspector"])
    assert refused.value.reasons == ["您没有“编写月度总结”的权限。"]
    with pytest.raises(TransitionRefused) as refused:
        generate(people, units, user=people["cm_xihu"])
    assert refused.value.reasons == ["您没有“编写月度总结”的权限。"]

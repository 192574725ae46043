"""Meeting records: minutes written and issued (then frozen), voided with a reason and never
deleted, seen only in their unit, printed and exported to Excel (formula-safe)."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from applications.services.errors import TransitionRefused
from monitoring.meetings import services
from monitoring.models import Meeting
from monitoring.models.supervision import NeverDeleted

from ..dashboard.conftest import local, make_app, make_clock

HELD = local(2026, 3, 10, 8, 30)
MINUTES = '=HYPERLINK("http://x")开头的纪要：各客户经理当日清零超期环节。'


@pytest.fixture
def meeting(units, people):
    return services.create_meeting(
        kind=Meeting.Kind.MORNING, unit=units["xihu"], held_at=HELD, chair=people["supervisor"],
        attendees=[people["cm_xihu"]], topic="超期清零", user=people["supervisor"], at=HELD,
    )  # fmt: skip


def written(meeting, people):
    meeting = services.write_minutes(
        meeting, user=people["supervisor"], minutes=MINUTES, decisions="超期环节当日办结",
        problems="客户反映勘查预约难",
    )  # fmt: skip
    services.add_action_item(
        meeting,
        user=people["supervisor"],
        title="联系客户重新预约勘查",
        owner=people["cm_xihu"],
        due_on=date(2026, 3, 12),
        at=HELD,
    )
    return meeting


def overdue_count(meeting) -> str:
    summary = next(t for t in meeting.agenda["tables"] if t["key"] == "summary")
    return dict(summary["rows"])["已超期"]


def test_the_agenda_refreshes_while_drafting_and_is_frozen_once_issued(meeting, units, people):
    assert overdue_count(meeting) == "0"
    app = make_app(units["xihu"], manager=people["cm_xihu"], state="scheme")
    make_clock(app, "scheme", started=local(2026, 3, 3, 9), due=local(2026, 3, 10))
    meeting = services.refresh_agenda(meeting, user=people["supervisor"], at=local(2026, 3, 10, 9))
    assert overdue_count(meeting) == "1"
    with pytest.raises(TransitionRefused) as refused:
        services.issue_minutes(meeting, user=people["supervisor"])
    assert refused.value.reasons == ["请先撰写会议纪要。"]
    meeting = services.issue_minutes(written(meeting, people), user=people["supervisor"])
    assert meeting.status == "issued"
    with pytest.raises(TransitionRefused) as refused:
        services.refresh_agenda(meeting, user=people["supervisor"])
    assert refused.value.reasons == ["会议记录纪要已印发，不能再修改。"]
    with pytest.raises(TransitionRefused):
        services.write_minutes(meeting, user=people["supervisor"], minutes="改写")
    meeting.refresh_from_db()
    assert (meeting.minutes, overdue_count(meeting)) == (MINUTES, "1")


def test_minutes_are_written_by_supervisors_only(meeting, people):
    with pytest.raises(TransitionRefused) as refused:
        services.write_minutes(meeting, user=people["cm_xihu"], minutes="纪要")
    assert refused.value.reasons == ["您没有“记录会议、撰写并印发会议纪要”的权限。"]


def test_voiding_needs_a_reason_and_nothing_is_deleted(client, meeting, people):
    with pytest.raises(TransitionRefused) as refused:
        services.void_meeting(meeting, user=people["supervisor"], reason="  ")
    assert refused.value.reasons == ["作废须说明原因。"]
    with pytest.raises(TransitionRefused) as refused:
        services.void_meeting(meeting, user=people["cm_xihu"], reason="错了")
    assert refused.value.reasons == ["您没有“作废会议记录”的权限。"]
    voided = services.void_meeting(meeting, user=people["supervisor"], reason="主持人登记错误")
    assert (voided.status, voided.void_reason) == ("void", "主持人登记错误")

    with pytest.raises(NeverDeleted, match="会议记录不能删除，只能作废并说明原因。"):
        voided.delete()
    with pytest.raises(NeverDeleted):
        Meeting.objects.all().delete()
    client.force_login(people["supervisor"])
    delete_url = reverse("admin:monitoring_meeting_delete", args=[meeting.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_the_admin_void_page_refuses_an_empty_reason(client, meeting, people):
    client.force_login(people["supervisor"])
    url = reverse("admin:monitoring_meeting_void", args=[meeting.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    client.force_login(people["cm_xihu"])
    assert client.get(url).status_code == 403


def test_staff_see_only_their_units_meetings(client, meeting, people):
    change = reverse("admin:monitoring_meeting_change", args=[meeting.pk])
    client.force_login(people["cm_xihu"])
    assert (
        client.get(reverse("admin:monitoring_meeting_changelist")).context["cl"].result_count == 1
    )
    assert client.get(change).status_code == 200
    client.force_login(people["cm_yuhang"])
    assert (
        client.get(reverse("admin:monitoring_meeting_changelist")).context["cl"].result_count == 0
    )
    assert client.get(change).status_code == 302  # the admin's "not found" redirect
    print_url = reverse("admin:monitoring_meeting_print", args=[meeting.pk])
    assert client.get(print_url).status_code == 404


def test_print_and_excel_contain_the_minutes(client, meeting, people):
    written(meeting, people)
    client.force_login(people["cm_xihu"])
    page = client.get(reverse("admin:monitoring_meeting_print", args=[meeting.pk]))
    html = page.content.decode()
    for expected in ("会议纪要", "超期清零", "客户反映勘查预约难", "超期环节当日办结",
                     "各客户经理当日清零超期环节", "联系客户重新预约勘查", "2026-03-12",
                     "会议议程", "昨日流转"):  # fmt: skip
        assert expected in html
    response = client.get(reverse("admin:monitoring_meeting_xlsx", args=[meeting.pk]))
    workbook = load_workbook(BytesIO(response.content))
    overview = [[c.value for c in row] for row in workbook["说明"].iter_rows()]
    assert ["会议主题", "超期清零"] in overview and ["参会人员", "西湖经理"] in overview
    minutes = [[c.value for c in row] for row in workbook["会议纪要"].iter_rows()]
    assert minutes == [
        ["项目", "内容"],
        ["客户经理反映的问题", "客户反映勘查预约难"],
        ["会议决定", "超期环节当日办结"],
        ["会议纪要", "'" + MINUTES],  # a formula start made inert
    ]
    items = [[c.value for c in row] for row in workbook["会议待办"].iter_rows()]
    assert items[1][:4] == ["联系客户重新预约勘查", "西湖经理", "2026-03-12", "办理中"]
    # The frozen agenda follows, one sheet per table (the briefing's summary first).
    assert workbook.sheetnames[:4] == ["说明", "会议纪要", "会议待办", "概况"]


def test_a_supervisor_records_a_meeting_on_the_admin_page(client, units, people):
    client.force_login(people["supervisor"])
    response = client.post(
        reverse("admin:monitoring_meeting_new"),
        {"kind": "weekly", "unit": units["xihu"].pk, "held_at": "2026-03-16T09:00",
         "topic": "周例会", "chair": people["supervisor"].pk,
         "attendees": [people["cm_xihu"].pk, people["supervisor"].pk]},
    )  # fmt: skip
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.kind, meeting.unit, meeting.held_at) == (
        "weekly",
        units["xihu"],
        local(2026, 3, 16, 9),
    )
    assert meeting.agenda["title"] == "周例会材料（2026年第11周）"
    page = client.get(reverse("admin:monitoring_meeting_change", args=[meeting.pk]))
    assert (
        "方案集体决策" in page.content.decode() and "待集体决策的供电方案" in page.content.decode()
    )

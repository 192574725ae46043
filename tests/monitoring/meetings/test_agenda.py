"""The agenda of a morning and a weekly meeting, generated from a hand-made data set.

西湖 is a station under 杭州市供电公司; the supervisor (company level) records both meetings.
The morning meeting is Tue 10 Mar 2026 at 08:30, its agenda generated at 08:00: "yesterday" is
Mon 9 Mar. The weekly meeting is Mon 16 Mar 2026 and looks back on ISO week 11 (9–15 Mar).
"""

from datetime import date, timedelta

import pytest

from applications.models import SchemeApproval, SchemeReview, SurveyRecord, TransitionLog
from monitoring import deadlines
from monitoring.meetings import services
from monitoring.models import Deadline, Meeting
from projects.models import Project, ProjectPhase

from ..dashboard.conftest import local, make_app, make_callback, make_case, make_clock, make_letter

MORNING_AT, MORNING_NOW = local(2026, 3, 10, 8, 30), local(2026, 3, 10, 8)
WEEKLY_AT = local(2026, 3, 16, 9)


def frozen(meeting, key):
    return next(t for t in meeting.agenda["tables"] if t["key"] == key)


def rows(meeting, key):
    return frozen(meeting, key)["rows"]


@pytest.fixture
def morning_world(units, people):
    xihu, cm = units["xihu"], people["cm_xihu"]
    late = make_app(xihu, manager=cm, state="scheme")
    late.customer.name = "西湖电子厂"
    late.customer.save()
    make_clock(late, "scheme", started=local(2026, 3, 3, 9), due=local(2026, 3, 10))
    due = make_app(xihu, manager=cm, state="energize")
    make_clock(due, "energize", started=local(2026, 3, 6, 9), due=local(2026, 3, 10, 18),
               warn=local(2026, 3, 9))  # fmt: skip
    elsewhere = make_app(units["yuhang"], manager=people["cm_yuhang"], state="scheme")
    make_clock(elsewhere, "scheme", started=local(2026, 3, 2, 9), due=local(2026, 3, 5))
    TransitionLog.objects.create(application=late, transition="advance", from_state="accept",
                                 to_state="scheme", actor=cm, transition_label="完成受理",
                                 at=local(2026, 3, 9, 14))  # fmt: skip
    SurveyRecord.objects.create(application=late, leader=cm, surveyed_at=local(2026, 3, 9, 10),
                                findings="具备接入条件，需新立一基杆")  # fmt: skip
    make_callback(late, "first", due=local(2026, 3, 10, 12))
    make_case(xihu, found=local(2026, 3, 5), application=late, responsible=cm)
    return {"late": late, "due": due}


def test_morning_agenda_lists_yesterday_today_overdue_callbacks_cases(units, people, morning_world):
    meeting = services.create_meeting(
        kind=Meeting.Kind.MORNING, unit=units["xihu"], held_at=MORNING_AT,
        chair=people["supervisor"], attendees=[people["cm_xihu"]], user=people["supervisor"],
        at=MORNING_NOW,
    )  # fmt: skip
    late, due = morning_world["late"], morning_world["due"]
    assert meeting.agenda["title"] == "晨会简报"
    assert meeting.agenda_generated_at == MORNING_NOW
    assert [t["key"] for t in meeting.agenda["tables"]] == [
        "summary", "transitions", "surveys", "due_today", "overdue", "likely_late",
        "callbacks_due", "open_cases", "open_letters",
    ]  # fmt: skip
    assert rows(meeting, "summary") == [
        ["昨日流转", "1"], ["今日到期", "1"], ["预警中", "1"], ["已超期", "1"], ["今日待回访", "1"],
        ["待核实监督线索", "1"], ["未关闭意见书", "0"],
    ]  # fmt: skip
    assert rows(meeting, "transitions") == [
        ["2026-03-09 14:00", late.number, "西湖电子厂", "业务受理", "勘查及方案答复", "完成受理",
         "西湖经理"],
    ]  # fmt: skip
    assert rows(meeting, "surveys") == [
        [late.number, "西湖电子厂", "西湖经理", "2026-03-09 10:00", "具备接入条件，需新立一基杆"],
    ]
    assert rows(meeting, "due_today") == [
        [due.number, due.customer.name, "西湖供电服务中心", "装表接电", "西湖经理",
         "2026-03-10 18:00", ""],
    ]  # fmt: skip
    # Due at 24:00 Mon 9 Mar: one working day late on Tue 10 Mar; 余杭's is not 西湖's meeting.
    assert rows(meeting, "overdue") == [
        [late.number, "西湖电子厂", "西湖供电服务中心", "勘查及方案答复", "西湖经理",
         "2026-03-10 00:00", "1"],
    ]  # fmt: skip
    (call,) = rows(meeting, "callbacks_due")
    assert call[:2] + call[3:] == [late.number, "西湖电子厂", "受理回访", "待回访", "",
                                   "2026-03-10 12:00"]  # fmt: skip
    assert call[2] == "138****0000"  # the record is read by the whole unit: phones masked
    (case,) = rows(meeting, "open_cases")
    assert case[1] == late.number and case[4:] == ["西湖供电服务中心", "西湖经理"]


def test_ad_hoc_meeting_has_no_generated_agenda(units, people):
    meeting = services.create_meeting(
        kind=Meeting.Kind.AD_HOC, unit=units["xihu"], held_at=MORNING_AT,
        chair=people["supervisor"], attendees=[], user=people["supervisor"], at=MORNING_NOW,
    )  # fmt: skip
    assert meeting.agenda == {}


@pytest.fixture
def weekly_world(units, people):
    xihu, yuhang, cm = units["xihu"], units["yuhang"], people["cm_xihu"]
    hv = make_app(xihu, customer_class="hv_single", manager=cm, state="scheme")
    review = SchemeReview.objects.create(application=hv, round=2, submitted_by=cm,
                                         submitted_at=local(2026, 3, 12, 15))  # fmt: skip
    for dept, decision in [("marketing", "approved"), ("operations", "pending"),
                           ("dispatch", "pending")]:  # fmt: skip
        SchemeApproval.objects.create(review=review, department=dept, decision=decision,
                                      requested_at=review.submitted_at)  # fmt: skip
    drawing = make_app(xihu, customer_class="hv_single", manager=cm, state="design_review")
    make_clock(drawing, "design_review", started=local(2026, 3, 12, 9),
               due=local(2026, 3, 18))  # fmt: skip
    pm = people["supervisor"]
    behind = Project.objects.create(number="GC-2026-007", name="幸福线新立杆工程", unit=xihu,
                                    project_manager=pm, status="construction")  # fmt: skip
    ProjectPhase.objects.create(project=behind, phase="design", planned_on=date(2026, 3, 2),
                                actual_on=date(2026, 3, 2))  # fmt: skip
    ProjectPhase.objects.create(project=behind, phase="completion", planned_on=date(2026, 3, 13))
    on_plan = Project.objects.create(number="GC-2026-008", name="按期工程", unit=xihu,
                                     project_manager=pm)  # fmt: skip
    ProjectPhase.objects.create(project=on_plan, phase="design", planned_on=date(2026, 3, 20))
    item = {"kind": Deadline.Kind.SUPERVISION_ITEM, "responsible": cm,
            "started_at": local(2026, 3, 2, 9)}  # fmt: skip
    deadlines.start(hv, **item, key="d1", label="督办：幸福线改造提速", unit=xihu,
                    due_at=date(2026, 3, 20))  # fmt: skip
    deadlines.start(
        hv, **item, key="d2", label="督办：已办结的", unit=xihu, due_at=date(2026, 3, 6)
    )
    deadlines.finish(hv, key="d2", at=local(2026, 3, 5))
    deadlines.start(
        hv, **item, key="d3", label="督办：余杭的", unit=yuhang, due_at=date(2026, 3, 20)
    )
    make_letter(xihu, by=pm, category="off_system", status="issued", issued=local(2026, 3, 11),
                due=date(2026, 3, 31), responsible=[cm])  # fmt: skip
    return {"hv": hv, "drawing": drawing}


def test_weekly_agenda_lists_schemes_drawings_projects_items_and_letters(
    units, people, weekly_world
):
    meeting = services.create_meeting(
        kind=Meeting.Kind.WEEKLY, unit=units["xihu"], held_at=WEEKLY_AT,
        chair=people["supervisor"], attendees=[people["cm_xihu"]], user=people["supervisor"],
        at=WEEKLY_AT - timedelta(hours=1),
    )  # fmt: skip
    hv, drawing = weekly_world["hv"], weekly_world["drawing"]
    assert meeting.agenda["title"] == "周例会材料（2026年第11周）"
    assert [t["key"] for t in meeting.agenda["tables"]][:4] == [
        "schemes_waiting", "design_review", "projects_behind", "supervision_items",
    ]  # fmt: skip
    assert rows(meeting, "schemes_waiting") == [
        [hv.number, hv.customer.name, "高压单电源", "2", "2026-03-12 15:00", "调控中心、运检部"],
    ]
    assert rows(meeting, "design_review") == [
        [drawing.number, drawing.customer.name, "西湖供电服务中心", "设计文件审查", "西湖经理",
         "2026-03-18 00:00", ""],
    ]  # fmt: skip
    assert rows(meeting, "projects_behind") == [
        ["GC-2026-007", "幸福线新立杆工程", "主管", "施工中", "竣工（2026-03-13）"],
    ]
    assert rows(meeting, "supervision_items") == [
        ["督办：幸福线改造提速", "西湖经理", "2026-03-21 00:00", "计时中"],
    ]
    (letter,) = rows(meeting, "open_letters")
    assert letter[1:3] == ["线外流转", "西湖供电服务中心"]

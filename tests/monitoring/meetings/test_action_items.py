"""Action items run on the time-limit engine: warned, alerted and escalated by the sweep, judged
when done, withdrawn with the meeting.

Set at the morning meeting of Wed 30 Sep 2026, due Sat 10 Oct (a make-up working day after the
National Day holiday): due 24:00 Sat 10 Oct, warned from 00:00 that day; overdue by 2 working
days (Mon 12, Tue 13) from 00:00 Wed 14 Oct, by 5 from 00:00 Sat 17 Oct.
"""

from datetime import date, timedelta

import pytest

from applications.services.errors import TransitionRefused
from monitoring import deadlines
from monitoring.meetings import services
from monitoring.models import ActionItem, Alert, Deadline, Meeting
from monitoring.sweep import run_sweep

from ..sweeping import ESCALATION, OVERDUE, WARNING, local

HELD = local(2026, 9, 30, 8, 30)
WARN, DUE = local(2026, 10, 10), local(2026, 10, 11)
LEVEL_2, LEVEL_3 = local(2026, 10, 14), local(2026, 10, 17)


@pytest.fixture
def meeting(unit, staff):
    return services.create_meeting(
        kind=Meeting.Kind.MORNING, unit=unit, held_at=HELD, chair=staff["supervisor"],
        attendees=[staff["customer_manager"]], user=staff["supervisor"], at=HELD,
    )  # fmt: skip


@pytest.fixture
def item(meeting, staff):
    return services.add_action_item(
        meeting, user=staff["supervisor"], title="催办幸福线配套工程",
        owner=staff["customer_manager"], due_on=date(2026, 10, 10), at=HELD,
    )  # fmt: skip


def raised(deadline):
    return set(Alert.objects.filter(deadline=deadline).values_list("kind", "level"))


def test_an_action_item_warns_and_escalates_via_the_sweep(item, staff):
    deadline = deadlines.open_for(item, services.ACTION_KEY)
    assert (deadline.kind, deadline.started_at, deadline.warn_at, deadline.due_at) == (
        Deadline.Kind.ACTION_ITEM, HELD, WARN, DUE,
    )  # fmt: skip
    assert (deadline.responsible, deadline.unit) == (staff["customer_manager"], item.meeting.unit)
    assert deadline.label == "每日晨会 2026-09-30（西湖供电服务中心）：催办幸福线配套工程"
    run_sweep(WARN - timedelta(seconds=1))
    assert raised(deadline) == set()
    run_sweep(WARN)
    assert raised(deadline) == {(WARNING, 0)}
    run_sweep(DUE)
    run_sweep(LEVEL_2)
    run_sweep(LEVEL_3)
    assert raised(deadline) == {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2), (ESCALATION, 3)}


def test_done_judges_the_deadline_met_or_late(item, meeting, staff):
    done = services.complete_action_item(
        item, user=staff["customer_manager"], result="已协调施工队10月9日进场", at=WARN
    )
    assert (done.status, done.closed_by, done.closed_at) == (
        "done",
        staff["customer_manager"],
        WARN,
    )
    (deadline,) = deadlines.for_subject(item)
    assert (deadline.outcome, deadline.stopped_at) == ("met", WARN)
    late = services.add_action_item(meeting, user=staff["supervisor"], title="补齐档案",
                                    owner=staff["front_desk"], due_on=date(2026, 10, 10),
                                    at=HELD)  # fmt: skip
    services.complete_action_item(late, user=staff["supervisor"], result="已补齐", at=LEVEL_2)
    assert deadlines.for_subject(late).get().outcome == "breached"


def test_only_the_owner_or_a_supervisor_reports_it_done_with_a_result(item, staff):
    with pytest.raises(TransitionRefused) as refused:
        services.complete_action_item(item, user=staff["front_desk"], result="已办")
    assert refused.value.reasons == ["只有责任人或主管可以登记该待办的办理结果。"]
    with pytest.raises(TransitionRefused) as refused:
        services.complete_action_item(item, user=staff["customer_manager"], result=" ")
    assert refused.value.reasons == ["请写明办理结果或撤销原因。"]


def test_voiding_the_meeting_withdraws_its_open_items(item, meeting, staff):
    services.void_meeting(meeting, user=staff["supervisor"], reason="重复登记", at=WARN)
    item.refresh_from_db()
    assert (item.status, item.result) == ("cancelled", "会议记录已作废：重复登记")
    (deadline,) = deadlines.for_subject(item)
    assert (deadline.outcome, deadline.cancel_reason) == ("cancelled", "会议记录已作废：重复登记")
    run_sweep(LEVEL_3)
    assert raised(deadline) == set()
    assert ActionItem.objects.filter(status="open").count() == 0

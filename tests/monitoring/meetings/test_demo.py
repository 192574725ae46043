"""The demo's meetings: a morning meeting with issued minutes and a weekly meeting that decided
a scheme collectively, made once through the services."""

from applications import roles
from applications.demo import ensure_approvers, make_staff
from applications.models import Unit
from monitoring.meetings import demo
from monitoring.models import Meeting, SchemeDecision

from ..sweeping import local


def test_demo_meetings(db):
    head = Unit.objects.create(code="hangzhou", name="杭州市供电公司")
    xihu = Unit.objects.create(code="xihu", name="西湖供电服务中心", parent=head)
    supervisor = make_staff("zhuguan", role=roles.SUPERVISOR, unit=head, full_name="王主管")
    make_staff("leader_xihu", role=roles.SUPERVISOR, unit=xihu)
    make_staff("front_xihu", role=roles.FRONT_DESK, unit=xihu)
    make_staff("pm_xihu", role=roles.PROJECT_MANAGER, unit=xihu)
    for i in (1, 2):
        make_staff(f"cm_xihu{i}", role=roles.CUSTOMER_MANAGER, unit=xihu)
    ensure_approvers(head)
    now = local(2026, 3, 11, 10)
    lines = demo.load(supervisor=supervisor, now=now)
    assert lines[0] == "已生成会议记录：每日晨会 2026-03-11（西湖供电服务中心）（纪要已印发）"
    morning = Meeting.objects.get(kind="morning")
    assert (morning.status, morning.action_items.count()) == ("issued", 1)
    weekly = Meeting.objects.get(kind="weekly")
    assert (weekly.status, weekly.held_at) == ("draft", local(2026, 3, 9, 9))
    decision = SchemeDecision.objects.get(meeting=weekly)
    assert decision.approved and decision.review.status == "approved"
    assert decision.votes.count() == 4  # three departments' approvers and the supervisor
    assert demo.load(supervisor=supervisor) == ["会议演示数据已存在，未重复载入。"]

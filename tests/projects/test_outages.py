"""Outage plans: the live-line rule, dispatch-only approval (service and admin), windows."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.services.errors import TransitionRefused
from applications.states import Department
from projects.models import OutagePlan
from projects.services import outages

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _window(days=3, hours=4):
    start = (timezone.now() + timedelta(days=days)).astimezone(SHANGHAI)
    start = start.replace(hour=8, minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=hours)


@pytest.fixture
def submitted(make_project, staff):
    start, end = _window()
    plan = outages.save_draft(
        user=staff["project_manager"],
        plan=OutagePlan(
            project=make_project(),
            kind=OutagePlan.Kind.WEEKLY,
            description="10kV 西湖线 12 号杆 T 接，停 12–18 号杆段",
            requested_start=start,
            requested_end=end,
        ),
    )
    return outages.submit(user=staff["project_manager"], plan=plan)


def test_live_line_work_needs_no_outage_so_only_exempt(make_project, staff):
    start, end = _window()
    plan = OutagePlan(
        project=make_project(),
        kind=OutagePlan.Kind.TEMPORARY,
        live_line=True,
        description="带电搭接",
        requested_start=start,
        requested_end=end,
    )

    with pytest.raises(TransitionRefused) as refused:
        outages.save_draft(user=staff["project_manager"], plan=plan)
    assert refused.value.reasons == ["带电作业不需要停电，停电类型只能是“免申报”。"]

    plan.kind = OutagePlan.Kind.EXEMPT
    assert outages.save_draft(user=staff["project_manager"], plan=plan).pk is not None


def test_dispatch_approves_the_requested_window(submitted, dispatcher):
    plan = outages.approve(user=dispatcher, plan=submitted)

    assert plan.status == OutagePlan.Status.APPROVED
    assert (plan.approved_start, plan.approved_end) == (
        submitted.requested_start,
        submitted.requested_end,
    )
    assert plan.decided_by == dispatcher


def test_other_approvers_and_staff_may_not_approve(submitted, staff):
    marketing = staff["approvers"][Department.MARKETING]

    with pytest.raises(TransitionRefused) as refused:
        outages.approve(user=marketing, plan=submitted)
    assert refused.value.reasons == ["停电计划只能由调控中心的审批人审批。"]

    with pytest.raises(TransitionRefused) as refused:
        outages.approve(user=staff["project_manager"], plan=submitted)
    assert refused.value.reasons == ["您没有“审批停电计划（调控）”的权限。"]


def test_a_window_outside_the_request_needs_a_reason(submitted, dispatcher):
    later = submitted.requested_end + timedelta(hours=2)

    with pytest.raises(TransitionRefused) as refused:
        outages.approve(user=dispatcher, plan=submitted, start=submitted.requested_start, end=later)
    start = submitted.requested_start.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    end = submitted.requested_end.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert refused.value.reasons == [f"批准时段超出申请时段（{start} 至 {end}），须填写理由。"]

    plan = outages.approve(
        user=dispatcher,
        plan=submitted,
        start=submitted.requested_start,
        end=later,
        note="同日另有检修，合并停电",
    )
    assert (plan.approved_end, plan.decision_note) == (later, "同日另有检修，合并停电")


def test_a_rejected_plan_is_corrected_and_submitted_again(submitted, dispatcher, staff):
    with pytest.raises(TransitionRefused) as refused:
        outages.reject(user=dispatcher, plan=submitted, reason=" ")
    assert refused.value.reasons == ["驳回停电计划须说明原因。"]

    rejected = outages.reject(user=dispatcher, plan=submitted, reason="与主网检修冲突")
    assert (rejected.status, rejected.decision_note) == (
        OutagePlan.Status.REJECTED,
        "与主网检修冲突",
    )

    again = outages.submit(user=staff["project_manager"], plan=rejected)
    assert (again.status, again.decision_note) == (OutagePlan.Status.SUBMITTED, "")


def test_an_approved_plan_cannot_be_approved_again(submitted, dispatcher):
    outages.approve(user=dispatcher, plan=submitted)

    with pytest.raises(TransitionRefused) as refused:
        outages.approve(user=dispatcher, plan=submitted)
    assert refused.value.reasons == ["停电计划当前为“已批准”，不能批准。"]


def test_admin_approval_page_dispatch_yes_others_refused(client, submitted, dispatcher, staff):
    url = reverse("admin:projects_outageplan_action", args=[submitted.pk, "approve"])

    client.force_login(staff["approvers"][Department.MARKETING])
    page = client.get(url)
    assert "停电计划只能由调控中心的审批人审批。" in page.content.decode()
    client.post(url, {"note": ""})  # a hand-made POST changes nothing
    submitted.refresh_from_db()
    assert submitted.status == OutagePlan.Status.SUBMITTED

    client.force_login(dispatcher)
    response = client.post(url, {"note": ""})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == OutagePlan.Status.APPROVED


def test_dispatch_of_another_unit_is_refused(submitted, other_unit):
    from applications import roles
    from applications.demo import make_staff

    elsewhere = make_staff(
        "dispatch_yh", role=roles.APPROVER, unit=other_unit, department=Department.DISPATCH
    )

    with pytest.raises(TransitionRefused) as refused:
        outages.approve(user=elsewhere, plan=submitted)
    assert refused.value.reasons == ["该事项属于西湖供电服务中心，您只能办理本单位的业务。"]


def test_a_plan_starting_in_the_past_cannot_be_submitted(make_project, staff):
    start = datetime(2026, 1, 5, 8, 0, tzinfo=SHANGHAI)
    plan = outages.save_draft(
        user=staff["project_manager"],
        plan=OutagePlan(
            project=make_project(),
            kind=OutagePlan.Kind.TEMPORARY,
            description="临时停电",
            requested_start=start,
            requested_end=start + timedelta(hours=2),
        ),
    )

    with pytest.raises(TransitionRefused) as refused:
        outages.submit(user=staff["project_manager"], plan=plan)
    assert refused.value.reasons == ["申请停电开始时间已过，请调整后再提交。"]

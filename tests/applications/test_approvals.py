"""Parallel approval of high-voltage supply schemes (供电方案并行会签), told as stories."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications import roles
from applications.demo import make_staff
from applications.models import (
    ApprovalRequirement,
    SchemeApproval,
    SchemeReview,
    SupplyScheme,
    SurveyRecord,
)
from applications.services import TransitionRefused
from applications.services.approvals import (
    decide_approval,
    rejection_reasons,
    required_departments,
    scheme_review_closed,
    scheme_review_opened,
    submit_scheme,
)
from applications.services.lifecycle import perform_transition
from applications.states import State

S = State
D = SchemeApproval.Decision
START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
SUBMITTED = START + timedelta(days=3)


def write_scheme(app):
    return SupplyScheme.objects.create(
        application=app,
        supply_voltage=app.supply_voltage,
        capacity_kva=app.requested_capacity_kva,
        supply_mode="dual" if app.customer_class == "hv_dual" else "single",
        metering_mode="high" if app.is_high_voltage else "lv",
        connection_point="10kV幸福线12号杆",
        customer_confirmed_at=START,
    )


@pytest.fixture
def cm(staff):
    return staff["customer_manager"]


@pytest.fixture
def approvers(staff):
    return staff["approvers"]


@pytest.fixture
def scheme_written(make_app, walker, cm):
    """A high-voltage application in the scheme stage, surveyed, with a confirmed scheme."""

    def build(customer_class="hv_single", **kwargs):
        app = make_app(customer_class, at=START, **kwargs)
        app = walker.walk(app, until=S.SCHEME, start=START)
        record = SurveyRecord.objects.create(application=app, leader=cm, surveyed_at=START)
        if app.requested_capacity_kva > 3000:
            record.members.add(walker.project_manager)
        write_scheme(app)
        return app

    return build


def refused(call, **kwargs) -> list[str]:
    with pytest.raises(TransitionRefused) as caught:
        call(**kwargs)
    return caught.value.reasons


def decide(approval, user, approve=True, comment="", at=None):
    return decide_approval(
        approval=approval, user=user, approve=approve, comment=comment, at=at or SUBMITTED
    )


def leave_scheme(app, cm):
    return perform_transition(application=app, name="advance", user=cm, at=SUBMITTED)


# --- Who must approve ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("customer_class", "capacity", "grid_works", "departments"),
    [
        ("hv_single", 800, False, {"marketing", "operations", "dispatch"}),
        ("hv_single", 800, True, {"marketing", "operations", "dispatch", "materials"}),
        ("hv_dual", 2000, False, {"marketing", "operations", "dispatch", "planning"}),
        (
            "hv_dual",
            2000,
            True,
            {"marketing", "operations", "dispatch", "planning", "materials"},
        ),
    ],
)
def test_submission_asks_every_required_department_at_once(
    scheme_written, cm, customer_class, capacity, grid_works, departments
):
    app = scheme_written(customer_class, capacity=capacity, has_grid_works=grid_works)
    assert set(required_departments(app)) == departments

    review = submit_scheme(application=app, user=cm, at=SUBMITTED)

    assert (review.round, review.status, review.submitted_by) == (1, "pending", cm)
    approvals = list(review.approvals.all())
    assert {a.department for a in approvals} == departments
    assert len(approvals) == len(departments)
    assert all(a.decision == D.PENDING and a.requested_at == SUBMITTED for a in approvals)


def test_required_departments_follow_the_policy_table(scheme_written, cm):
    ApprovalRequirement.objects.filter(customer_class="hv_single", department="dispatch").delete()
    app = scheme_written("hv_single")
    review = submit_scheme(application=app, user=cm, at=SUBMITTED)
    assert {a.department for a in review.approvals.all()} == {"marketing", "operations"}


def test_class_without_configured_departments_cannot_submit(scheme_written, cm):
    ApprovalRequirement.objects.filter(customer_class="hv_single").delete()
    app = scheme_written("hv_single")
    assert refused(submit_scheme, application=app, user=cm) == [
        "该用电类别未配置会签部门，请联系系统管理员。"
    ]


# --- What may not be submitted ------------------------------------------------------------


def test_low_voltage_scheme_cannot_be_submitted(make_app, walker, cm):
    app = walker.walk(make_app("lv_business", at=START), until=S.SCHEME, start=START)
    write_scheme(app)
    assert refused(submit_scheme, application=app, user=cm) == ["低压客户的供电方案无需会签。"]
    assert not SchemeReview.objects.exists()


def test_scheme_must_exist_and_be_in_its_stage(make_app, walker, cm):
    app = make_app("hv_single", at=START)
    assert refused(submit_scheme, application=app, user=cm) == [
        "只有在“勘查及方案答复”环节才能提交方案会签。",
        "请先编制供电方案。",
    ]
    app = walker.walk(app, until=S.SCHEME, start=START)
    assert refused(submit_scheme, application=app, user=cm) == ["请先编制供电方案。"]


def test_front_desk_cannot_submit(scheme_written, staff):
    app = scheme_written()
    assert refused(submit_scheme, application=app, user=staff["front_desk"]) == [
        "您没有“提交供电方案会签”的权限。"
    ]


def test_a_pending_or_approved_round_cannot_be_submitted_again(scheme_written, cm, approvers):
    app = scheme_written()
    review = submit_scheme(application=app, user=cm, at=SUBMITTED)
    assert refused(submit_scheme, application=app, user=cm) == ["第1轮会签中，不能重复提交。"]

    for approval in review.approvals.all():
        decide(approval, approvers[approval.department])
    assert refused(submit_scheme, application=app, user=cm) == ["第1轮会签通过，不能重复提交。"]
    assert SchemeReview.objects.filter(application=app).count() == 1


# --- Deciding -----------------------------------------------------------------------------


def test_only_the_departments_approver_may_decide(scheme_written, cm, approvers, staff):
    review = submit_scheme(application=scheme_written(), user=cm, at=SUBMITTED)
    marketing = review.approvals.get(department="marketing")

    assert refused(decide, approval=marketing, user=approvers["operations"]) == [
        "该审批属于营销部，您不是该部门的审批人。"
    ]
    # A planning approver holds the permission too, but planning is not asked for hv_single.
    assert refused(decide, approval=marketing, user=approvers["planning"]) == [
        "该审批属于营销部，您不是该部门的审批人。"
    ]
    assert refused(decide, approval=marketing, user=cm) == ["您没有“审批供电方案”的权限。"]
    assert refused(decide, approval=marketing, user=staff["supervisor"]) == [
        "您没有“审批供电方案”的权限。"
    ]
    marketing.refresh_from_db()
    assert (marketing.decision, marketing.approver) == (D.PENDING, None)


def test_approver_without_a_department_is_refused(scheme_written, cm, unit):
    review = submit_scheme(application=scheme_written(), user=cm, at=SUBMITTED)
    nobody = make_staff("approver_x", role=roles.APPROVER, unit=unit, department="")
    assert refused(decide, approval=review.approvals.get(department="dispatch"), user=nobody) == [
        "该审批属于调控中心，您不是该部门的审批人。"
    ]


@pytest.mark.parametrize("comment", ["", "   "])
def test_rejection_needs_a_comment(scheme_written, cm, approvers, comment):
    review = submit_scheme(application=scheme_written(), user=cm, at=SUBMITTED)
    operations = review.approvals.get(department="operations")
    assert refused(
        decide, approval=operations, user=approvers["operations"], approve=False, comment=comment
    ) == ["驳回时请写明修改意见。"]
    operations.refresh_from_db()
    assert operations.decision == D.PENDING


def test_a_decision_cannot_be_made_twice(scheme_written, cm, approvers):
    review = submit_scheme(application=scheme_written(), user=cm, at=SUBMITTED)
    marketing = review.approvals.get(department="marketing")
    decide(marketing, approvers["marketing"], comment="同意")

    assert refused(decide, approval=marketing, user=approvers["marketing"]) == [
        "该审批已处理（同意），不能重复审批。"
    ]
    assert refused(
        decide, approval=marketing, user=approvers["marketing"], approve=False, comment="改主意了"
    ) == ["该审批已处理（同意），不能重复审批。"]
    marketing.refresh_from_db()
    assert (marketing.decision, marketing.comment) == (D.APPROVED, "同意")


def test_scheme_stage_waits_for_the_pending_departments_by_name(scheme_written, cm, approvers):
    app = scheme_written("hv_dual", capacity=2000)
    review = submit_scheme(application=app, user=cm, at=SUBMITTED)
    decide(review.approvals.get(department="marketing"), approvers["marketing"])
    decide(review.approvals.get(department="dispatch"), approvers["dispatch"])

    with pytest.raises(TransitionRefused) as caught:
        leave_scheme(app, cm)
    (reason,) = caught.value.reasons
    assert reason.startswith("供电方案会签未完成，待审批部门：")
    pending = reason.removeprefix("供电方案会签未完成，待审批部门：").removesuffix("。")
    assert set(pending.split("、")) == {"运检部", "发展策划部"}


def test_one_rejection_closes_the_round_and_a_resubmission_opens_round_two(
    scheme_written, cm, approvers
):
    closed = []

    def on_closed(sender, review, **kwargs):
        closed.append((review.round, review.status))

    scheme_review_closed.connect(on_closed, dispatch_uid="test-closed")
    try:
        app = scheme_written()
        first = submit_scheme(application=app, user=cm, at=SUBMITTED)
        decide(first.approvals.get(department="marketing"), approvers["marketing"])
        rejected_at = SUBMITTED + timedelta(hours=5)
        decide(
            first.approvals.get(department="operations"),
            approvers["operations"],
            approve=False,
            comment="接入点容量不足，请改接13号杆。",
            at=rejected_at,
        )
    finally:
        scheme_review_closed.disconnect(dispatch_uid="test-closed")

    first.refresh_from_db()
    assert (first.status, first.closed_at) == (SchemeReview.Status.REJECTED, rejected_at)
    assert closed == [(1, "rejected")]
    decisions = dict(first.approvals.values_list("department", "decision"))
    assert decisions == {
        "marketing": D.APPROVED,
        "operations": D.REJECTED,
        "dispatch": D.WITHDRAWN,  # need not decide any more
    }
    assert first.approvals.get(department="dispatch").decided_at == rejected_at
    assert rejection_reasons(app) == ["运检部：接入点容量不足，请改接13号杆。"]

    # The dispatch approver opens the task too late: the round is over.
    assert refused(
        decide, approval=first.approvals.get(department="dispatch"), user=approvers["dispatch"]
    ) == ["该审批已处理（本轮已驳回，无需审批），不能重复审批。"]
    with pytest.raises(TransitionRefused) as caught:
        leave_scheme(app, cm)
    assert caught.value.reasons == ["供电方案第1轮会签被驳回，请修改后重新提交。"]

    # The customer manager revises the scheme and submits again: everyone decides afresh.
    second = submit_scheme(application=app, user=cm, at=SUBMITTED + timedelta(days=1))
    assert second.round == 2
    assert set(second.approvals.values_list("decision", flat=True)) == {D.PENDING}
    assert second.approvals.count() == 3
    for approval in second.approvals.all():
        decide(approval, approvers[approval.department], at=SUBMITTED + timedelta(days=2))
    second.refresh_from_db()
    assert second.status == SchemeReview.Status.APPROVED

    app = leave_scheme(app, cm)
    assert app.state == S.CUSTOMER_DESIGN
    # The first round and its reasons stay on record.
    assert rejection_reasons(app) == ["运检部：接入点容量不足，请改接13号杆。"]
    assert list(app.scheme_reviews.order_by("round").values_list("round", "status")) == [
        (1, "rejected"),
        (2, "approved"),
    ]


def test_all_approved_closes_the_round_and_lets_the_scheme_be_replied(
    scheme_written, cm, approvers
):
    opened, closed = [], []
    scheme_review_opened.connect(
        lambda sender, review, **kw: opened.append(review.pk),
        dispatch_uid="test-opened",
        weak=False,
    )
    scheme_review_closed.connect(
        lambda sender, review, **kw: closed.append(review.status),
        dispatch_uid="test-closed-2",
        weak=False,
    )
    try:
        app = scheme_written()
        review = submit_scheme(application=app, user=cm, at=SUBMITTED)
        *first_two, last = review.approvals.order_by("department")
        for approval in first_two:
            decide(approval, approvers[approval.department])
            review.refresh_from_db()
            assert (review.status, review.closed_at) == ("pending", None)
        assert closed == []
        decide(last, approvers[last.department], at=SUBMITTED + timedelta(hours=30))
    finally:
        scheme_review_opened.disconnect(dispatch_uid="test-opened")
        scheme_review_closed.disconnect(dispatch_uid="test-closed-2")

    review.refresh_from_db()
    assert (review.status, review.closed_at) == ("approved", SUBMITTED + timedelta(hours=30))
    assert (opened, closed) == ([review.pk], ["approved"])
    assert rejection_reasons(app) == []
    assert leave_scheme(app, cm).state == S.CUSTOMER_DESIGN


def test_approvals_record_who_decided_and_when(scheme_written, cm, approvers):
    review = submit_scheme(application=scheme_written(), user=cm, at=SUBMITTED)
    dispatch = review.approvals.get(department="dispatch")
    at = SUBMITTED + timedelta(hours=2)
    decide(dispatch, approvers["dispatch"], comment="同意接入。", at=at)
    dispatch.refresh_from_db()
    assert (dispatch.decision, dispatch.approver, dispatch.comment, dispatch.decided_at) == (
        D.APPROVED,
        approvers["dispatch"],
        "同意接入。",
        at,
    )

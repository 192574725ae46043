"""A scheme decided at the weekly meeting: the meeting is the round's approval, with each
member's vote; the round closes and the scheme stage completes exactly as on the normal path."""

from datetime import timedelta

import pytest

from applications.models import SchemeApproval
from applications.services.approvals import rejection_reasons, submit_scheme
from applications.services.errors import TransitionRefused
from applications.services.lifecycle import perform_transition
from applications.states import State
from monitoring.meetings import services
from monitoring.meetings.services import MemberVote
from monitoring.models import Meeting, SchemeDecision, StageClock

from ..sweeping import local

SUBMITTED, HELD, DECIDED = local(2026, 3, 12, 15), local(2026, 3, 16, 9), local(2026, 3, 16, 10)
LABEL = "周例会 2026-03-16（西湖供电服务中心）"


@pytest.fixture
def review(make_app, walker, staff):
    app = make_app("hv_single", at=local(2026, 3, 9, 9))
    app = walker.step(app, local(2026, 3, 9, 10))
    assert app.state == State.SCHEME
    walker.draft_scheme(app, SUBMITTED)  # surveyed, scheme confirmed: ready for approval
    return submit_scheme(application=app, user=staff["customer_manager"], at=SUBMITTED)


@pytest.fixture
def meeting(unit, staff):
    a = staff["approvers"]
    return services.create_meeting(
        kind=Meeting.Kind.WEEKLY, unit=unit, held_at=HELD, chair=staff["supervisor"],
        attendees=[a["marketing"], a["operations"], a["dispatch"], staff["customer_manager"],
                   staff["supervisor"]],
        user=staff["supervisor"], at=HELD,
    )  # fmt: skip


def votes(staff, **chosen):
    """Votes by short name: m(arketing), o(perations), d(ispatch), cm, sup(ervisor)."""
    a = staff["approvers"]
    people = {"m": a["marketing"], "o": a["operations"], "d": a["dispatch"],
              "cm": staff["customer_manager"], "sup": staff["supervisor"]}  # fmt: skip
    return [MemberVote(people[name], vote, comment) for name, (vote, comment) in chosen.items()]


YES = ("approve", "")


def test_collective_approval_closes_the_round_and_completes_the_scheme_stage(
    meeting, review, staff
):
    chosen = votes(staff, m=YES, o=YES, d=("approve", "需加装负控装置"), cm=YES,
                   sup=("abstain", ""))  # fmt: skip
    decision = services.decide_scheme(
        meeting, review=review, votes=chosen, user=staff["supervisor"], at=DECIDED
    )
    review.refresh_from_db()
    assert (review.status, review.closed_at) == ("approved", DECIDED)
    assert sorted(
        review.approvals.values_list("department", "decision", "approver__username", "comment")
    ) == [
        ("dispatch", "approved", "approver_dispatch", f"{LABEL}集体决策，同意"),
        ("marketing", "approved", "approver_marketing", f"{LABEL}集体决策，同意"),
        ("operations", "approved", "approver_operations", f"{LABEL}集体决策，同意"),
    ]
    # Each department's approval clock stops at the decision, as when it decides alone.
    assert set(
        StageClock.objects.filter(scheme_approval__review=review).values_list(
            "outcome", "stopped_at"
        )
    ) == {("met", DECIDED)}
    assert decision.approved and decision.meeting == meeting
    assert list(
        decision.votes.values_list("member__username", "department", "vote", "comment")
    ) == [
        ("approver_marketing", "marketing", "approve", ""),
        ("approver_operations", "operations", "approve", ""),
        ("approver_dispatch", "dispatch", "approve", "需加装负控装置"),
        ("cm", "", "approve", ""),
        ("supervisor", "", "abstain", ""),
    ]
    app = perform_transition(
        application=review.application,
        name="advance",
        user=staff["customer_manager"],
        at=DECIDED + timedelta(hours=1),
    )
    assert app.state == State.CUSTOMER_DESIGN


def test_a_majority_against_rejects_the_round_with_the_revision_requests(meeting, review, staff):
    against = votes(staff, m=YES, o=("reject", "容量偏大"), d=YES, cm=("reject", ""),
                    sup=("reject", ""))  # fmt: skip
    with pytest.raises(TransitionRefused) as refused:
        services.decide_scheme(meeting, review=review, votes=against, user=staff["supervisor"])
    assert refused.value.reasons == ["集体决策未通过，请写明修改意见。"]

    services.decide_scheme(meeting, review=review, votes=against, comment="容量核减至630kVA后重报",
                           user=staff["supervisor"], at=DECIDED)  # fmt: skip
    review.refresh_from_db()
    assert review.status == "rejected"
    assert set(review.approvals.values_list("decision", flat=True)) == {"rejected"}
    assert sorted(rejection_reasons(review.application)) == [
        f"营销部：{LABEL}集体决策，驳回修改：容量核减至630kVA后重报",
        f"调控中心：{LABEL}集体决策，驳回修改：容量核减至630kVA后重报",
        f"运检部：{LABEL}集体决策，驳回修改：容量核减至630kVA后重报",
    ]
    assert not SchemeDecision.objects.get(review=review).approved
    # The scheme is revised and resubmitted as the next round, as after any rejection.
    again = submit_scheme(application=review.application, user=staff["customer_manager"])
    assert again.round == 2


def test_every_department_must_vote_through_its_approver(meeting, review, staff):
    with pytest.raises(TransitionRefused) as refused:
        services.decide_scheme(meeting, review=review, votes=votes(staff, m=YES, o=YES, cm=YES),
                               user=staff["supervisor"])  # fmt: skip
    assert refused.value.reasons == ["以下会签部门没有审批人参加表决：调控中心。"]
    with pytest.raises(TransitionRefused) as refused:
        services.decide_scheme(meeting, review=review,
                               votes=votes(staff, m=YES, o=YES, d=("abstain", "")),
                               user=staff["supervisor"])  # fmt: skip
    assert refused.value.reasons == ["会签部门的审批人须明确表示同意或不同意，不能弃权：调控中心。"]
    assert review.approvals.filter(decision=SchemeApproval.Decision.PENDING).count() == 3
    assert not SchemeDecision.objects.exists()


def test_only_attendees_of_a_weekly_meeting_vote_and_only_supervisors_record(
    meeting, review, staff, unit
):
    meeting.attendees.remove(staff["approvers"]["dispatch"])
    chosen = votes(staff, m=YES, o=YES, d=YES)
    with pytest.raises(TransitionRefused) as refused:
        services.decide_scheme(meeting, review=review, votes=chosen, user=staff["supervisor"])
    assert refused.value.reasons == ["只有参会人员可以表决：调控中心审批人 未登记参会。"]
    with pytest.raises(TransitionRefused) as refused:
        services.decide_scheme(meeting, review=review, votes=chosen,
                               user=staff["customer_manager"])  # fmt: skip
    assert refused.value.reasons[0] == "您没有“记录会议、撰写并印发会议纪要”的权限。"
    morning = services.create_meeting(
        kind=Meeting.Kind.MORNING, unit=unit, held_at=HELD, chair=staff["supervisor"],
        attendees=[staff["approvers"]["dispatch"]], user=staff["supervisor"], at=HELD,
    )  # fmt: skip
    with pytest.raises(TransitionRefused) as refused:
        services.decide_scheme(morning, review=review, votes=votes(staff, d=YES),
                               user=staff["supervisor"])  # fmt: skip
    assert refused.value.reasons == ["只有周例会可以集体决策供电方案。"]

"""Parallel approval of high-voltage supply schemes (供电方案并行会签)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import rules
from ..models import Application, ApprovalRequirement, SchemeApproval, SchemeReview
from ..states import State
from .errors import TransitionRefused

# Sent when a round closes (approved or rejected); args: review. Monitoring notifies people.
scheme_review_closed = Signal()
# Sent when a round opens; args: review. Each approval has its own clock (DOMAIN.md §4a).
scheme_review_opened = Signal()


def required_departments(app: Application) -> list[str]:
    rows = ApprovalRequirement.objects.filter(customer_class=app.customer_class)
    if not app.has_grid_works:
        rows = rows.filter(only_with_grid_works=False)
    return list(rows.values_list("department", flat=True))


@transaction.atomic
def submit_scheme(*, application: Application, user, at=None) -> SchemeReview:
    """Open a new round of parallel approval for the scheme as it stands now."""
    at = at or timezone.now()
    app = Application.objects.select_for_update().get(pk=application.pk)
    reasons = [r for r in [rules.refusal(user, app, "submit_scheme")] if r]
    if app.state != State.SCHEME:
        reasons.append(_("只有在“勘查及方案答复”环节才能提交方案会签。"))
    if not app.is_high_voltage:
        reasons.append(_("低压客户的供电方案无需会签。"))
    if getattr(app, "scheme", None) is None:
        reasons.append(_("请先编制供电方案。"))
    last = app.scheme_reviews.order_by("-round").first()
    if last and last.status in (SchemeReview.Status.PENDING, SchemeReview.Status.APPROVED):
        reasons.append(
            _("第%(round)s轮%(status)s，不能重复提交。")
            % {"round": last.round, "status": last.get_status_display()}
        )
    departments = required_departments(app)
    if app.is_high_voltage and not departments:  # low voltage was refused above already
        reasons.append(_("该用电类别未配置会签部门，请联系系统管理员。"))
    if reasons:
        raise TransitionRefused(reasons)
    review = SchemeReview.objects.create(
        application=app,
        round=(last.round + 1) if last else 1,
        submitted_by=user,
        submitted_at=at,
    )
    SchemeApproval.objects.bulk_create(
        SchemeApproval(review=review, department=dept, requested_at=at) for dept in departments
    )
    scheme_review_opened.send(sender=SchemeReview, review=review)
    return review


def approval_refusal(approval: SchemeApproval, user) -> str | None:
    app = approval.review.application
    reason = rules.refusal(user, app, "decide_scheme_approval")
    if reason:
        return reason
    profile = getattr(user, "staff_profile", None)
    if not user.is_superuser and (profile is None or profile.department != approval.department):
        return _("该审批属于%(dept)s，您不是该部门的审批人。") % {
            "dept": approval.get_department_display()
        }
    if app.state != State.SCHEME:
        return _("该申请已不在“勘查及方案答复”环节（当前：%(state)s），无需审批。") % {
            "state": app.get_state_display()
        }
    if approval.decision != SchemeApproval.Decision.PENDING:
        return _("该审批已处理（%(decision)s），不能重复审批。") % {
            "decision": approval.get_decision_display()
        }
    return None


@transaction.atomic
def decide_approval(
    *, approval: SchemeApproval, user, approve: bool, comment: str = "", at=None
) -> SchemeApproval:
    """Record one department's decision; close the round when all passed or one rejected."""
    at = at or timezone.now()
    approval = (
        SchemeApproval.objects.select_for_update()
        .select_related("review__application__unit")
        .get(pk=approval.pk)
    )
    review = SchemeReview.objects.select_for_update().get(pk=approval.review_id)
    reason = approval_refusal(approval, user)
    if reason is None and review.status != SchemeReview.Status.PENDING:
        reason = _("本轮会签已结束（%(status)s）。") % {"status": review.get_status_display()}
    if reason is None and not approve and not comment.strip():
        reason = _("驳回时请写明修改意见。")
    if reason:
        raise TransitionRefused(reason)

    approval.decision = (
        SchemeApproval.Decision.APPROVED if approve else SchemeApproval.Decision.REJECTED
    )
    approval.approver, approval.comment, approval.decided_at = user, comment, at
    approval.save()

    if not approve:
        # One rejection sends the scheme back for revision; the others need not decide.
        review.approvals.filter(decision=SchemeApproval.Decision.PENDING).update(
            decision=SchemeApproval.Decision.WITHDRAWN, decided_at=at
        )
        review.status = SchemeReview.Status.REJECTED
    elif not review.approvals.filter(decision=SchemeApproval.Decision.PENDING).exists():
        review.status = SchemeReview.Status.APPROVED
    if review.status != SchemeReview.Status.PENDING:
        _close_round(review, review.status, at)
    return approval


def _close_round(review: SchemeReview, status: str, at) -> None:
    review.status, review.closed_at = status, at
    review.save(update_fields=["status", "closed_at"])
    scheme_review_closed.send(sender=SchemeReview, review=review)


@dataclass(frozen=True)
class Vote:
    """One member's vote at a collective decision: approve True / False, None to abstain."""

    member: object  # a User
    approve: bool | None
    comment: str = ""


def _department_of(user) -> str:
    profile = getattr(user, "staff_profile", None)
    return profile.department if profile else ""


def _collective_refusals(review, app, votes, comment, user) -> tuple[list[str], dict]:
    """Why the decision cannot be recorded, and each pending department's voting approvers."""
    reasons = [r for r in [_inactive(user) or rules.unit_refusal(user, app)] if r]
    if review.status != SchemeReview.Status.PENDING:
        reasons.append(
            _("本轮会签已结束（%(status)s）。") % {"status": review.get_status_display()}
        )
    if app.state != State.SCHEME:
        reasons.append(
            _("该申请已不在“勘查及方案答复”环节（当前：%(state)s），无需审批。")
            % {"state": app.get_state_display()}
        )
    if not votes:
        reasons.append(_("请登记参会成员的表决意见。"))
    members = [v.member.pk for v in votes]
    if len(set(members)) != len(members):
        reasons.append(_("每位成员只能表决一次。"))
    by_department: dict[str, list[Vote]] = {}
    for vote in votes:
        # A department signs off only through someone who approves schemes for it.
        if vote.member.is_active and vote.member.has_perm("applications.decide_scheme_approval"):
            by_department.setdefault(_department_of(vote.member), []).append(vote)
    pending = review.pending_approvals()
    missing = [
        str(a.get_department_display()) for a in pending if a.department not in by_department
    ]
    if missing:
        reasons.append(
            _("以下会签部门没有审批人参加表决：%(depts)s。") % {"depts": "、".join(missing)}
        )
    silent = [
        str(a.get_department_display())
        for a in pending
        if any(v.approve is None for v in by_department.get(a.department, []))
    ]
    if silent:
        reasons.append(
            _("会签部门的审批人须明确表示同意或不同意，不能弃权：%(depts)s。")
            % {"depts": "、".join(silent)}
        )
    if not reasons and not _passes(pending, by_department, votes) and not comment.strip():
        reasons.append(_("集体决策未通过，请写明修改意见。"))
    return reasons, by_department


def _inactive(user) -> str | None:
    return None if user.is_active else _("账号已停用。")


def _passes(pending, by_department, votes) -> bool:
    """Every pending department's approvers agree, and more than half of all votes are for."""
    departments_agree = all(v.approve for a in pending for v in by_department[a.department])
    return departments_agree and 2 * sum(1 for v in votes if v.approve) > len(votes)


@transaction.atomic
def decide_collectively(
    *, review: SchemeReview, meeting_label: str, votes: list[Vote], comment: str = "", user, at=None
) -> SchemeReview:
    """Record a scheme review meeting's collective decision as the round's approvals.

    Every department still to approve must have voted through a member who approves schemes
    for it (审批人 of that department), and not abstained. The scheme passes when all of those
    agree and more than half of all votes are for it; otherwise the round is rejected with
    `comment` as the revision requests. Each department's approval names its member as
    approver and the meeting (`meeting_label`) in its comment; the approval clocks stop and the
    round closes exactly as when the departments decide one by one. Callers keep the votes
    themselves (monitoring's `SchemeDecision`): applications knows nothing of meetings.
    """
    at = at or timezone.now()
    # The application first, then the round: the order submit_scheme and the lifecycle use.
    app = (
        Application.objects.select_for_update().select_related("unit").get(pk=review.application_id)
    )
    review = SchemeReview.objects.select_for_update().get(pk=review.pk)
    reasons, by_department = _collective_refusals(review, app, votes, comment, user)
    if reasons:
        raise TransitionRefused(reasons)
    pending = review.pending_approvals()
    passed = _passes(pending, by_department, votes)
    decision = SchemeApproval.Decision.APPROVED if passed else SchemeApproval.Decision.REJECTED
    said = _("同意") if passed else _("驳回修改：%(comment)s") % {"comment": comment.strip()}
    for approval in pending:
        vote = by_department[approval.department][0]
        approval.decision, approval.approver, approval.decided_at = decision, vote.member, at
        approval.comment = _("%(meeting)s集体决策，%(said)s") % {
            "meeting": meeting_label,
            "said": said,
        }
        approval.save()  # one save per approval: its clock stops as on the normal path
    status = SchemeReview.Status.APPROVED if passed else SchemeReview.Status.REJECTED
    _close_round(review, status, at)
    return review


def rejection_reasons(app: Application) -> list[str]:
    """The comments of the last rejected round, shown to the customer manager for revision."""
    review = (
        app.scheme_reviews.filter(status=SchemeReview.Status.REJECTED).order_by("-round").first()
    )
    if review is None:
        return []
    return [
        f"{a.get_department_display()}：{a.comment}"
        for a in review.approvals.filter(decision=SchemeApproval.Decision.REJECTED)
    ]

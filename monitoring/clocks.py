"""Stage clocks follow the lifecycle: start, stop, pause, resume, and re-apply a policy.

Rules: shared/DOMAIN.md §4 "Clock rules". `monitoring.receivers` calls these functions inside
the transaction that moved the application (its row is locked there), so a clock's writes
commit or roll back with the state change and two transitions never race on one clock.
"""

from __future__ import annotations

import logging
import math
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import paths, rules
from applications.models import Application, SchemeApproval, SchemeReview
from applications.services.errors import TransitionRefused
from applications.states import State

from . import workdays
from .models import ClockPause, ProcessLimitPolicy, StageClock, TimeLimitPolicy
from .models.policy import SCHEME_APPROVAL, LimitUnit, WarnUnit

logger = logging.getLogger(__name__)
Outcome = StageClock.Outcome

# --- Policies ---------------------------------------------------------------------------------


def policy_for(customer_class: str, stage: str, on: date) -> TimeLimitPolicy | None:
    """The standard in force on `on`: the row with the latest `effective_from` not after it."""
    return (
        TimeLimitPolicy.objects.filter(
            customer_class=customer_class, stage=stage, effective_from__lte=on
        )
        .order_by("-effective_from")
        .first()
    )


def process_limit_for(
    *, customer_class: str, kind: str, on: date, small_micro: bool = False
) -> ProcessLimitPolicy | None:
    """The whole-process (or company-steps) limit in force on `on`.

    The latest version wins; within one version a row for small/micro firms (or for the others)
    wins over a row for any firm.
    """
    return (
        ProcessLimitPolicy.objects.filter(
            customer_class=customer_class, kind=kind, effective_from__lte=on
        )
        .filter(Q(small_micro=small_micro) | Q(small_micro__isnull=True))
        .order_by("-effective_from", F("small_micro").asc(nulls_last=True))
        .first()
    )


# --- Deadlines --------------------------------------------------------------------------------


def _local_day(instant: datetime) -> date:
    return timezone.localdate(instant)


def deadlines(clock: StageClock) -> tuple[datetime | None, datetime | None]:
    """(warn_at, due_at) from the clock's start, its limit and the pauses finished so far."""
    return limit_times(
        started_at=clock.started_at,
        limit_unit=clock.limit_unit,
        limit_value=clock.limit_value,
        warn_unit=clock.warn_unit,
        warn_before=clock.warn_before_value,
        paused_working_days=clock.paused_working_days,
        paused_duration=clock.paused_duration,
    )


def limit_times(
    *,
    started_at: datetime,
    limit_unit: str,
    limit_value: int | None,
    warn_unit: str,
    warn_before: int | None,
    paused_working_days: int = 0,
    paused_duration: timedelta = timedelta(0),
) -> tuple[datetime | None, datetime | None]:
    """(warn_at, due_at) of a limit counted from `started_at`, moved by the pauses so far.

    Day limits end at 24:00 of the N-th working day after the start day, N grown by the paused
    working days; a warning "w working days before" is at 00:00 of the working day from which
    w remain (the due day itself for w = 1), so it never falls in a holiday. Hour limits and
    hour warnings count calendar hours, and move by the paused hours. Shared by stage clocks
    and deadlines (`monitoring.deadlines`).
    """
    limit, before = limit_value, warn_before
    if limit is None:
        return None, None
    warn = None
    if limit_unit == LimitUnit.HOURS:
        due = workdays.due_at_hours(started_at, limit) + paused_duration
        if before is not None:
            hours = {
                WarnUnit.HOURS: before,
                WarnUnit.PERCENT: limit * before / 100,
                WarnUnit.WORKING_DAYS: before * 24,  # refused by the policy's clean()
            }[warn_unit]
            warn = due - timedelta(hours=hours)
    else:
        due = workdays.due_at(started_at, limit + paused_working_days)
        if before is not None and warn_unit == WarnUnit.HOURS:
            warn = due - timedelta(hours=before)
        elif before is not None:
            if warn_unit == WarnUnit.PERCENT:
                before = math.ceil(limit * before / 100)
            warn = workdays.warning_start(due, before)
    if warn is not None:
        warn = max(warn, started_at)
    return warn, due


def _apply_policy(clock: StageClock, policy: TimeLimitPolicy | None) -> None:
    """Copy the policy's limit onto the clock and time it."""
    clock.policy = policy
    if policy is None:
        # No standard for this stage: measured only; customer time never counts anyway.
        clock.counts_against_company = clock.stage not in paths.CUSTOMER_TIME_STAGES
        clock.limit_value = clock.warn_before_value = None
    else:
        clock.counts_against_company = policy.counts_against_company
        clock.limit_unit, clock.limit_value = policy.limit_unit, policy.limit_value
        clock.warn_unit, clock.warn_before_value = policy.warn_unit, policy.warn_before_value
    clock.warn_at, clock.due_at = deadlines(clock)


# --- Starting and stopping --------------------------------------------------------------------


def _responsible_id(app: Application, stage: str) -> int | None:
    # The customer manager owns the whole process; the project manager the grid works.
    if stage == State.GRID_WORKS and app.project_manager_id:
        return app.project_manager_id
    if stage == State.ACCEPT and not app.customer_manager_id:
        return app.accepted_by_id
    return app.customer_manager_id


@transaction.atomic(savepoint=False)
def start_clock(
    *,
    application: Application,
    stage: str,
    at: datetime,
    scheme_approval: SchemeApproval | None = None,
) -> StageClock:
    """Start the clock of `stage` at `at` under the standard in force on that day."""
    clock = StageClock(
        application=application,
        stage=stage,
        scheme_approval=scheme_approval,
        unit_id=application.unit_id,
        customer_class=application.customer_class,
        # An approval has no responsible person until someone in the department decides.
        responsible_id=None if scheme_approval else _responsible_id(application, stage),
        started_at=at,
    )
    _apply_policy(clock, policy_for(application.customer_class, stage, _local_day(at)))
    clock.save()
    return clock


def _paused_working_days(since: datetime, until: datetime) -> int:
    # Working days d with suspend day < d <= resume day: the same day moves nothing.
    return workdays.working_days_between(_local_day(since), _local_day(until))


def _end_pause(clock: StageClock, at: datetime) -> None:
    days = _paused_working_days(clock.paused_at, at)
    clock.paused_working_days += days
    clock.paused_duration += max(at - clock.paused_at, timedelta(0))
    clock.pauses.filter(resumed_at__isnull=True).update(resumed_at=at, paused_working_days=days)
    clock.paused_at = None
    clock.warn_at, clock.due_at = deadlines(clock)


def elapsed_working_days(clock: StageClock, until: datetime) -> int:
    """Working days d with start day < d <= `until`'s day, less the paused working days."""
    paused = clock.paused_working_days
    if clock.paused_at is not None and clock.stopped_at is None:
        paused += _paused_working_days(clock.paused_at, until)
    spent = workdays.working_days_between(_local_day(clock.started_at), _local_day(until))
    return max(spent - paused, 0)


def _finish(clock: StageClock, at: datetime, outcome: str | None = None) -> StageClock:
    if clock.paused_at is not None:
        _end_pause(clock, at)
    clock.stopped_at = at
    clock.elapsed_working_days = elapsed_working_days(clock, at)
    if outcome is None:
        # Met when it ends at or before due; customer time and unlimited stages never breach.
        late = clock.counts_against_company and clock.due_at is not None and at > clock.due_at
        outcome = Outcome.BREACHED if late else Outcome.MET
    clock.outcome = outcome
    clock.save()
    return clock


@transaction.atomic(savepoint=False)
def stop_clock(*, clock: StageClock, at: datetime) -> StageClock:
    """Stop a clock whose work is done: met or breached by comparing `at` with its due."""
    return _finish(clock, at) if clock.is_open else clock


@transaction.atomic(savepoint=False)
def close_clocks(*, application: Application, outcome: str, at: datetime) -> list[StageClock]:
    """Close every open clock of the application as returned or cancelled (never judged)."""
    return [_finish(clock, at, outcome) for clock in _open_clocks(application)]


def _open_clocks(application: Application):
    # Locked: the sweep writes to open clocks too, and must not lose a stop or a pause.
    return StageClock.objects.select_for_update().filter(
        application=application, outcome=Outcome.OPEN
    )


def _open_stage_clock(application: Application) -> StageClock | None:
    # The running clock of the stage the application is in (approval clocks aside).
    return _open_clocks(application).filter(scheme_approval__isnull=True).first()


# --- Suspension -------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def pause_clocks(*, application: Application, at: datetime, reason: str = "") -> int:
    """A customer-caused suspension pauses every open clock of the application."""
    running = list(_open_clocks(application).filter(paused_at__isnull=True))
    StageClock.objects.filter(pk__in=[c.pk for c in running]).update(paused_at=at)
    ClockPause.objects.bulk_create(
        ClockPause(clock=clock, reason=reason, paused_at=at) for clock in running
    )
    return len(running)


@transaction.atomic(savepoint=False)
def resume_clocks(*, application: Application, at: datetime) -> list[StageClock]:
    """Resumption moves due and warning later by the paused working days (or hours)."""
    resumed = []
    for clock in _open_clocks(application).filter(paused_at__isnull=False):
        _end_pause(clock, at)
        clock.save()
        resumed.append(clock)
    return resumed


# --- The lifecycle drives the clocks ----------------------------------------------------------


@transaction.atomic(savepoint=False)
def follow_transition(
    *, application: Application, transition: str, target: str, at: datetime
) -> None:
    """Move the application's clocks along with one transition of its lifecycle."""
    if transition == "create":
        start_clock(application=application, stage=target, at=at)
    elif transition in ("advance", "fail_inspection"):
        current = _open_stage_clock(application)
        if current is not None:
            stop_clock(clock=current, at=at)
        if target in paths.STAGE_RULES:  # not after the archive
            start_clock(application=application, stage=target, at=at)
    elif transition == "return_to":
        close_clocks(application=application, outcome=Outcome.RETURNED, at=at)
        start_clock(application=application, stage=target, at=at)
    elif transition == "suspend":
        pause_clocks(application=application, at=at, reason=application.suspension_reason)
    elif transition == "resume":
        resume_clocks(application=application, at=at)
    elif transition == "cancel":
        close_clocks(application=application, outcome=Outcome.CANCELLED, at=at)


@transaction.atomic(savepoint=False)
def start_approval_clocks(*, review: SchemeReview) -> list[StageClock]:
    """One clock per department asked to approve the scheme (DOMAIN.md §4a)."""
    return [
        start_clock(
            application=review.application,
            stage=SCHEME_APPROVAL,
            at=approval.requested_at,
            scheme_approval=approval,
        )
        for approval in review.approvals.all()
    ]


@transaction.atomic(savepoint=False)
def stop_approval_clock(*, approval: SchemeApproval) -> StageClock | None:
    """A decided approval stops its clock; one withdrawn after a rejection is cancelled."""
    if approval.decision == SchemeApproval.Decision.PENDING:
        return None
    clock = (
        StageClock.objects.select_for_update()
        .filter(scheme_approval=approval, outcome=Outcome.OPEN)
        .first()
    )
    if clock is None:
        return None
    at = approval.decided_at or timezone.now()
    if approval.decision == SchemeApproval.Decision.WITHDRAWN:
        return _finish(clock, at, Outcome.CANCELLED)
    clock.responsible_id = approval.approver_id
    return _finish(clock, at)


@transaction.atomic(savepoint=False)
def close_review_clocks(*, review: SchemeReview) -> None:
    """When a round closes, the approvals it withdrew stop their clocks too."""
    for approval in review.approvals.all():
        stop_approval_clock(approval=approval)


# --- Supervisors ------------------------------------------------------------------------------


@transaction.atomic
def reapply_policy(clock: StageClock, user, *, on: date | None = None) -> StageClock:
    """Re-time an open clock by the standard in force today (or `on`), recording who did it.

    Clocks otherwise keep the standard they started under; finished clocks never change.
    """
    if not user.has_perm("monitoring.reapply_policy"):
        raise TransitionRefused(_("您没有“按现行标准重新计算时限”的权限。"))
    clock = (
        StageClock.objects.select_for_update().select_related("application__unit").get(pk=clock.pk)
    )
    if not rules.in_scope(user, clock.application):
        raise TransitionRefused(
            _("该申请属于%(unit)s，您只能办理本单位的业务。") % {"unit": clock.application.unit}
        )
    if not clock.is_open:
        raise TransitionRefused(
            _("%(clock)s已结束（%(outcome)s），不能重新计算。")
            % {"clock": clock, "outcome": clock.get_outcome_display()}
        )
    on = on or timezone.localdate()
    previous = (clock.policy_id, clock.due_at)
    _apply_policy(clock, policy_for(clock.customer_class, clock.stage, on))
    clock.policy_reapplied_at = timezone.now()
    clock.policy_reapplied_by = user
    clock.save()
    logger.info(
        "Clock %s re-timed by %s: policy %s → %s, due %s → %s",
        clock.pk,
        user.get_username(),
        previous[0],
        clock.policy_id,
        previous[1],
        clock.due_at,
    )
    return clock


# --- Selectors --------------------------------------------------------------------------------


def process_elapsed_working_days(
    application: Application, *, on: datetime | None = None, include_customer_time: bool = False
) -> int:
    """Working days from acceptance to energization (or `on`), less suspensions.

    Customer time (the customer's design and works) is left out unless asked for (DOMAIN.md §9).
    The stage clocks follow each other without gaps, so their elapsed days add up to the span.
    """
    on = on or timezone.now()
    left_out = {State.ARCHIVE} | (set() if include_customer_time else paths.CUSTOMER_TIME_STAGES)
    clocks = application.clocks.filter(scheme_approval__isnull=True).exclude(stage__in=left_out)
    return sum(elapsed_working_days(clock, clock.stopped_at or on) for clock in clocks)

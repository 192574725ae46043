"""Callbacks (回访): created by the lifecycle and the sweep, their outcomes recorded by staff.

Rules: shared/DOMAIN.md §6 (which callbacks, when due, retries) and §7 (a customer who says the
site is further than the system is a sign of 线外流转). `monitoring.receivers` calls
`follow_transition` inside the transaction that moved the application; the sweep calls
`create_due_date_callbacks`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import rules
from applications.models import Application, StaffProfile
from applications.services.errors import TransitionRefused
from applications.states import State

from . import workdays
from .models import Callback, CustomerStep, StageClock
from .models.callbacks import STEP_RANK
from .models.policy import LimitUnit
from .signals import off_system_suspected
from .sweep import SWEEP_STEPS

Kind, Status = Callback.Kind, Callback.Status
RETRY_AT = time(9)  # a retry is scheduled for 09:00 of the next working day

# --- Where the system is, in the customer's five steps (DOMAIN.md §3) ---------------------------

_S, _C = State, CustomerStep
SYSTEM_STEPS: dict[str, str] = {
    _S.ACCEPT: _C.ACCEPT,
    _S.SCHEME: _C.SCHEME,
    # Low-voltage grid works come after the scheme reply and before the inspections, as the
    # customer's own works do: the customer sees construction (③).
    _S.GRID_WORKS: _C.DESIGN_CHECK,
    _S.CUSTOMER_DESIGN: _C.DESIGN_CHECK,
    _S.DESIGN_REVIEW: _C.DESIGN_CHECK,
    _S.CUSTOMER_CONSTRUCTION: _C.DESIGN_CHECK,
    _S.MIDDLE_INSPECTION: _C.DESIGN_CHECK,
    _S.CUSTOMER_COMPLETION: _C.DESIGN_CHECK,
    _S.COMPLETION_INSPECTION: _C.CONTRACT,
    _S.CONTRACT: _C.CONTRACT,
    _S.ENERGIZE: _C.ENERGIZE,
    # Archiving follows energization: a customer who says the power is on agrees with it.
    _S.ARCHIVE: _C.ENERGIZED,
    _S.ARCHIVED: _C.ENERGIZED,
}


def system_step(application: Application) -> str:
    """The customer-facing step the system shows now ("" for a cancelled application)."""
    state = application.state
    if state == State.SUSPENDED:
        state = application.suspended_from
    return SYSTEM_STEPS.get(state, "")


# --- Who calls, and by when -------------------------------------------------------------------


def assignee_id(application: Application) -> int | None:
    """Who makes the application's callbacks: the customer manager's supervisor, if set.

    A callback checks the customer manager's own work (线外流转), so it is not left to them when
    someone else can make it; without a supervisor it falls to the customer manager.
    """
    if application.customer_manager_id is None:
        return None
    supervisor_id = (
        StaffProfile.objects.filter(user_id=application.customer_manager_id)
        .values_list("supervisor_id", flat=True)
        .first()
    )
    return supervisor_id or application.customer_manager_id


def end_of_day(day: date) -> datetime:
    """24:00 of `day` in Shanghai, as the next day's 00:00 (like the clocks' due_at)."""
    return datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone()
    )


def first_callback_due(accepted_at: datetime) -> datetime:
    """End of the acceptance's working day (the next working day when accepted on a day off),
    plus `YEKUO_FIRST_CALLBACK_WORKING_DAYS` working days (0 by default)."""
    day = timezone.localdate(accepted_at)
    if not workdays.is_workday(day):
        day = workdays.add_working_days(day, 1)
    return end_of_day(workdays.add_working_days(day, settings.YEKUO_FIRST_CALLBACK_WORKING_DAYS))


def next_try_at(at: datetime) -> datetime:
    """An unreached customer is called again at 09:00 of the next working day (DOMAIN.md §6)."""
    day = workdays.add_working_days(timezone.localdate(at), 1)
    return datetime.combine(day, RETRY_AT, tzinfo=timezone.get_default_timezone())


# --- The lifecycle creates and cancels callbacks ----------------------------------------------


@transaction.atomic(savepoint=False)
def create_first_callback(*, application: Application, at: datetime) -> Callback:
    """受理回访: did the customer apply this way, was anything asked of them off the record."""
    callback, _created = Callback.objects.get_or_create(
        application=application,
        kind=Kind.FIRST,
        defaults={
            "unit_id": application.unit_id,
            "assigned_to_id": assignee_id(application),
            "due_at": first_callback_due(at),
        },
    )
    return callback


@transaction.atomic(savepoint=False)
def create_satisfaction_callback(*, application: Application, at: datetime) -> Callback:
    """满意度回访, due at the end of the first working day after energization."""
    energized_at = application.energized_at or at
    callback, _created = Callback.objects.get_or_create(
        application=application,
        kind=Kind.SATISFACTION,
        defaults={
            "unit_id": application.unit_id,
            "assigned_to_id": assignee_id(application),
            "due_at": workdays.due_at(energized_at, 1),
        },
    )
    return callback


def cancel_callbacks(
    *, application: Application, at: datetime, reason: str, kinds: list[str] | None = None
) -> int:
    """Cancel the application's callbacks still to be made (of `kinds`, default all)."""
    open_callbacks = Callback.objects.open().filter(application=application)
    if kinds:
        open_callbacks = open_callbacks.filter(kind__in=kinds)
    return open_callbacks.update(
        status=Status.CANCELLED, closed_at=at, next_try_at=None, cancel_reason=reason
    )


@transaction.atomic(savepoint=False)
def follow_transition(
    *, application: Application, transition: str, source: str, target: str, at: datetime
) -> None:
    """Create and cancel the application's callbacks along with one transition."""
    if transition == "create":
        create_first_callback(application=application, at=at)
    elif transition == "cancel":
        cancel_callbacks(application=application, at=at, reason=_("申请已撤销"))
    elif transition in ("advance", "fail_inspection", "return_to"):
        # Leaving a stage: its due-date call can no longer ask about it. New stages have none
        # yet (the sweep makes them on the due day), so every open one is the old stage's.
        cancel_callbacks(
            application=application,
            at=at,
            reason=_("回访前已离开该环节"),
            kinds=[Kind.DUE_DATE],
        )
        if transition == "advance" and source == State.ACCEPT:
            # Acceptance ends only with a customer manager named: callbacks made before one
            # was (an application accepted without one) now have someone to call.
            Callback.objects.open().filter(
                application=application, assigned_to__isnull=True
            ).update(assigned_to_id=assignee_id(application))
        if transition == "advance" and source == State.ENERGIZE:
            create_satisfaction_callback(application=application, at=at)


# --- The sweep creates the due-date callbacks --------------------------------------------------


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def create_due_date_callbacks(now: datetime) -> int:
    """Sweep step: a 到期日回访 for every running stage clock whose due day has come.

    One INSERT … SELECT over the open, unpaused clocks due by the end of today (`due_at` is
    24:00 of the due day, so `due_at - 1 day <= now` from 00:00 of that day). NOT EXISTS skips
    what earlier sweeps made; the unique constraint on the clock with ON CONFLICT DO NOTHING
    covers a concurrent sweep (rows taken in clock order, as the alert steps do), so reruns and
    a sweep after downtime create each callback once. Hour limits (24 h acceptance, 48 h
    approvals) are left out: the first callback covers acceptance, approvals are internal.
    Returns the number of callbacks created.
    """
    # Identifiers come from _meta (quoted), values are parameters.
    cb, clock, app, profile = Callback, StageClock, Application, StaffProfile
    sql = f"""
        INSERT INTO {_table(cb)} (
            {_column(cb, "application")}, {_column(cb, "unit")}, {_column(cb, "kind")},
            {_column(cb, "clock")}, {_column(cb, "assigned_to")}, {_column(cb, "due_at")},
            {_column(cb, "created_at")}
        )
        SELECT c.{_column(clock, "application")}, c.{_column(clock, "unit")}, %s, c.id,
               COALESCE(p.{_column(profile, "supervisor")}, a.{_column(app, "customer_manager")}),
               c.{_column(clock, "due_at")}, %s
        FROM {_table(clock)} c
        JOIN {_table(app)} a ON a.id = c.{_column(clock, "application")}
        LEFT JOIN {_table(profile)} p
            ON p.{_column(profile, "user")} = a.{_column(app, "customer_manager")}
        WHERE c.{_column(clock, "outcome")} = %s
          AND c.{_column(clock, "paused_at")} IS NULL
          AND c.{_column(clock, "scheme_approval")} IS NULL
          AND c.{_column(clock, "limit_unit")} = %s
          AND c.{_column(clock, "due_at")} <= %s
          AND NOT EXISTS (
              SELECT 1 FROM {_table(cb)} x WHERE x.{_column(cb, "clock")} = c.id
          )
        ORDER BY c.id
        ON CONFLICT DO NOTHING
    """
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        Kind.DUE_DATE,
        adapt(now),
        StageClock.Outcome.OPEN,
        LimitUnit.WORKING_DAYS,
        adapt(now + timedelta(days=1)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


# Run by the sweep along with its alert steps (it runs each step in its own transaction).
if create_due_date_callbacks not in SWEEP_STEPS:
    SWEEP_STEPS.append(create_due_date_callbacks)


# --- Staff record the outcome -----------------------------------------------------------------


def outcome_refusal(callback: Callback, user) -> str | None:
    """Why this user may not record this callback's outcome now (None: they may)."""
    application = callback.application
    if not user.is_active:
        return _("账号已停用。")
    if not user.has_perm("monitoring.record_callback"):
        return _("您没有“登记回访结果”的权限。")
    if not rules.in_scope(user, application):
        return _("该申请属于%(unit)s，您只能办理本单位的业务。") % {"unit": application.unit}
    if (
        application.customer_manager_id == user.pk
        and callback.assigned_to_id is not None
        and callback.assigned_to_id != user.pk
    ):
        return _("您是该申请的客户经理，回访核实的正是您经办的工作，应由%(name)s回访。") % {
            "name": callback.assigned_to.get_full_name() or callback.assigned_to.get_username()
        }
    if not callback.is_open:
        return _("该回访已是“%(status)s”，不能再登记。") % {"status": callback.get_status_display()}
    return None


def _input_problems(callback: Callback, reached: bool, answers: dict) -> list[str]:
    problems = []
    satisfaction = answers.get("satisfaction")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        problems.append(_("满意度须为1至5分（5分最满意）。"))
    step = answers.get("customer_reported_step") or ""
    if step and step not in CustomerStep.values:
        problems.append(_("未知的现场进度：%(step)s。") % {"step": step})
    if answers.get("off_record_request") and not (answers.get("off_record_detail") or "").strip():
        problems.append(_("请说明客户反映的线外要求。"))
    if not reached:
        return problems
    if callback.kind == Kind.FIRST and answers.get("customer_confirmed_applied") is None:
        problems.append(_("受理回访须记录客户是否确认本人以此方式申请。"))
    if callback.kind == Kind.DUE_DATE and not step:
        problems.append(_("到期日回访须记录客户反映的现场进度。"))
    if callback.kind == Kind.SATISFACTION and satisfaction is None:
        problems.append(_("满意度回访须记录客户的满意度评分。"))
    return problems


def suspicion_reasons(callback: Callback) -> list[str]:
    """Signs of 线外流转 in a reached callback's answers (DOMAIN.md §7), in words."""
    reasons = []
    reported, system = callback.customer_reported_step, callback.system_step
    if reported == CustomerStep.NO_APPLICATION:
        reasons.append(_("客户反映未办理申请即已开工"))
    elif reported and system and STEP_RANK[reported] > STEP_RANK[system]:
        reasons.append(
            _("客户反映现场已到“%(site)s”，系统仍在“%(system)s”")
            % {"site": CustomerStep(reported).label, "system": CustomerStep(system).label}
        )
    if callback.off_record_request:
        reasons.append(_("客户反映有线外要求：%(detail)s") % {"detail": callback.off_record_detail})
    if callback.customer_confirmed_applied is False:
        reasons.append(_("客户不确认本人以此方式申请"))
    return reasons


def _append(text: str, more: str) -> str:
    return "\n".join(part for part in (text, more.strip()) if part)


@transaction.atomic
def record_outcome(
    callback: Callback,
    user,
    *,
    reached: bool,
    at: datetime | None = None,
    customer_confirmed_applied: bool | None = None,
    customer_reported_step: str = "",
    off_record_request: bool = False,
    off_record_detail: str = "",
    satisfaction: int | None = None,
    comments: str = "",
) -> Callback:
    """Record one try: not reached (retry next working day; the third failure makes it
    unreachable) or reached (the customer's answers, compared with the system's step).

    A reached customer who is further on than the system, who started work without an
    application, who was asked for something off the record or who denies having applied this
    way flags the callback as suspected 线外流转 and sends `off_system_suspected`.
    Raises TransitionRefused with the reasons when the user may not, or the answers are wrong.
    """
    at = at or timezone.now()
    callback = (
        Callback.objects.select_for_update(of=("self",))
        .select_related("application__unit", "assigned_to")
        .get(pk=callback.pk)
    )
    refusal = outcome_refusal(callback, user)
    if refusal:
        raise TransitionRefused(refusal)
    answers = {
        "customer_confirmed_applied": customer_confirmed_applied,
        "customer_reported_step": customer_reported_step,
        "off_record_request": off_record_request,
        "off_record_detail": off_record_detail,
        "satisfaction": satisfaction,
    }
    problems = _input_problems(callback, reached, answers)
    if problems:
        raise TransitionRefused(problems)

    callback.attempts += 1
    callback.last_attempt_at = at
    callback.recorded_by = user
    callback.comments = _append(callback.comments, comments)
    if not reached:
        if callback.attempts >= Callback.MAX_ATTEMPTS:
            callback.status, callback.closed_at, callback.next_try_at = Status.UNREACHABLE, at, None
        else:
            callback.status, callback.next_try_at = Status.UNREACHED, next_try_at(at)
        callback.save()
        return callback

    application = callback.application
    callback.status, callback.reached_at, callback.closed_at = Status.REACHED, at, at
    callback.next_try_at = None
    for field, value in answers.items():
        setattr(callback, field, value)
    callback.off_record_detail = off_record_detail.strip() if off_record_request else ""
    callback.system_state = application.state
    callback.system_step = system_step(application)
    known = customer_reported_step and callback.system_step
    callback.progress_matches = customer_reported_step == callback.system_step if known else None
    reasons = suspicion_reasons(callback)
    callback.suspected_off_system = bool(reasons)
    callback.suspicion_reason = "；".join(reasons)
    callback.save()
    if reasons:
        off_system_suspected.send(
            sender=Callback,
            callback=callback,
            application=application,
            reasons=reasons,
            actor=user,
            at=at,
        )
    return callback


# --- Selectors --------------------------------------------------------------------------------


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """(00:00, 24:00) of `day` in Shanghai."""
    return end_of_day(day - timedelta(days=1)), end_of_day(day)


def callbacks_to_do(*, user, on: date | None = None) -> QuerySet[Callback]:
    """The user's callbacks to make on `on` (default today), those left from before included."""
    on = on or timezone.localdate()
    return Callback.objects.filter(assigned_to=user).to_do_by(end_of_day(on))


def callbacks_overdue(*, on: date | None = None) -> QuerySet[Callback]:
    """Open callbacks whose try was due on an earlier day than `on` (default today)."""
    start, _end = day_bounds(on or timezone.localdate())
    return Callback.objects.to_do_by(start)

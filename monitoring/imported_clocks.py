"""Clocks of applications brought in by a ledger import (applications.ledger).

A ledger row says which stage an application is in and since when (环节开始时间); that is all
that is known of its time. So an imported application in flight gets the one clock a hand-made
one would have now: the open clock of its stage, started at 环节开始时间 under the standard in
force that day, with due and warning computed like any other — the sweep then warns and
escalates it exactly as if it had been entered by hand. A suspended one gets that clock paused
at the suspension. Archived and cancelled ones get none: their finished stages are not in the
ledger, and no clock is invented for them.

New applications are the bulk of an import: the policies are read once, each (class, stage,
start day) is timed once, and one INSERT … SELECT per chunk starts their clocks. An
application the ledger moved on a later import (it is still managed by the ledger) has its open
clock stopped, returned, paused, resumed or re-timed by the functions a transition would use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Case, CharField, F, Q, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from applications import paths
from applications.ledger import sql
from applications.models import Application
from applications.states import State

from . import clocks
from .models import ClockPause, StageClock, TimeLimitPolicy
from .models.policy import LimitUnit, WarnUnit

Outcome = StageClock.Outcome
_FACTS = (
    "id", "customer_class", "state", "suspended_from", "state_changed_at", "unit_id",
    "customer_manager_id", "project_manager_id", "accepted_by_id",
)  # fmt: skip


@dataclass(frozen=True)
class Wanted:
    """The open clock an application should have: its stage, since when, paused or not."""

    stage: str
    started_at: datetime
    paused: bool


def wanted_clock(app: Application) -> Wanted | None:
    if app.state == State.SUSPENDED and app.suspended_from:
        return Wanted(app.suspended_from, app.state_changed_at, paused=True)
    if app.state in paths.STAGE_RULES:
        return Wanted(app.state, app.state_changed_at, paused=False)
    return None  # archived or cancelled


class Policies:
    """Every time-limit standard, read once: the one in force for (class, stage) on a day."""

    def __init__(self):
        self._versions: dict[tuple[str, str], list[TimeLimitPolicy]] = {}
        self._by_day: dict[tuple[str, str, date], _Clock] = {}
        for policy in TimeLimitPolicy.objects.order_by("-effective_from"):
            self._versions.setdefault((policy.customer_class, policy.stage), []).append(policy)

    def on(self, customer_class: str, stage: str, day: date) -> TimeLimitPolicy | None:
        for policy in self._versions.get((customer_class, stage), ()):
            if policy.effective_from <= day:
                return policy
        return None

    def timing(self, customer_class: str, stage: str, day: date) -> tuple:
        """The `KEY_COLUMNS` row of (class, stage, start day): what every clock started that
        day shares.

        A working-day limit is due at the end of a day counted from the start's day, whatever
        its hour (DOMAIN.md §4), so those clocks share their due and warning instants (the
        warning is moved to the start where it falls before it). An hour limit counts from the
        start instant: those clocks share their due and warning as offsets from the start.
        """
        clock = self.shared(customer_class, stage, day)
        due_at, warn_at, due_after, warn_after = clock.due_at, clock.warn_at, None, None
        if clock.limit_unit == LimitUnit.HOURS and due_at is not None:
            due_after = _microseconds(due_at - clock.started_at)
            if warn_at is not None:
                warn_after = _microseconds(warn_at - clock.started_at)  # never before the start
            due_at = warn_at = None
        return (
            customer_class, stage, day, clock.policy.pk if clock.policy else None,
            clock.counts_against_company, clock.limit_unit, clock.limit_value, clock.warn_unit,
            clock.warn_before_value, warn_at, due_at, warn_after, due_after,
        )  # fmt: skip

    def shared(self, customer_class: str, stage: str, day: date) -> _Clock:
        """A clock of (class, stage) started at 00:00 of `day`, timed (see `timing`)."""
        key = (customer_class, stage, day)
        shared = self._by_day.get(key)
        if shared is None:
            start_of_day = datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())
            shared = _Clock(stage, start_of_day, customer_class)
            clocks._apply_policy(shared, self.on(customer_class, stage, day))
            self._by_day[key] = shared
        return shared


@dataclass(slots=True)
class _Facts:
    """The columns of an application a clock needs (no model instance: they are many)."""

    id: int
    customer_class: str
    state: str
    suspended_from: str
    state_changed_at: datetime
    unit_id: int
    customer_manager_id: int | None
    project_manager_id: int | None
    accepted_by_id: int | None


@dataclass(slots=True)
class _Clock:
    """What `clocks._apply_policy` and `clocks.deadlines` read and write."""

    stage: str
    started_at: datetime
    customer_class: str
    policy: TimeLimitPolicy | None = None
    counts_against_company: bool = True
    limit_unit: str = LimitUnit.WORKING_DAYS
    limit_value: int | None = None
    warn_unit: str = WarnUnit.WORKING_DAYS
    warn_before_value: int | None = None
    warn_at: datetime | None = None
    due_at: datetime | None = None
    paused_working_days: int = 0
    paused_duration: timedelta = timedelta(0)


TIMED_STATES = [*paths.STAGE_RULES, State.SUSPENDED]
KEYS = "imported_clock_keys"  # temporary: the timing of each (class, stage, start day)
KEY_COLUMNS = [
    ("customer_class", "varchar(20)", "varchar(20)"),
    ("stage", "varchar(30)", "varchar(30)"),
    ("day", "date", "date"),
    ("policy_id", "bigint", "bigint"),
    ("counts", "boolean", "bool"),
    ("limit_unit", "varchar(20)", "varchar(20)"),
    ("limit_value", "integer", "integer"),
    ("warn_unit", "varchar(20)", "varchar(20)"),
    ("warn_before_value", "integer", "integer"),
    ("warn_at", "timestamptz", "datetime"),
    ("due_at", "timestamptz", "datetime"),
    ("warn_after", "bigint", "bigint"),  # hour limits: microseconds after the start
    ("due_after", "bigint", "bigint"),
]
# The clock's stage and owner as `wanted_clock` and `clocks._responsible_id` say, in SQL.
_STAGE = f"CASE WHEN a.state = '{State.SUSPENDED}' THEN a.suspended_from ELSE a.state END"
_TIMED_NAMES = ", ".join(f"'{stage}'" for stage in paths.STAGE_RULES)
_TIMED = (
    f"(a.state IN ({_TIMED_NAMES}) OR (a.state = '{State.SUSPENDED}' AND a.suspended_from <> ''))"
)
_RESPONSIBLE = f"""CASE
    WHEN {_STAGE} = '{State.GRID_WORKS}' AND a.project_manager_id IS NOT NULL
        THEN a.project_manager_id
    WHEN {_STAGE} = '{State.ACCEPT}' AND a.customer_manager_id IS NULL THEN a.accepted_by_id
    ELSE a.customer_manager_id END"""


@transaction.atomic(savepoint=False)
def follow_import(
    *,
    application_ids: list[int],
    at: datetime,
    created_ids: set[int] = frozenset(),
    cache: dict | None = None,
) -> int:
    """Give each imported application the open clock its row implies; returns clocks started.

    `created_ids` are applications the import has just created: they have no clock yet.
    `cache` is kept from chunk to chunk of one import: the standards are read, and each
    (class, stage, day) timed, once per import.
    """
    policies = Policies() if cache is None else cache.setdefault("policies", Policies())
    started = 0
    for part in sql.chunks(application_ids, sql.chunk_size()):
        moved = [pk for pk in part if pk not in created_ids]
        with_clock = set(
            StageClock.objects.filter(
                application_id__in=sql.one_of(moved),
                outcome=Outcome.OPEN,
                scheme_approval__isnull=True,
            ).values_list("application_id", flat=True)
            if moved
            else ()
        )
        fresh = [pk for pk in part if pk not in with_clock]
        for values in Application.objects.filter(pk__in=sorted(with_clock)).values_list(*_FACTS):
            app = _Facts(*values)
            wanted = wanted_clock(app)
            if not _adjusted(app.id, wanted, at) and wanted is not None:
                fresh.append(app.id)
        started += _start_clocks(fresh, policies)
    return started


def _start_clocks(ids: list[int], policies: Policies) -> int:
    """The open clock of each application `ids` names that is in a timed stage: set-based.

    Clocks of one (class, stage, start day) share their timing (`Policies.timing`): Python
    times each such key once, and one INSERT … SELECT joins the applications to their key.
    """
    if not ids:
        return 0
    keys = (
        Application.objects.filter(pk__in=sql.one_of(ids))
        .filter(Q(state__in=paths.STAGE_RULES) | (Q(state=State.SUSPENDED) & ~Q(suspended_from="")))
        .annotate(
            stage=Case(
                When(state=State.SUSPENDED, then=F("suspended_from")),
                default=F("state"),
                output_field=CharField(),
            ),
            day=TruncDate("state_changed_at"),
        )
        .order_by()
        .values_list("customer_class", "stage", "day")
        .distinct()
    )
    sql.create_staging(KEYS, KEY_COLUMNS)
    sql.load_staging(KEYS, KEY_COLUMNS, [policies.timing(*key) for key in keys])
    if sql.is_postgres():
        # Its size, for the planner: a hash join, not a nested loop over every key per clock.
        sql.execute(f"ANALYZE {KEYS}")
    params: dict = {"open": Outcome.OPEN, "suspended": State.SUSPENDED}
    started_at = "a.state_changed_at"
    insert = sql.insert_select(
        StageClock,
        {
            "application_id": "a.id",
            "stage": _STAGE,
            "policy_id": "k.policy_id",
            "unit_id": "a.unit_id",
            "customer_class": "a.customer_class",
            "responsible_id": _RESPONSIBLE,
            "counts_against_company": "k.counts",
            "limit_unit": "k.limit_unit",
            "limit_value": "k.limit_value",
            "warn_before_value": "k.warn_before_value",
            "warn_unit": "k.warn_unit",
            "started_at": started_at,
            # Warned no earlier than the start (NULL stays NULL).
            "warn_at": f"""CASE
                WHEN k.warn_after IS NOT NULL
                    THEN {sql.plus_microseconds(started_at, "k.warn_after")}
                WHEN k.warn_at < {started_at} THEN {started_at}
                ELSE k.warn_at END""",
            "due_at": f"COALESCE(k.due_at, {sql.plus_microseconds(started_at, 'k.due_after')})",
            "outcome": "%(open)s",
            "paused_at": f"CASE WHEN a.state = %(suspended)s THEN {started_at} END",
        },
        f"""FROM applications_application a JOIN {KEYS} k
            ON k.customer_class = a.customer_class AND k.stage = {_STAGE}
           AND k.day = {sql.local_date(started_at)}
        WHERE {_TIMED} AND {{match}}""",
        params,
    )
    started = sql.for_ids(insert, "a.id", ids, params)
    sql.drop_staging(KEYS)
    _record_pauses(ids)
    return started


def _record_pauses(application_ids: list[int]) -> None:
    """The ClockPause rows of the clocks just started paused (suspended applications)."""
    params: dict = {"open": Outcome.OPEN}
    insert = sql.insert_select(
        ClockPause,
        {"clock_id": "c.id", "reason": "a.suspension_reason", "paused_at": "c.paused_at"},
        f"""FROM {StageClock._meta.db_table} c
            JOIN applications_application a ON a.id = c.application_id
        WHERE c.outcome = %(open)s AND c.paused_at IS NOT NULL AND {{match}}
          AND NOT EXISTS (SELECT 1 FROM {ClockPause._meta.db_table} p WHERE p.clock_id = c.id)""",
        params,
    )
    sql.for_ids(insert, "c.application_id", application_ids, params)


def _microseconds(span: timedelta) -> int:
    return span // timedelta(microseconds=1)


def _adjusted(application_id: int, wanted: Wanted | None, at: datetime) -> bool:
    """Bring an open clock in line with a re-imported row; True when it is the wanted one.

    Rare (the ledger moved an application it still manages), so done one application at a
    time with the functions transitions use.
    """
    app = Application.objects.get(pk=application_id)
    clock = clocks._open_stage_clock(app)
    if clock is None:
        return False
    if wanted is not None and wanted.stage == clock.stage:
        if wanted.paused and not clock.is_paused:
            clocks.pause_clocks(application=app, at=wanted.started_at, reason=app.suspension_reason)
        elif not wanted.paused and clock.is_paused:
            clocks.resume_clocks(application=app, at=wanted.started_at)
        elif not wanted.paused and clock.started_at != wanted.started_at:
            # The ledger corrected when the stage began: re-time the clock from there.
            clock.started_at = wanted.started_at
            policy = clocks.policy_for(
                clock.customer_class, clock.stage, timezone.localdate(wanted.started_at)
            )
            clocks._apply_policy(clock, policy)
            clock.save()
        return True
    ended_at = max(wanted.started_at if wanted else app.state_changed_at or at, clock.started_at)
    if app.state == State.CANCELLED:
        clocks.close_clocks(application=app, outcome=Outcome.CANCELLED, at=ended_at)
    elif wanted is not None and _is_earlier(app, wanted.stage, clock.stage):
        clocks.close_clocks(application=app, outcome=Outcome.RETURNED, at=ended_at)
    else:
        clocks.stop_clock(clock=clock, at=ended_at)  # the stage's work is done: met or breached
    return False


def _is_earlier(app: Application, stage: str, than: str) -> bool:
    path = paths.path_for(app)
    return stage in path and than in path and path.index(stage) < path.index(than)

"""The sweep (时限扫描): raise warnings, overdue alerts and escalations, then tell people.

Every step is one set-based statement over all running clocks (an `INSERT … SELECT … ON
CONFLICT DO NOTHING`), never a loop over clocks, and runs in its own transaction:

- a step compares with `now`, so one sweep after any downtime raises everything that became
  due meanwhile, and nothing needs catching up;
- the unique constraint (clock, kind, level) — for deadlines (deadline, kind, level, due) —
  makes a rerun, two sweeps at once or a rerun after a crash harmless: the database refuses
  the second copy of an alert, and each statement is ordered by clock so two concurrent sweeps
  take their row locks in the same order;
- a suspended clock (`paused_at` set), a closed clock and customer time raise nothing;
- one step failing is logged and the others still run (`SweepResult.failed`); its rows are
  raised by the next sweep.

Working days in SQL ("overdue by N working days", DOMAIN.md §4 "Escalation"): the calendar is
consulted in Python, once per distinct N, to turn "overdue by N working days at `now`" into a
cut-off instant: a clock is overdue by N working days exactly when its `due_at` is at or before
that instant (see `overdue_cutoff`). The escalation step is then a range condition on `due_at`,
served by the partial index the clocks already have, and it needs no table of working days or
of precomputed deadlines that could go stale: a resumed or re-timed clock is judged by its new
`due_at`, a calendar or escalation-step edit counts from the next sweep on.

Deadlines (事项时限, `monitoring.deadlines`) are swept by the same statements (`DEADLINES`):
open deadlines warn, go overdue and escalate per the escalation steps without a policy.

The last step, `notify.notify_alerts`, tells the people each new alert names. Other modules
add steps by appending `(now) -> int` functions to `SWEEP_STEPS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from . import sql, workdays
from .models import Alert, EscalationStep, StageClock
from .notify import notify_alerts

logger = logging.getLogger(__name__)

Kind = Alert.Kind
SweepStep = Callable[[datetime], int]


@dataclass
class SweepResult:
    now: datetime
    counts: dict[str, int] = field(default_factory=dict)  # step name -> rows created
    failed: dict[str, str] = field(default_factory=dict)  # step name -> error

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict:
        return {"now": self.now.isoformat(), "counts": self.counts, "failed": self.failed}


def run_sweep(now: datetime | None = None) -> SweepResult:
    """Run every step of `SWEEP_STEPS` at `now` (default: the current instant)."""
    result = SweepResult(now=now or timezone.now())
    for step in list(SWEEP_STEPS):
        name = step.__name__
        try:
            with transaction.atomic():
                result.counts[name] = step(result.now)
        except Exception as exc:
            # One failing step must not stop the others, nor the next sweep: log and go on.
            logger.exception("Sweep step %s failed at %s", name, result.now)
            result.failed[name] = f"{type(exc).__name__}: {exc}"
    if result.counts and any(result.counts.values()):
        logger.info("Sweep at %s: %s", result.now, result.counts)
    return result


@dataclass(frozen=True)
class Timed:
    """What the sweep raises alerts for: stage clocks or deadlines, as SQL fragments.

    Both tables have id, due_at, warn_at, outcome, application_id and unit_id; they differ in
    the alert column that points at them, what counts as running and whose escalation steps
    apply (a clock's policy's; the policy-less steps for deadlines).
    """

    table: str  # key of sql.tables()
    alert_column: str
    running: str
    steps: str
    extra_key: str = ""  # columns beyond (row, kind, level) that make an alert unique


# Running clocks that count against the company: the only ones that ever raise an alert.
RUNNING = "c.outcome = %(open)s AND c.paused_at IS NULL AND c.counts_against_company"
CLOCKS = Timed("clock", "clock_id", RUNNING, "s.policy_id = c.policy_id")
# A re-timed deadline is judged afresh: its alerts are unique per due (alert_once_per_deadline_due).
DEADLINES = Timed(
    "deadline", "deadline_id", "c.outcome = %(open)s", "s.policy_id IS NULL", "a.due_at = c.due_at"
)


def raise_sql(
    *,
    kind: str,
    level: str,
    condition: str,
    join: str = "",
    into: str | None = None,
    guarded=True,
    timed: Timed = CLOCKS,
) -> str:
    """The INSERT … SELECT that raises alerts of `kind` for running rows meeting `condition`.

    `guarded=False` (with `into` another table) gives the bare INSERT … SELECT of the same rows
    that benchmarks/sweep.py measures the sweep against.
    """
    t = sql.tables()
    statement = f"""
        INSERT INTO {into or t["alert"]}
            ({timed.alert_column}, kind, level, raised_at, due_at, application_id, unit_id, note)
        SELECT c.id, '{kind}', {level}, %(now)s, c.due_at, c.application_id, c.unit_id, ''
        FROM {t[timed.table]} c {join}
        WHERE {timed.running} AND {condition}
    """
    if guarded:
        order = "c.id" if level.isdigit() else f"c.id, {level}"
        same = f"AND {timed.extra_key}" if timed.extra_key else ""
        # NOT EXISTS skips what earlier sweeps raised (cheaply, without burning ids);
        # ON CONFLICT covers what a concurrent sweep is raising right now.
        statement += f"""
            AND NOT EXISTS (
                SELECT 1 FROM {t["alert"]} a
                WHERE a.{timed.alert_column} = c.id AND a.kind = '{kind}' AND a.level = {level}
                {same}
            )
            ORDER BY {order}
            ON CONFLICT DO NOTHING
        """
    return statement


def _params(now: datetime, **extra) -> dict:
    return {"now": sql.instant(now), "open": StageClock.Outcome.OPEN, **extra}


# --- Raising alerts ---------------------------------------------------------------------------


def warning_statement(now: datetime, **options) -> tuple[str, dict]:
    statement = raise_sql(
        kind=Kind.WARNING,
        level=str(Alert.WARNING_LEVEL),
        condition="c.warn_at <= %(now)s",
        **options,
    )
    return statement, _params(now)


def overdue_statement(now: datetime, **options) -> tuple[str, dict]:
    statement = raise_sql(
        kind=Kind.OVERDUE,
        level=str(Alert.OVERDUE_LEVEL),
        condition="c.due_at <= %(now)s",
        **options,
    )
    return statement, _params(now)


def escalation_statement(
    now: datetime, timed: Timed = CLOCKS, **options
) -> tuple[str, dict] | None:
    """Escalations of level ≥ 2 whose "overdue by N working days" has come; None if none exist."""
    days = sorted(
        set(
            EscalationStep.objects.filter(level__gt=Alert.OVERDUE_LEVEL).values_list(
                "overdue_working_days", flat=True
            )
        )
    )
    if not days:
        return None
    cutoffs = {n: overdue_cutoff(now, n) for n in days}
    params = _params(now, widest=sql.instant(max(cutoffs.values())))
    rows = []
    for i, (n, cutoff) in enumerate(cutoffs.items()):
        params[f"n{i}"], params[f"cut{i}"] = n, sql.instant(cutoff)
        rows.append(f"SELECT %(n{i})s AS overdue_days, %(cut{i})s AS cutoff")
    t = sql.tables()
    join = f"""
        JOIN {t["step"]} s ON {timed.steps} AND s.level > {Alert.OVERDUE_LEVEL}
        JOIN ({" UNION ALL ".join(rows)}) cut ON cut.overdue_days = s.overdue_working_days
    """
    # The constant bound first, so the planner ranges over the partial index on due_at.
    condition = "c.due_at <= %(widest)s AND c.due_at <= cut.cutoff"
    return raise_sql(
        kind=Kind.ESCALATION,
        level="s.level",
        condition=condition,
        join=join,
        timed=timed,
        **options,
    ), params


def overdue_cutoff(now: datetime, working_days: int) -> datetime:
    """The latest `due_at` that is overdue by `working_days` working days at `now`.

    Overdue by N working days means the N-th working day after the due day has ended (24:00),
    counted like a limit (民法典 art. 201): due Tue 24:00, N = 2 → escalated from Fri 00:00 if
    Wed and Thu are working days. The due day of a clock is the day its `due_at` falls in, a
    24:00 due belonging to the day it ends. Days that have ended at `now` are those before its
    local day; the cut-off is 00:00 of the N-th last working day among them, so exactly the
    clocks due by then have had N working days go by since.
    """
    if working_days <= 0:
        return now
    zone = timezone.get_default_timezone()
    yesterday = timezone.localdate(now, zone) - timedelta(days=1)
    # The working day after the one N working days before yesterday (ordinal arithmetic, so
    # it holds whether or not yesterday itself is a working day).
    before = workdays.add_working_days(yesterday, -working_days)
    first_counted = workdays.add_working_days(before, 1)
    return datetime.combine(first_counted, time.min, tzinfo=zone)


def raise_warnings(now: datetime) -> int:
    """WARNING (level 0) for every running clock whose warning point has come."""
    return sql.execute(*warning_statement(now))


def raise_overdue(now: datetime) -> int:
    """OVERDUE (level 1) for every running clock past its due."""
    return sql.execute(*overdue_statement(now))


def raise_escalations(now: datetime) -> int:
    """ESCALATION (level 2, 3 …) per the clock's policy steps, once overdue long enough."""
    statement = escalation_statement(now)
    return sql.execute(*statement) if statement else 0


def raise_deadline_warnings(now: datetime) -> int:
    """WARNING (level 0) for every open deadline whose warning point has come."""
    return sql.execute(*warning_statement(now, timed=DEADLINES))


def raise_deadline_overdue(now: datetime) -> int:
    """OVERDUE (level 1) for every open deadline past its due."""
    return sql.execute(*overdue_statement(now, timed=DEADLINES))


def raise_deadline_escalations(now: datetime) -> int:
    """ESCALATION (level 2, 3 …) per the deadlines' steps (those without a policy)."""
    statement = escalation_statement(now, timed=DEADLINES)
    return sql.execute(*statement) if statement else 0


SWEEP_STEPS: list[SweepStep] = [
    raise_warnings,
    raise_overdue,
    raise_escalations,
    raise_deadline_warnings,
    raise_deadline_overdue,
    raise_deadline_escalations,
    notify_alerts,
]

"""The dashboard's figures (DOMAIN.md §9), each one aggregate query in the database.

Selectors take querysets already scoped to the user and narrowed by the filters
(`filters.scoped_*`), so region scoping applies to every figure the same way. Each returns plain
values keyed by the groups it counts; `tables` lays them out and links them.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta

from django.db import connections
from django.db.models import (
    Count,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from applications import paths
from applications.models import Application
from applications.states import State

from ..callbacks import SYSTEM_STEPS
from ..models import (
    Callback,
    ConnectionRecord,
    DailyReceived,
    MonthlyFigures,
    MonthlyStageFigures,
    StageClock,
)
from ..models.callbacks import CustomerStep
from ..models.policy import LimitUnit
from .filters import Period, local_midnight
from .percentiles import percentile_cont

Outcome = StageClock.Outcome
JUDGED = (Outcome.MET, Outcome.BREACHED)
IN_FLIGHT_STATES = (*paths.ACTIVE_STAGES, State.SUSPENDED)
# Connection time counts the company's stages from acceptance to energization: not the
# customer's own design and works, not the archive after energization, and not the approvers'
# parallel clocks (they run inside the scheme stage, which is counted).
CONNECTION_STAGES = tuple(
    s for s in paths.ACTIVE_STAGES if s not in paths.CUSTOMER_TIME_STAGES and s != State.ARCHIVE
)
# The five steps a customer sees (DOMAIN.md §3), by stage: 环节数 counts the distinct ones.
CUSTOMER_STEPS = {
    stage: step
    for stage, step in SYSTEM_STEPS.items()
    if stage in paths.ACTIVE_STAGES and step != CustomerStep.ENERGIZED
}


def raw_rows(queryset: QuerySet) -> list[tuple]:
    """A grouped `values_list` queryset's rows straight from the cursor. The biggest figures
    fold thousands of group rows per page, where Django's per-value converters would cost as
    much as the fold; their values are ints, strings and booleans (1/0 on SQLite, which compare
    and hash equal to True/False)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _between(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.since, f"{field}__lt": period.until})


def end_of_day(now: datetime) -> datetime:
    """24:00 of `now`'s local day."""
    return local_midnight(timezone.localdate(now) + timedelta(days=1))


# --- Snapshots: where things stand now --------------------------------------------------------


def in_flight_by_state(applications: QuerySet[Application]) -> dict[str, int]:
    """Applications in each stage now (suspended ones under 暂停); not archived or cancelled."""
    rows = (
        applications.filter(state__in=IN_FLIGHT_STATES)
        .order_by()
        .values_list("state")
        .annotate(n=Count("*"))
    )
    return dict(rows)


def running_clocks(clocks: QuerySet[StageClock]) -> QuerySet[StageClock]:
    """Clocks that can warn or be overdue: open, not paused, the company's, with a limit."""
    return clocks.filter(
        outcome=Outcome.OPEN,
        paused_at__isnull=True,
        counts_against_company=True,
        due_at__isnull=False,
    )


def clock_status_q(status: str, now: datetime) -> Q:
    """overdue: due passed; due_today: due by 24:00 today; warning: in its warning window."""
    return {
        "overdue": Q(due_at__lte=now),
        "due_today": Q(due_at__gt=now, due_at__lte=end_of_day(now)),
        "warning": Q(warn_at__lte=now, due_at__gt=now),
    }[status]


CLOCK_STATUSES = ("overdue", "due_today", "warning")


@dataclass
class RunningSummary:
    """Running clocks now: per stage {overdue, due_today, warning}; overdue per unit and per
    responsible person. One query grouped by (stage, unit, responsible), folded here."""

    by_stage: dict[str, dict[str, int]]
    overdue_by_unit: dict[int, int]
    overdue_by_responsible: dict[int | None, int]


def running_summary(clocks: QuerySet[StageClock], now: datetime) -> RunningSummary:
    rows = (
        running_clocks(clocks)
        .filter(Q(due_at__lte=end_of_day(now)) | Q(warn_at__lte=now))
        .order_by()
        .values_list("stage", "unit", "responsible")
        .annotate(**{s: Count("due_at", filter=clock_status_q(s, now)) for s in CLOCK_STATUSES})
    )
    summary = RunningSummary({}, {}, {})
    for stage, unit, person, *counts in rows:
        per_stage = summary.by_stage.setdefault(stage, dict.fromkeys(CLOCK_STATUSES, 0))
        for status, n in zip(CLOCK_STATUSES, counts, strict=True):
            per_stage[status] += n
        overdue = counts[0]
        summary.overdue_by_unit[unit] = summary.overdue_by_unit.get(unit, 0) + overdue
        by_person = summary.overdue_by_responsible
        by_person[person] = by_person.get(person, 0) + overdue
    return summary


def clocks_now(clocks: QuerySet[StageClock], now: datetime) -> dict[str, dict[str, int]]:
    """{stage: {overdue, due_today, warning}} over running clocks."""
    return running_summary(clocks, now).by_stage


# --- Stage clocks finished in a period ---------------------------------------------------------


def judged_clocks(clocks: QuerySet[StageClock], period: Period) -> QuerySet[StageClock]:
    """Company clocks finished in the period and judged met or breached (returns and
    cancellations are not judged; customer time never counts against the company)."""
    return clocks.filter(
        _between("stopped_at", period), counts_against_company=True, outcome__in=JUDGED
    )


@dataclass
class StageFigures:
    finished: int = 0
    breached: int = 0
    days: int = 0
    # {working days: clocks}: the distribution P90 is read from (`percentiles`).
    histogram: dict[int, int] = dataclass_field(default_factory=dict)
    limit_min: int | None = None  # working-day limits of the clocks counted
    limit_max: int | None = None
    limit_hours: int | None = None  # hour limits (acceptance: 24 h)

    @property
    def overdue_rate(self) -> float | None:
        return self.breached / self.finished if self.finished else None

    @property
    def average(self) -> float | None:
        return self.days / self.finished if self.finished else None

    @property
    def p90(self) -> float | None:
        """90th percentile of the working days, continuous (PostgreSQL's percentile_cont)."""
        return percentile_cont(self.histogram, 0.9)


def _least(a, b):
    return b if a is None else a if b is None else min(a, b)


def _most(a, b):
    return b if a is None else a if b is None else max(a, b)


@dataclass
class JudgedSummary:
    """Judged clocks of a period per stage (with their distribution of working days), per unit
    and per responsible person: one grouped query, folded here."""

    by_stage: dict[str, StageFigures]
    by_unit: dict[int, tuple[int, int]]
    by_responsible: dict[int | None, tuple[int, int]]


# A judged summary's group rows: from the clocks live, or from `MonthlyStageFigures`.
JUDGED_KEYS = ("stage", "unit", "responsible", "elapsed_working_days")


def judged_aggregates() -> dict:
    """Per group of judged clocks: finished, breached, and the limits they ran under."""
    days = Q(limit_unit=LimitUnit.WORKING_DAYS)
    return {
        "finished": Count("*"),
        "breached": Count("stage", filter=Q(outcome=Outcome.BREACHED)),
        "limit_min": Min("limit_value", filter=days),
        "limit_max": Max("limit_value", filter=days),
        "limit_hours": Max("limit_value", filter=Q(limit_unit=LimitUnit.HOURS)),
    }


def split_by_rollup(period: Period, covered: date | None) -> tuple[list[Period], list[Period]]:
    """(whole months a rollup holds within `period`, the rest of `period` to count live).

    A rollup row of month M holds M's instants before `covered` (00:00 of that day). Only a
    period starting on the 1st is split (this month so far, whole months, a year); any other
    is counted live whole.
    """
    if covered is None or period.start.day != 1:
        return [], [period]
    months, day = [], period.start
    while day < covered:
        month = Period.month(day.year, day.month)
        held_until = min(month.end + timedelta(days=1), covered)
        if held_until - timedelta(days=1) > period.end:
            break
        months.append(month)
        day = held_until
    return months, ([Period(day, period.end)] if day <= period.end else [])


def judged_summary(
    clocks: QuerySet[StageClock], period: Period, rollup: QuerySet | None = None
) -> JudgedSummary:
    """Judged clocks of the period grouped by (stage, unit, responsible, working days): a few
    thousand group rows, from which every stage figure (P90 included), the unit ranking and
    the person ranking are folded.

    `rollup` (`MonthlyStageFigures` rows scoped like `clocks`) gives the whole months it holds;
    the rest of the period is one scan of the judged clocks' covering index.
    """
    covered = covered_until(MonthlyStageFigures) if rollup is not None else None
    months, live = split_by_rollup(period, covered)
    rows = []
    if months:
        rows += raw_rows(
            rollup.filter(month__in=[m.start for m in months])
            .order_by()
            .values_list(*JUDGED_KEYS)
            .annotate(
                finished=Sum("finished"),
                breached=Sum("breached"),
                limit_min=Min("limit_min"),
                limit_max=Max("limit_max"),
                limit_hours=Max("limit_hours"),
            )
        )
    for part in live:
        rows += raw_rows(
            judged_clocks(clocks, part)
            .order_by()
            .values_list(*JUDGED_KEYS)
            .annotate(**judged_aggregates())
        )
    summary = JudgedSummary({}, {}, {})
    for stage, unit, person, spent, finished, breached, lo, hi, hours in rows:
        fig = summary.by_stage.setdefault(stage, StageFigures())
        fig.finished += finished
        fig.breached += breached
        if spent is not None:
            fig.days += spent * finished
            fig.histogram[spent] = fig.histogram.get(spent, 0) + finished
        fig.limit_min, fig.limit_max = _least(fig.limit_min, lo), _most(fig.limit_max, hi)
        fig.limit_hours = _most(fig.limit_hours, hours)
        for key, totals in ((unit, summary.by_unit), (person, summary.by_responsible)):
            f, b = totals.get(key, (0, 0))
            totals[key] = (f + finished, b + breached)
    return summary


def stage_figures(clocks: QuerySet[StageClock], period: Period) -> dict[str, StageFigures]:
    """Per stage: finished, breached (overdue rate), average and P90 working days, limits."""
    return judged_summary(clocks, period).by_stage


# --- Connection time (接电时长) ------------------------------------------------------------------


@dataclass
class Connection:
    """Applications energized in a period: how many, their working days added, how many had a
    clock over its limit. Groups add up, so averages of any union are exact."""

    count: int = 0
    days: int = 0
    late: int = 0

    def __add__(self, other: Connection) -> Connection:
        return Connection(self.count + other.count, self.days + other.days, self.late + other.late)

    @property
    def average(self) -> float | None:
        return self.days / self.count if self.count else None


def energized_in(records: QuerySet[ConnectionRecord], period: Period):
    return records.filter(_between("energized_at", period))


def connection_by(
    records: QuerySet[ConnectionRecord], period: Period, keys: tuple[str, ...]
) -> dict[tuple, Connection]:
    """Connection time of applications energized in the period, grouped by `keys`.

    Working days from acceptance to energization = the elapsed working days (suspensions
    already left out) of the application's company stage clocks, customer time excluded
    (DOMAIN.md §9), as kept per application in `ConnectionRecord`. Applications without any
    clock (never measured by the system) have no record and are not counted.
    """
    rows = (
        energized_in(records, period)
        .order_by()
        .values_list(*keys)
        .annotate(
            count=Count("*"),
            days=Sum("working_days"),
            late=Count("late_clocks", filter=Q(late_clocks__gt=0)),
        )
    )
    return {
        tuple(key): Connection(count, days or 0, late) for *key, count, days, late in raw_rows(rows)
    }


CONNECTION_KEYS = ("customer_class", "is_small_micro", "has_grid_works")
# Every key a connection figure groups by: one query per period, folded per figure.
DETAIL_KEYS = (*CONNECTION_KEYS, "unit", "customer_manager", "customer_steps")


def connection_details(records: QuerySet[ConnectionRecord], period: Period) -> dict:
    """{(class, small/micro, works, unit, manager, steps): Connection} for the period."""
    return connection_by(records, period, DETAIL_KEYS)


def fold(details: dict, keys: tuple[str, ...]) -> dict[tuple, Connection]:
    """Regroup `connection_details` by some of its keys (group rows, not applications)."""
    index = [DETAIL_KEYS.index(k) for k in keys]
    sums: dict[tuple, list[int]] = {}  # plain lists: a page folds thousands of group rows
    for key, conn in details.items():
        total = sums.setdefault(tuple(key[i] for i in index), [0, 0, 0])
        total[0] += conn.count
        total[1] += conn.days
        total[2] += conn.late
    return {key: Connection(*total) for key, total in sums.items()}


def connection_groups(
    records: QuerySet[ConnectionRecord], period: Period
) -> dict[tuple[str, bool, bool], Connection]:
    """{(class, small/micro, grid works): Connection} — the seeds' split."""
    return connection_by(records, period, CONNECTION_KEYS)


def connection_total(groups: dict, **match) -> Connection:
    """Sum of the groups whose key fields equal `match` (names from CONNECTION_KEYS)."""
    total = Connection()
    for key, conn in groups.items():
        fields = dict(zip(CONNECTION_KEYS, key, strict=True))
        if all(fields[name] == value for name, value in match.items()):
            total += conn
    return total


def time_saving_rate(baseline: float | None, current: float | None) -> float | None:
    """流程时间节约率 = (baseline average − current average) ÷ baseline average (seed 001)."""
    if baseline in (None, 0) or current is None:
        return None
    return (baseline - current) / baseline


# --- Monthly trend ----------------------------------------------------------------------------
# One pass over the twelve months with a conditional aggregate per month: a range scan of the
# index, no per-row time-zone arithmetic (as TruncMonth would need).


def months_ending(day: date, count: int = 12) -> list[Period]:
    months = []
    year, month = day.year, day.month
    for _ in range(count):
        months.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _per_month(queryset, field: str, months: list[Period], **aggregates) -> list[dict]:
    """[{name: value} per month] for aggregates given as name -> (function, field, Q or None)."""
    span = Period(months[0].start, months[-1].end)
    annotations = {}
    for i, month in enumerate(months):
        in_month = _between(field, month)
        for name, (function, target, extra) in aggregates.items():
            condition = in_month & extra if extra is not None else in_month
            # COUNT(*) takes no FILTER in Django; the period's field is never null in range.
            target = field if target == "*" else target
            annotations[f"{name}_{i}"] = function(target, filter=condition)
    result = queryset.filter(_between(field, span)).order_by().aggregate(**annotations)
    return [{name: result[f"{name}_{i}"] for name in aggregates} for i in range(len(months))]


ROLLUP_FIELDS = ("received", "energized", "connection_days", "judged", "breached")


def covered_until(model) -> date | None:
    """The day a rollup was rebuilt on (every row of one rebuild has it): one row by its key,
    not an aggregate over the table."""
    return model.objects.order_by("pk").values_list("covered_until", flat=True).first()


@dataclass
class TrendMonth:
    received: int = 0
    connection: Connection | None = None
    finished: int = 0
    breached: int = 0


def monthly_trend(applications, records, clocks, rollup, months: list[Period]) -> list[TrendMonth]:
    """Received, connection time and judged clocks per month.

    `MonthlyFigures` (its rows scoped like the others: `rollup`) holds every instant before
    its `covered_until` day; what comes after — today, or every day since the last rebuild —
    is counted live, one conditional aggregate per month in one pass per source.
    """
    covered = covered_until(MonthlyFigures)
    result = {m: TrendMonth(0, Connection(), 0, 0) for m in months}
    rolled = [m for m in months if covered and m.start < covered]
    if rolled:
        rows = (
            rollup.filter(month__in=[m.start for m in rolled])
            .order_by()
            .values_list("month")
            .annotate(**{f"sum_{f}": Sum(f) for f in ROLLUP_FIELDS})
        )
        by_month = {month: rest for month, *rest in rows}
        for m in rolled:
            received, energized, days, judged, breached = by_month.get(m.start, (0,) * 5)
            result[m] = TrendMonth(received, Connection(energized, days), judged, breached)
    tails = {
        m: Period(max(m.start, covered), m.end) if covered else m
        for m in months
        if not covered or m.end >= covered
    }
    if tails:
        live = list(tails.values())
        received = _per_month(applications, "accepted_at", live, n=(Count, "*", None))
        days = (Sum, "working_days", None)
        connection = _per_month(records, "energized_at", live, count=(Count, "*", None), days=days)
        judged = _per_month(
            clocks.filter(counts_against_company=True, outcome__in=JUDGED),
            "stopped_at",
            live,
            finished=(Count, "*", None),
            breached=(Count, "*", Q(outcome=Outcome.BREACHED)),
        )
        for m, r, c, j in zip(tails, received, connection, judged, strict=True):
            part = result[m]
            part.received += r["n"]
            part.connection = part.connection + Connection(c["count"], c["days"] or 0)
            part.finished += j["finished"]
            part.breached += j["breached"]
    return [result[m] for m in months]


# --- Received, steps, callbacks ---------------------------------------------------------------


def received_by_channel(
    applications: QuerySet[Application], daily: QuerySet[DailyReceived], period: Period
) -> dict[str, int]:
    """Applications accepted in the period per channel: days before `DailyReceived`'s
    `covered_until` from there (`daily`: its rows scoped like the applications), the rest live."""
    covered = covered_until(DailyReceived)
    counts: dict[str, int] = {}
    if covered and period.start < covered:
        rows = (
            daily.filter(day__gte=period.start, day__lte=min(period.end, covered - timedelta(1)))
            .order_by()
            .values_list("channel")
            .annotate(n=Sum("received"))
        )
        counts.update(rows)
    if not covered or period.end >= covered:
        tail = Period(max(period.start, covered), period.end) if covered else period
        rows = (
            applications.filter(_between("accepted_at", tail))
            .order_by()
            .values_list("channel")
            .annotate(n=Count("*"))
        )
        for channel, n in rows:
            counts[channel] = counts.get(channel, 0) + n
    return counts


def customer_steps(details: dict) -> dict[tuple, int]:
    """{(class, number of steps): applications} from `connection_details`.

    环节数 = the distinct customer-facing steps (① 受理 … ⑤ 投运送电, DOMAIN.md §3) among the
    stages the application's clocks ran in (kept per application in `ConnectionRecord`).
    """
    return {
        key: conn.count for key, conn in fold(details, ("customer_class", "customer_steps")).items()
    }


def callbacks_due_in(callbacks: QuerySet[Callback], period: Period) -> QuerySet[Callback]:
    return callbacks.filter(_between("due_at", period)).exclude(status=Callback.Status.CANCELLED)


def callback_figures(callbacks: QuerySet[Callback], period: Period) -> dict[str, dict[str, int]]:
    """{kind: {total, reached, unreachable, open, off_system}} of callbacks due in the period."""
    S = Callback.Status
    rows = (
        callbacks_due_in(callbacks, period)
        .order_by()
        .values("kind")
        .annotate(
            total=Count("*"),
            reached=Count("kind", filter=Q(status=S.REACHED)),
            unreachable=Count("kind", filter=Q(status=S.UNREACHABLE)),
            open=Count("kind", filter=Q(status__in=Callback.OPEN_STATUSES)),
            off_system=Count("kind", filter=Q(suspected_off_system=True)),
        )
    )
    return {row.pop("kind"): row for row in rows}


def satisfaction_scored(callbacks: QuerySet[Callback], period: Period) -> QuerySet[Callback]:
    """Satisfaction callbacks that reached the customer in the period and got a score."""
    return callbacks.filter(
        _between("reached_at", period),
        kind=Callback.Kind.SATISFACTION,
        status=Callback.Status.REACHED,
        satisfaction__isnull=False,
    )


def online_ratings_counted(
    callbacks: QuerySet[Callback], ratings: QuerySet, period: Period
) -> QuerySet:
    """Customer-page ratings (portal.ServiceRating) made in the period that count towards the
    satisfaction rate: those of customers whose satisfaction callback got no score.

    One voice per customer: when the phone callback reached them and got a score, that score
    counts (in its own period) and their online rating does not, so nobody counts twice.
    """
    scored = callbacks.filter(
        kind=Callback.Kind.SATISFACTION,
        status=Callback.Status.REACHED,
        satisfaction__isnull=False,
    ).values("application_id")
    return ratings.filter(_between("rated_at", period)).exclude(application_id__in=scored)


def satisfaction_parts(
    callbacks: QuerySet[Callback], period: Period, ratings: QuerySet | None = None
) -> dict[str, tuple[int, int]]:
    """{"callbacks": (scored, 4–5), "online": (rated, 4–5)}: the two sources of the rate."""
    phone = satisfaction_scored(callbacks, period).aggregate(
        reached=Count("*"), satisfied=Count("satisfaction", filter=Q(satisfaction__gte=4))
    )
    parts = {"callbacks": (phone["reached"], phone["satisfied"]), "online": (0, 0)}
    if ratings is not None:
        online = online_ratings_counted(callbacks, ratings, period).aggregate(
            reached=Count("*"), satisfied=Count("score", filter=Q(score__gte=4))
        )
        parts["online"] = (online["reached"], online["satisfied"])
    return parts


def satisfaction(
    callbacks: QuerySet[Callback], period: Period, ratings: QuerySet | None = None
) -> tuple[int, int]:
    """(customers who gave a score, of whom 4–5): rate = second ÷ first. Scores come from the
    satisfaction callbacks and, given `ratings`, the customer pages (see
    `online_ratings_counted` for how the two combine)."""
    parts = satisfaction_parts(callbacks, period, ratings)
    reached = sum(r for r, _s in parts.values())
    satisfied = sum(s for _r, s in parts.values())
    return reached, satisfied

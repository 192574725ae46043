"""Keep `ConnectionRecord` in step with the applications: one set-based upsert.

The lifecycle's signal refreshes the record of the application that moved, inside its
transaction and after its clocks were stopped (`monitoring.receivers` connects first), so a
record is exact the moment an application is energized. `refresh_all` (a daily django-q2
schedule and `manage.py refresh_dashboard`) rebuilds every record — applications imported or
corrected outside the lifecycle are picked up there — and the monthly figures of the trend.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import Case, Count, DateTimeField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.dispatch import receiver
from django.utils import timezone

from applications.ledger import sql as ledger_sql
from applications.models import Application
from applications.signals import application_transitioned

from ..models import (
    ConnectionRecord,
    DailyReceived,
    MonthlyFigures,
    MonthlyStageFigures,
    StageClock,
)
from .figures import CONNECTION_STAGES, CUSTOMER_STEPS, JUDGED, JUDGED_KEYS, judged_aggregates
from .filters import local_midnight

# Copied from the application as it is (the record's scope and split), then summed over clocks.
COPIED = [
    "unit_id",
    "customer_class",
    "is_small_micro",
    "has_grid_works",
    "customer_manager_id",
    "energized_at",
]
COLUMNS = [
    "application_id",
    *COPIED,
    "working_days",
    "customer_steps",
    "late_clocks",
    "refreshed_at",
]


def records_query(applications, now):
    """One row per energized application with clocks, in the order of COLUMNS."""
    stage_clock = Q(clocks__scheme_approval__isnull=True)
    measured = stage_clock & Q(clocks__stage__in=CONNECTION_STAGES)
    step = Case(
        *[
            When(stage_clock & Q(clocks__stage=stage), then=Value(code))
            for stage, code in CUSTOMER_STEPS.items()
        ],
        default=None,
    )
    return (
        applications.filter(energized_at__isnull=False, clocks__isnull=False)
        .order_by()
        .values("pk", *COPIED)
        .annotate(
            working_days=Coalesce(Sum("clocks__elapsed_working_days", filter=measured), 0),
            customer_steps=Count(step, distinct=True),
            late_clocks=Count("clocks", filter=Q(clocks__outcome=StageClock.Outcome.BREACHED)),
            refreshed_at=Value(now, output_field=DateTimeField()),
        )
    )


@transaction.atomic
def refresh_connection_records(application_ids=None, *, now=None, new_ids=frozenset()) -> int:
    """Upsert the records of these applications (all when None); drop records of applications
    no longer energized. `new_ids` (just created: no record yet) are not looked up for one to
    drop. Returns the number of rows written."""
    now = now or timezone.now()
    applications = Application.objects.all()
    stale = ConnectionRecord.objects.filter(application__energized_at__isnull=True)
    if application_ids is not None:
        # An import refreshes 10,000 at a time: one array parameter on PostgreSQL.
        application_ids = list(application_ids)
        applications = applications.filter(pk__in=ledger_sql.one_of(application_ids))
        known = [pk for pk in application_ids if pk not in new_ids]
        stale = stale.filter(application_id__in=ledger_sql.one_of(known)) if known else None
    if stale is not None:
        stale.delete()
    sql, params = records_query(applications, now).query.sql_with_params()
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    table = ConnectionRecord._meta.db_table
    with connection.cursor() as cursor:
        # Standard upsert on both PostgreSQL and SQLite (3.24+); the SELECT has a WHERE clause,
        # which SQLite needs to parse INSERT … SELECT … ON CONFLICT.
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) {sql} "
            f"ON CONFLICT (application_id) DO UPDATE SET {updates}",
            params,
        )
        return cursor.rowcount


def _month_key(value) -> date:
    return date(value.year, value.month, 1)


@transaction.atomic
def refresh_monthly_figures(*, now=None) -> int:
    """Rebuild `MonthlyFigures` over every instant before today (00:00 of `now`'s day): three
    grouped queries (received, energized, judged clocks) merged by (month, unit, class,
    small/micro). The current month's rows are partial; the trend adds today live. Then
    `MonthlyStageFigures` and `DailyReceived` (day, unit, class, small/micro, channel)."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    covered_until = timezone.localdate(now)
    before = local_midnight(covered_until)
    keys = ("unit", "customer_class", "is_small_micro")
    received = (
        Application.objects.filter(accepted_at__lt=before)
        .annotate(month=TruncMonth("accepted_at", tzinfo=zone))
        .order_by()
        .values_list("month", *keys)
        .annotate(n=Count("*"))
    )
    energized = (
        ConnectionRecord.objects.filter(energized_at__lt=before)
        .annotate(month=TruncMonth("energized_at", tzinfo=zone))
        .order_by()
        .values_list("month", *keys)
        .annotate(n=Count("*"), days=Sum("working_days"))
    )
    judged = (
        StageClock.objects.filter(
            stopped_at__lt=before, counts_against_company=True, outcome__in=JUDGED
        )
        .annotate(month=TruncMonth("stopped_at", tzinfo=zone))
        .order_by()
        .values_list("month", "unit", "customer_class", "application__is_small_micro")
        .annotate(n=Count("*"), late=Count("stage", filter=Q(outcome=StageClock.Outcome.BREACHED)))
    )
    rows: dict[tuple, MonthlyFigures] = {}

    def row(month, unit, cls, small) -> MonthlyFigures:
        key = (_month_key(month), unit, cls, small)
        if key not in rows:
            rows[key] = MonthlyFigures(
                month=key[0], unit_id=unit, customer_class=cls, is_small_micro=small,
                covered_until=covered_until,
            )  # fmt: skip
        return rows[key]

    for month, unit, cls, small, n in received:
        row(month, unit, cls, small).received = n
    for month, unit, cls, small, n, days in energized:
        figures = row(month, unit, cls, small)
        figures.energized, figures.connection_days = n, days or 0
    for month, unit, cls, small, n, late in judged:
        figures = row(month, unit, cls, small)
        figures.judged, figures.breached = n, late
    MonthlyFigures.objects.all().delete()
    MonthlyFigures.objects.bulk_create(rows.values(), batch_size=1000)
    refresh_stage_figures(before, covered_until)
    days = (
        Application.objects.filter(accepted_at__lt=before)
        .annotate(day=TruncDate("accepted_at", tzinfo=zone))
        .order_by()
        .values_list("day", *keys, "channel")
        .annotate(n=Count("*"))
    )
    DailyReceived.objects.all().delete()
    DailyReceived.objects.bulk_create(
        (
            DailyReceived(
                day=day,
                unit_id=unit,
                customer_class=cls,
                is_small_micro=small,
                channel=channel,
                received=n,
                covered_until=covered_until,
            )
            for day, unit, cls, small, channel, n in days.iterator(chunk_size=5000)
        ),
        batch_size=5000,
    )
    return len(rows)


def refresh_stage_figures(before, covered_until: date) -> None:
    """Rebuild `MonthlyStageFigures`: judged clocks stopped before `before`, grouped like the
    live stage figures (`figures.judged_summary`) plus month, class and small/micro."""
    zone = timezone.get_default_timezone()
    rows = (
        StageClock.objects.filter(
            stopped_at__lt=before, counts_against_company=True, outcome__in=JUDGED
        )
        .annotate(month=TruncMonth("stopped_at", tzinfo=zone))
        .order_by()
        .values_list("month", "customer_class", "application__is_small_micro", *JUDGED_KEYS)
        .annotate(**judged_aggregates())
    )
    fields = [
        "month", "customer_class", "is_small_micro", "stage", "unit_id", "responsible_id",
        "elapsed_working_days", "finished", "breached", "limit_min", "limit_max", "limit_hours",
    ]  # fmt: skip
    MonthlyStageFigures.objects.all().delete()
    MonthlyStageFigures.objects.bulk_create(
        (
            MonthlyStageFigures(
                **dict(zip(fields, (_month_key(row[0]), *row[1:]), strict=True)),
                covered_until=covered_until,
            )
            for row in rows.iterator(chunk_size=5000)
        ),
        batch_size=5000,
    )


def refresh_all() -> int:
    """The daily django-q2 task: rebuild every connection record, then the monthly figures."""
    written = refresh_connection_records()
    refresh_monthly_figures()
    return written


@receiver(application_transitioned, dispatch_uid="monitoring.dashboard.connection_record")
def connection_record_follows(sender, *, application, **kwargs):
    # Cheap for one application; energization writes the record, a later return removes it.
    if application.energized_at is not None:
        refresh_connection_records([application.pk])
    else:
        ConnectionRecord.objects.filter(application_id=application.pk).delete()

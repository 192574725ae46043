"""Deadlines (事项时限): start, re-time, finish and cancel the clock of any piece of work.

Project phases, rectification of a supervision letter, complaints, 督办 items and meeting action
items are timed here; the sweep warns, alerts and escalates them like stage clocks. A subject
(any model instance) has at most one open deadline per key; starting it again re-times it.

Due and warning follow the stage clocks' rules (`monitoring.clocks.limit_times`): a limit of N
working days ends at 24:00 of the N-th working day after the start day, an hour limit counts
calendar hours; a date is due at its 24:00 (Asia/Shanghai). The warning comes 1 working day
before a day or date due (00:00 of the last working day), 48 hours before an hour limit.

All functions run inside the caller's transaction (they open none of their own): the caller
changes its subject and its deadline together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import workdays
from .clocks import limit_times
from .models import Deadline
from .models.policy import LimitUnit, WarnUnit

Outcome = Deadline.Outcome
WARN_WORKING_DAYS = 1
WARN_HOURS = 48


def _subject_filter(subject: Model) -> dict:
    return {
        "content_type": ContentType.objects.get_for_model(subject),
        "object_id": subject.pk,
    }


def end_of_day(day: date) -> datetime:
    """A date's due instant: its 24:00 in settings.TIME_ZONE, i.e. the next day's 00:00."""
    zone = timezone.get_default_timezone()
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)


def timing(
    *,
    started_at: datetime,
    due_at: date | datetime | None = None,
    limit: tuple[int, str] | None = None,
) -> tuple[datetime, datetime, tuple[int, str] | tuple[None, str]]:
    """(warn_at, due_at, (limit_value, limit_unit)) for a deadline started at `started_at`."""
    if (due_at is None) == (limit is None):
        raise ValueError("Give a deadline either due_at or limit, not both or neither.")
    if limit is not None:
        value, unit = limit
        hours = unit == LimitUnit.HOURS
        warn, due = limit_times(
            started_at=started_at,
            limit_unit=unit,
            limit_value=value,
            warn_unit=WarnUnit.HOURS if hours else WarnUnit.WORKING_DAYS,
            warn_before=WARN_HOURS if hours else WARN_WORKING_DAYS,
        )
        return warn, due, (value, unit)
    if not isinstance(due_at, datetime):
        due_at = end_of_day(due_at)
    elif timezone.is_naive(due_at):
        raise ValueError("Deadline instants must be timezone-aware datetimes.")
    warn = max(workdays.warning_start(due_at, WARN_WORKING_DAYS), started_at)
    return warn, due_at, (None, "")


def open_for(subject: Model, key: str = "") -> Deadline | None:
    """The subject's open deadline under `key`, locked for the caller's transaction."""
    return (
        Deadline.objects.select_for_update()
        .filter(**_subject_filter(subject), key=key, outcome=Outcome.OPEN)
        .first()
    )


def for_subject(subject: Model) -> QuerySet[Deadline]:
    """Every deadline of the subject, open or closed, newest first."""
    return (
        Deadline.objects.filter(**_subject_filter(subject))
        .select_related("unit", "responsible")
        .order_by("-started_at", "-pk")
    )


def start(
    subject: Model,
    kind: str,
    *,
    key: str = "",
    label: str = "",
    unit,
    responsible=None,
    started_at: datetime,
    due_at: date | datetime | None = None,
    limit: tuple[int, str] | None = None,
    application=None,
) -> Deadline:
    """Start the subject's deadline under `key`, or re-time the open one.

    Give either `due_at` (an instant, or a date due at its 24:00) or `limit` = (value,
    LimitUnit) counted from `started_at`. An open deadline for the same subject and key is
    re-timed in place (new start, due and warning; kind, label, unit, responsible and
    application updated); the sweep then judges the new due, and warns again for it.
    """
    warn, due, (limit_value, limit_unit) = timing(started_at=started_at, due_at=due_at, limit=limit)
    fields = {
        "kind": kind,
        "label": label or str(subject),
        "unit": unit,
        "responsible": responsible,
        "application": application,
        "limit_value": limit_value,
        "limit_unit": limit_unit,
        "started_at": started_at,
        "warn_at": warn,
        "due_at": due,
    }
    deadline = open_for(subject, key)
    if deadline is None:
        deadline = Deadline(**_subject_filter(subject), key=key, **fields)
    else:
        for name, value in fields.items():
            setattr(deadline, name, value)
        deadline.retimed_at = timezone.now()
    deadline.save()
    return deadline


def finish(subject: Model, *, key: str = "", at: datetime) -> Deadline | None:
    """The work is done at `at`: met if at or before due, else breached. None if none is open."""
    deadline = open_for(subject, key)
    if deadline is None:
        return None
    deadline.stopped_at = at
    deadline.outcome = Outcome.MET if at <= deadline.due_at else Outcome.BREACHED
    deadline.save(update_fields=["stopped_at", "outcome"])
    return deadline


def cancel(subject: Model, *, key: str = "", at: datetime, reason: str = "") -> Deadline | None:
    """The work is no longer required: the deadline closes unjudged. None if none is open."""
    deadline = open_for(subject, key)
    if deadline is None:
        return None
    deadline.stopped_at = at
    deadline.outcome = Outcome.CANCELLED
    deadline.cancel_reason = reason[: Deadline._meta.get_field("cancel_reason").max_length]
    deadline.save(update_fields=["stopped_at", "outcome", "cancel_reason"])
    return deadline


# --- Showing them -----------------------------------------------------------------------------


def change_url_name(content_type: ContentType) -> str | None:
    """The URL name of the admin page of a subject of this type, if its model has one."""
    model = content_type.model_class()
    if model is None or not admin.site.is_registered(model):
        return None
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_change"


def subject_admin_url(deadline: Deadline) -> str | None:
    """The admin page of the deadline's subject, if its model has one."""
    name = change_url_name(deadline.content_type)
    return reverse(name, args=[deadline.object_id]) if name else None


def status(deadline: Deadline, at: datetime) -> tuple[str, str]:
    """(label, colour) of a deadline at `at`, as the panels show it."""
    if deadline.is_open:
        if deadline.due_at <= at:
            return _("已超期"), "red"
        if deadline.warn_at is not None and deadline.warn_at <= at:
            return _("预警中"), "amber"
        return str(deadline.get_outcome_display()), "green"
    colour = {Outcome.MET: "green", Outcome.BREACHED: "red"}.get(deadline.outcome, "grey")
    return str(deadline.get_outcome_display()), colour


def panel_rows(deadlines: Iterable[Deadline], at: datetime | None = None) -> list[dict]:
    """Rows for admin/monitoring/deadlines_panel.html: each deadline with its status now."""
    at = at or timezone.now()
    rows = []
    for deadline in deadlines:
        label, colour = status(deadline, at)
        rows.append({"deadline": deadline, "status": label, "colour": colour})
    return rows


def deadlines_panel_rows(subject: Model, at: datetime | None = None) -> list[dict]:
    """The subject's deadlines for a panel: `{% include "admin/monitoring/deadlines_panel.html"
    with panel=… %}` where panel.rows is this list (other apps' change pages use it)."""
    return panel_rows(for_subject(subject), at)

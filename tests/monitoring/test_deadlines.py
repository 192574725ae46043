"""Deadlines (事项时限): timing on the working-day calendar, re-timing, finishing, cancelling.

Dates counted by hand (2026): 1–7 Oct off for National Day, Sat 10 Oct a make-up workday.
"""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from monitoring import deadlines
from monitoring.models import Deadline
from monitoring.models.policy import LimitUnit

from .sweeping import local

Kind, Outcome = Deadline.Kind, Deadline.Outcome
START = local(2026, 9, 30, 10)  # Wed, the eve of National Day


@pytest.fixture
def subject(make_app):
    return make_app("lv_business", at=local(2026, 9, 28, 9))


def start(subject, **kwargs):
    kwargs.setdefault("unit", subject.unit)
    kwargs.setdefault("started_at", START)
    kwargs.setdefault("label", "监督意见书 JD-2026-001")
    return deadlines.start(subject, Kind.RECTIFICATION, **kwargs)


def test_working_days_skip_national_day_and_count_the_make_up_saturday(subject):
    # Thu 8 Oct (1), Fri 9 (2), Sat 10 make-up (3) → due 24:00 Sat 10 Oct, warned from its 00:00.
    deadline = start(subject, limit=(3, LimitUnit.WORKING_DAYS))

    assert (deadline.warn_at, deadline.due_at) == (local(2026, 10, 10), local(2026, 10, 11))
    assert (deadline.limit_value, deadline.limit_unit) == (3, LimitUnit.WORKING_DAYS)
    assert deadline.limit_display() == "3个工作日"
    assert str(deadline) == "整改期限 监督意见书 JD-2026-001"
    assert deadline.outcome == Outcome.OPEN


def test_hour_limits_count_calendar_hours_and_warn_48_hours_before(subject):
    deadline = start(subject, limit=(72, LimitUnit.HOURS))

    assert (deadline.warn_at, deadline.due_at) == (local(2026, 10, 1, 10), local(2026, 10, 3, 10))


def test_a_short_hour_limit_warns_from_its_start(subject):
    deadline = start(subject, limit=(24, LimitUnit.HOURS))

    assert (deadline.warn_at, deadline.due_at) == (START, local(2026, 10, 1, 10))


def test_a_date_is_due_at_its_24_00_and_warned_on_the_last_working_day_before(subject):
    # Due Fri 16 Oct → 24:00, i.e. Sat 17 Oct 00:00; warned from 00:00 Fri 16 Oct.
    deadline = start(subject, due_at=date(2026, 10, 16))
    assert (deadline.warn_at, deadline.due_at) == (local(2026, 10, 16), local(2026, 10, 17))
    assert (deadline.limit_value, deadline.limit_unit) == (None, "")
    assert deadline.limit_display() == "—"


def test_a_date_in_the_holiday_is_warned_on_the_working_day_before_it(subject):
    # Due Sat 3 Oct (a holiday): the last working day before is Wed 30 Sep, the start day.
    deadline = start(subject, due_at=date(2026, 10, 3), started_at=local(2026, 9, 28, 9))
    assert (deadline.warn_at, deadline.due_at) == (local(2026, 9, 30), local(2026, 10, 4))


def test_an_instant_is_due_as_given(subject):
    deadline = start(subject, due_at=local(2026, 10, 9, 15))
    assert (deadline.warn_at, deadline.due_at) == (local(2026, 10, 9), local(2026, 10, 9, 15))


def test_due_at_or_limit_exactly_one(subject):
    with pytest.raises(ValueError):
        start(subject)
    with pytest.raises(ValueError):
        start(subject, due_at=date(2026, 10, 16), limit=(3, LimitUnit.WORKING_DAYS))


def test_starting_again_re_times_the_open_deadline(subject, staff):
    first = start(subject, limit=(3, LimitUnit.WORKING_DAYS))
    # Five working days: Thu 8, Fri 9, Sat 10, Mon 12, Tue 13 Oct → due 24:00 Tue 13 Oct.
    again = start(subject, limit=(5, LimitUnit.WORKING_DAYS), responsible=staff["customer_manager"])

    assert again.pk == first.pk
    assert Deadline.objects.count() == 1
    again.refresh_from_db()
    assert (again.warn_at, again.due_at) == (local(2026, 10, 13), local(2026, 10, 14))
    assert again.responsible == staff["customer_manager"]
    assert again.retimed_at is not None


def test_keys_time_separate_parts_of_one_subject(subject):
    design = start(subject, key="design", due_at=date(2026, 10, 16))
    works = start(subject, key="works", due_at=date(2026, 10, 30))

    assert design.pk != works.pk
    assert deadlines.open_for(subject, "design") == design
    assert deadlines.open_for(subject, "works") == works
    assert deadlines.open_for(subject) is None


def test_finishing_on_time_is_met_and_late_is_breached(subject):
    start(subject, key="a", due_at=date(2026, 10, 16))
    start(subject, key="b", due_at=date(2026, 10, 16))

    met = deadlines.finish(subject, key="a", at=local(2026, 10, 16, 23, 59))
    breached = deadlines.finish(subject, key="b", at=local(2026, 10, 17, 0, 1))

    assert (met.outcome, met.stopped_at) == (Outcome.MET, local(2026, 10, 16, 23, 59))
    assert (breached.outcome, breached.stopped_at) == (Outcome.BREACHED, local(2026, 10, 17, 0, 1))
    assert deadlines.finish(subject, key="a", at=local(2026, 10, 18)) is None


def test_finishing_exactly_at_24_00_is_on_time(subject):
    start(subject, due_at=date(2026, 10, 16))
    assert deadlines.finish(subject, at=local(2026, 10, 17)).outcome == Outcome.MET


def test_cancelling_closes_unjudged_and_a_new_start_opens_a_new_deadline(subject):
    first = start(subject, due_at=date(2026, 10, 16))
    cancelled = deadlines.cancel(subject, at=local(2026, 10, 9, 11), reason="督办事项已撤回")

    assert (cancelled.outcome, cancelled.cancel_reason) == (Outcome.CANCELLED, "督办事项已撤回")
    assert cancelled.stopped_at == local(2026, 10, 9, 11)
    assert deadlines.open_for(subject) is None
    assert deadlines.cancel(subject, at=local(2026, 10, 9, 12)) is None

    second = start(subject, due_at=date(2026, 10, 30), started_at=local(2026, 10, 12, 9))
    assert second.pk != first.pk
    assert list(deadlines.for_subject(subject)) == [second, cancelled]


def test_for_subject_keeps_to_its_subject(subject, make_app):
    other = make_app("lv_business", at=local(2026, 9, 28, 9))
    mine = start(subject, due_at=date(2026, 10, 16))
    start(other, due_at=date(2026, 10, 16))

    assert list(deadlines.for_subject(subject)) == [mine]


def test_the_database_refuses_a_second_open_deadline_per_subject_and_key(subject):
    deadline = start(subject, due_at=date(2026, 10, 16))
    twin = Deadline(
        kind=deadline.kind,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        label="重复",
        unit=subject.unit,
        started_at=START,
        due_at=deadline.due_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()

    # A closed one does not count.
    deadlines.finish(subject, at=START)
    twin.save()
    assert deadlines.open_for(subject) == twin


def test_panel_rows_show_the_status_at_an_instant(subject):
    start(subject, key="late", due_at=date(2026, 10, 9))
    start(subject, key="warned", due_at=date(2026, 10, 12), started_at=local(2026, 10, 9, 10))
    start(subject, key="running", due_at=date(2026, 10, 30))
    start(subject, key="met", due_at=date(2026, 10, 30))
    deadlines.finish(subject, key="met", at=local(2026, 10, 9))

    rows = deadlines.deadlines_panel_rows(subject, at=local(2026, 10, 12, 9))

    statuses = {row["deadline"].key: (row["status"], row["colour"]) for row in rows}
    assert statuses == {
        "late": ("已超期", "red"),
        "warned": ("预警中", "amber"),
        "running": ("计时中", "green"),
        "met": ("按期完成", "green"),
    }

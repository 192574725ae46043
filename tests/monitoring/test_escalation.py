"""Escalation: overdue by 2 working days → the unit's leader, by 5 → marketing (DOMAIN.md §4).

"Overdue by N working days" counts like a limit: the N-th working day after the due day has
ended (24:00). Dates counted by hand from the 2026 arrangements:
- Spring Festival: 15–23 Feb off; Sat 14 Feb and Sat 28 Feb are make-up workdays.
- Mid-autumn and National Day: 25–27 Sep and 1–7 Oct off; Sat 10 Oct is a make-up workday.
"""

from datetime import date, datetime, time, timedelta

import pytest

from monitoring import workdays
from monitoring.models import EscalationStep
from monitoring.sweep import overdue_cutoff, run_sweep

from .sweeping import ESCALATION, OVERDUE, SHANGHAI, WARNING, alerts, local, scheme_clock

MINUTE = timedelta(minutes=1)


def test_levels_2_and_3_across_national_day(make_app, walker):
    # Accepted Fri 25 Sep (a holiday), scheme from 10:00: Mon 28 (1), Tue 29 (2), Wed 30 (3)
    # → due 24:00 Wed 30 Sep, the eve of the National Day holiday.
    _app, clock = scheme_clock(make_app, walker, local(2026, 9, 25, 9))
    assert clock.due_at == local(2026, 10, 1)

    run_sweep(local(2026, 10, 1))
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1)}
    # +2: Thu 8 Oct (1), Fri 9 Oct (2) → from 00:00 Sat 10 Oct; the week off counts for nothing.
    run_sweep(local(2026, 10, 10) - MINUTE)
    assert (ESCALATION, 2) not in alerts(clock)
    run_sweep(local(2026, 10, 10))
    assert (ESCALATION, 2) in alerts(clock)
    # +5: Sat 10 Oct make-up (3), Mon 12 (4), Tue 13 (5) → from 00:00 Wed 14 Oct.
    run_sweep(local(2026, 10, 14) - MINUTE)
    assert (ESCALATION, 3) not in alerts(clock)
    run_sweep(local(2026, 10, 14))
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2), (ESCALATION, 3)}


def test_levels_2_and_3_across_the_spring_festival(make_app, walker):
    # Scheme from Tue 10 Feb 10:00: Wed 11 (1), Thu 12 (2), Fri 13 (3) → due 24:00 Fri 13 Feb.
    _app, clock = scheme_clock(make_app, walker, local(2026, 2, 10, 9))
    assert clock.due_at == local(2026, 2, 14)

    # +2: Sat 14 make-up (1), 15–23 off, Tue 24 (2) → from 00:00 Wed 25 Feb.
    run_sweep(local(2026, 2, 24, 23, 59))
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1)}
    run_sweep(local(2026, 2, 25))
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2)}
    # +5: Wed 25 (3), Thu 26 (4), Fri 27 (5) → from 00:00 Sat 28 Feb (itself a make-up day).
    run_sweep(local(2026, 2, 27, 23, 59))
    assert (ESCALATION, 3) not in alerts(clock)
    run_sweep(local(2026, 2, 28))
    assert (ESCALATION, 3) in alerts(clock)


def test_an_hour_limit_escalates_by_the_working_days_after_its_due_day(make_app):
    # Acceptance: 24 hours from Mon 2 Mar 9:00 → due Tue 3 Mar 9:00 (its due day: Tue 3).
    app = make_app("lv_resident", at=local(2026, 3, 2, 9))
    clock = app.clocks.get()
    assert clock.due_at == local(2026, 3, 3, 9)

    run_sweep(local(2026, 3, 5, 23, 59))
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1)}
    run_sweep(local(2026, 3, 6))  # Wed 4 (1), Thu 5 (2) ended
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2)}
    run_sweep(local(2026, 3, 11))  # Fri 6 (3), Mon 9 (4), Tue 10 (5) ended
    assert (ESCALATION, 3) in alerts(clock)


def test_edited_escalation_steps_count_from_the_next_sweep(make_app, walker):
    _app, clock = scheme_clock(make_app, walker, local(2026, 9, 25, 9))  # due 24:00 Wed 30 Sep
    EscalationStep.objects.filter(policy=clock.policy, level=2).update(overdue_working_days=1)
    EscalationStep.objects.filter(policy=clock.policy, level=3).delete()

    run_sweep(local(2026, 10, 8, 23, 59))
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1)}
    run_sweep(local(2026, 10, 9))  # Thu 8 Oct, the first working day after the due day, ended
    assert alerts(clock) == {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2)}
    run_sweep(local(2026, 12, 31))
    assert (ESCALATION, 3) not in alerts(clock)


def days(first: date, last: date):
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def at(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.mark.django_db
@pytest.mark.parametrize("overdue_days", [1, 2, 5])
@pytest.mark.parametrize(
    "span", [(date(2026, 2, 1), date(2026, 3, 10)), (date(2026, 9, 15), date(2026, 10, 25))]
)
def test_the_cutoff_instant_agrees_with_the_rule_on_every_day(overdue_days, span):
    # Brute force around both holidays: a clock due on day D (at 24:00, or at 9:00 for an hour
    # limit) is escalated at `now` exactly when the N-th working day after D has ended.
    first, last = span
    sweeps = [at(day, hour) for day in days(first, last + timedelta(days=14)) for hour in (0, 12)]
    for due_day in days(first, last):
        escalated_from = workdays.due_at(at(due_day, 12), overdue_days)
        for due_at in (at(due_day + timedelta(days=1)), at(due_day, 9)):
            for now in sweeps:
                escalated = due_at <= overdue_cutoff(now, overdue_days)
                assert escalated == (now >= escalated_from), (due_day, due_at, now)

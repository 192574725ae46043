"""A hand-made history for the breach forecast: clocks written directly, every working day chosen.

March 2026 has no holiday: working days are Monday to Friday. `NOW` is Friday 20 March 10:00,
so a clock started on Wednesday 18 March has used 2 working days (Thursday, Friday).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitoring import workdays
from monitoring.forecast.refresh import refresh_forecasts
from monitoring.models import ForecastPolicy, StageClock
from tests.monitoring.dashboard import conftest as dashboard
from tests.monitoring.dashboard.conftest import local, make_app

# The dashboard tests' company with two stations and its staff, as fixtures here too.
units = dashboard.units
people = dashboard.people

NOW = local(2026, 3, 20, 10)
STAGE = "scheme"


def clock(
    app,
    started,
    *,
    stopped=None,
    days=None,
    outcome=None,
    limit=3,
    paused_at=None,
    stage=STAGE,
    responsible=None,
) -> StageClock:
    """A company clock of `stage` under a `limit`-working-day limit; open unless `stopped`."""
    if outcome is None:
        outcome = "open" if stopped is None else ("breached" if days > limit else "met")
    return StageClock.objects.create(
        application=app,
        stage=stage,
        unit=app.unit,
        customer_class=app.customer_class,
        responsible=responsible or app.customer_manager,
        counts_against_company=True,
        limit_unit="working_days",
        limit_value=limit,
        started_at=started,
        due_at=workdays.due_at(started, limit),
        warn_at=None,
        stopped_at=stopped,
        elapsed_working_days=days,
        outcome=outcome,
        paused_at=paused_at,
    )


def finished(unit, manager, days, *, outcome=None, **app_kwargs) -> StageClock:
    """A clock of an earlier application that ended after `days` working days."""
    app = make_app(unit, manager=manager, **app_kwargs)
    started = local(2026, 1, 5, 9)
    stopped = started + timedelta(days=14)  # when it stopped does not matter: its days do
    return clock(app, started, stopped=stopped, days=days, outcome=outcome)


@pytest.fixture
def policy(db):
    policy = ForecastPolicy.current()
    policy.min_group_size = 5
    policy.save()
    return policy


@pytest.fixture
def history(units, people, policy):
    """The hand-made history of low-voltage business schemes in 西湖 (no grid works, 80 kVA).

    Finished: 1 after 0 working days, 1 after 1, 2 after 2, 1 after 3, 2 after 4, 1 after 6.
    Returned after 3 working days: 1 (censored). Open now: one started Tue 17 March (3 working
    days), one started Fri 13 March (5), and one started Thu 12 March and suspended since Tue
    17 March 10:00 (6 working days less 3 paused: 3).
    """
    xihu, cm = units["xihu"], people["cm_xihu"]
    for days in (0, 1, 2, 2, 3, 4, 4, 6):
        finished(xihu, cm, days)
    finished(xihu, cm, 3, outcome="returned")
    opened = {
        "three": clock(make_app(xihu, manager=cm), local(2026, 3, 17, 9)),
        "five": clock(make_app(xihu, manager=cm), local(2026, 3, 13, 9)),
        "paused": clock(
            make_app(xihu, manager=cm), local(2026, 3, 12, 9), paused_at=local(2026, 3, 17, 10)
        ),
    }
    return opened


def refresh():
    return refresh_forecasts(NOW)

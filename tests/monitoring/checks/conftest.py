"""A hand-made population for the random checks: 西湖's applications accepted in March 2026."""

from datetime import date

import pytest

from applications import roles
from applications.demo import make_staff
from monitoring.checks import services
from tests.monitoring.dashboard.conftest import local
from tests.monitoring.dashboard.conftest import make_app as raw_app

MARCH = {"period_start": date(2026, 3, 1), "period_end": date(2026, 3, 31)}


def accepted_in_march(unit, count, *, day=2, **kwargs):
    return [
        raw_app(unit, accepted=local(2026, 3, day + i % 28, 10), **kwargs) for i in range(count)
    ]


@pytest.fixture
def marketing_supervisor(unit):
    return make_staff(
        "yingxiao", role=roles.SUPERVISOR, unit=unit, full_name="营销主管", department="marketing"
    )


@pytest.fixture
def by_class(unit, other_unit, staff):
    """20 低压居民, 7 低压非居民, 3 高压单电源 accepted in March (30), and three that are not
    in the population: two accepted on the last day of February and at 00:00 on 1 April, one
    of 余杭."""
    manager = staff["customer_manager"]
    apps = {
        "lv_resident": accepted_in_march(unit, 20, customer_class="lv_resident", manager=manager),
        "lv_business": accepted_in_march(unit, 7, customer_class="lv_business", manager=manager),
        "hv_single": accepted_in_march(unit, 3, customer_class="hv_single", manager=manager),
    }
    raw_app(unit, accepted=local(2026, 2, 28, 23, 59), manager=manager)
    raw_app(unit, accepted=local(2026, 4, 1), manager=manager)
    raw_app(other_unit, accepted=local(2026, 3, 10), manager=manager)
    return apps


def draw(user, unit, **kwargs):
    kwargs = {**MARCH, "kind": "inspection", "sample_size": 10, "seed": 20260301, **kwargs}
    return services.draw_check(user=user, unit=unit, at=local(2026, 4, 2, 9), **kwargs)

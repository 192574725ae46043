"""The refresh follows the sweep task, at most once per the policy's interval."""

from datetime import timedelta

from django_q.models import OrmQ

from monitoring import schedules, tasks
from monitoring.forecast.refresh import claim_refresh
from monitoring.models import ClockForecast

from .conftest import NOW


def test_the_refresh_is_claimed_once_per_interval(policy):
    assert claim_refresh(NOW)
    assert not claim_refresh(NOW + timedelta(minutes=59))  # a sweep 5 minutes later: not due
    assert claim_refresh(NOW + timedelta(minutes=60))


def test_the_sweep_task_queues_the_refresh_when_due(policy):
    assert schedules.queue_after_sweep(NOW) == ["monitoring.tasks.refresh_forecasts"]
    assert schedules.queue_after_sweep(NOW + timedelta(minutes=5)) == []
    assert OrmQ.objects.count() == 1  # one queued task, run by the cluster


def test_the_refresh_task_forecasts_every_open_clock(history):
    result = tasks.refresh_forecasts()
    assert result["clocks"] == 3 and ClockForecast.objects.count() == 3

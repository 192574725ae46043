"""Fallback to broader groups, idempotent refresh, the single early alert and its notification."""

from monitoring.forecast.alerts import raise_forecast_alerts
from monitoring.models import Alert, ClockForecast, Notification
from monitoring.notify import notify_alerts

from .conftest import NOW, clock, local, make_app, refresh


def test_a_unit_without_history_falls_back_to_a_broader_group_and_says_so(history, units, people):
    yuhang = clock(make_app(units["yuhang"], manager=people["cm_yuhang"]), local(2026, 3, 18, 9))

    refresh()

    forecast = ClockForecast.objects.get(clock=yuhang)
    # Neither 余杭's capacity band nor 余杭 as a whole has any history: the group without the
    # unit (all units' low-voltage business schemes without grid works) answers — 西湖's clocks.
    assert forecast.group_level == 2
    assert forecast.group_size == 10 and forecast.late_count == 3
    assert abs(forecast.probability - 0.6667) < 1e-9
    assert forecast.explanation.startswith(
        "更细的分组（低压非居民·勘查及方案答复·无配套工程·余杭供电服务中心）不足 5 件，"
        "改用更宽的分组。同类（低压非居民·勘查及方案答复·无配套工程）10 件在本环节"
    )


def test_too_little_history_anywhere_gives_no_probability(history, units, people, policy):
    policy.min_group_size = 50
    policy.save()
    target = clock(make_app(units["xihu"], manager=people["cm_xihu"]), local(2026, 3, 18, 9))

    refresh()

    forecast = ClockForecast.objects.get(clock=target)
    assert forecast.probability is None
    assert forecast.explanation == (
        "同类历史不足：最宽的分组（全部用电类别·勘查及方案答复）在本环节已用 2 个工作日仍未办结的"
        "仅 10 件（少于 50 件），暂不估计。"
    )


def test_refresh_is_idempotent_and_forgets_closed_clocks(history):
    first = refresh()
    rows = list(ClockForecast.objects.order_by("pk").values())

    again = refresh()

    assert first.written == 3 and again.written == 0 and again.removed == 0
    assert list(ClockForecast.objects.order_by("pk").values()) == rows

    history["three"].outcome = "met"
    history["three"].save()
    assert refresh().removed == 1
    assert not ClockForecast.objects.filter(clock=history["three"]).exists()


def test_the_early_alert_is_raised_once_and_tells_the_owner_only(history, units, people, policy):
    policy.alert_threshold = 30
    policy.save()
    # A 4-day limit: 2 working days left, risk 8/10 × 5/6 × 2/4 = 1/3 ≥ 30%.
    target = clock(
        make_app(units["xihu"], manager=people["cm_xihu"]), local(2026, 3, 18, 9), limit=4
    )
    refresh()

    assert raise_forecast_alerts(NOW) == 1  # the others: paused, ≤ 1 day left, or overdue
    assert raise_forecast_alerts(NOW) == 0
    refresh()
    assert raise_forecast_alerts(NOW) == 0
    alert = Alert.objects.get(kind=Alert.Kind.FORECAST)
    assert alert.clock == target and alert.level == 0

    notify_alerts(NOW)
    notification = Notification.objects.get(alert=alert)
    assert notification.recipient == people["cm_xihu"]
    assert notification.kind == Alert.Kind.FORECAST
    assert notification.title == f"预计超期：{target.application.number} 勘查及方案答复"
    assert "很可能超期" in notification.body and "估计超期概率 33%" in notification.body


def test_switched_off_no_early_alert(history, units, people, policy):
    policy.alert_threshold = 30
    policy.early_alert_enabled = False
    policy.save()
    clock(make_app(units["xihu"], manager=people["cm_xihu"]), local(2026, 3, 18, 9), limit=4)
    refresh()

    assert raise_forecast_alerts(NOW) == 0
    assert not Alert.objects.exists()


def test_refresh_without_open_clocks_writes_nothing(policy):
    result = refresh()
    assert (result.clocks, result.written, result.removed) == (0, 0, 0)
    assert not ClockForecast.objects.exists()

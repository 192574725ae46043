"""The conditional estimate on a hand-made history whose answer is written out."""

from monitoring.forecast.estimate import FINISHED, LEFT, OPEN, History
from monitoring.models import ClockForecast

from .conftest import clock, local, make_app, refresh


def test_without_open_clocks_the_estimate_is_late_over_still_in_stage():
    # 10 clocks; 6 still in the stage after 2 working days, 2 of them beyond a 3-day limit.
    history = History()
    for days, count in {0: 2, 1: 2, 2: 1, 3: 3, 4: 1, 7: 1}.items():
        history.add(days, FINISHED, count)
    estimate = history.estimate(2, 3, exclude_self=False)
    assert estimate.group_size == 6 and estimate.late == 2 and estimate.met == 4
    assert abs(estimate.probability - 2 / 6) < 1e-9


def test_censored_clocks_count_for_the_days_they_were_seen():
    history = History()
    for days, count in {2: 2, 3: 1, 4: 2, 6: 1}.items():
        history.add(days, FINISHED, count)
    history.add(3, LEFT, 1)  # returned after 3 days: at risk on days ≤ 3
    history.add(3, OPEN, 2)  # open at 3 days: seen not to finish before day 3
    history.add(5, OPEN, 1)
    history.add(2, OPEN, 1)  # the clock being estimated
    # Day 2: at risk 2+1+2+1 finished, 1 returned, 3 open (seen at 3, 3, 5) = 10; 2 finish.
    # Day 3: at risk 1+2+1 finished, 1 returned, 1 open (seen at 5) = 6; 1 finishes.
    # P(still open after day 3 | in stage at day 2) = 8/10 × 5/6 = 2/3: late. (Counting the
    # 4 still pending as on time would say 3/10, as late 7/10.)
    estimate = history.estimate(2, 3)
    assert abs(estimate.probability - 2 / 3) < 1e-9
    assert (estimate.group_size, estimate.late, estimate.met, estimate.pending) == (10, 3, 3, 4)
    # Under a 4-day limit day 4 counts too: 4 at risk (2+1 finished, 1 open), 2 finish.
    assert abs(history.estimate(2, 4).probability - 8 / 10 * 5 / 6 * 2 / 4) < 1e-9


def test_refresh_stores_the_hand_made_answer_with_its_explanation(history, units, people):
    target = clock(make_app(units["xihu"], manager=people["cm_xihu"]), local(2026, 3, 18, 9))

    result = refresh()

    assert result.clocks == 4  # the target and the three open clocks of the history
    forecast = ClockForecast.objects.get(clock=target)
    assert forecast.elapsed_working_days == 2 and forecast.remaining_working_days == 1
    assert abs(forecast.probability - 0.6667) < 1e-9  # 8/10 × 5/6, to 4 places
    assert (forecast.group_level, forecast.group_size, forecast.late_count) == (0, 10, 3)
    assert forecast.explanation == (
        "同类（低压非居民·勘查及方案答复·无配套工程·西湖供电服务中心·50–160 kVA）10 件在本环节"
        "已用 2 个工作日仍未办结的申请中，3 件超期（超过 3 个工作日），3 件按期，4 件尚在办理或"
        "已退回（按已观察的天数计入）：估计超期概率 67%。"
    )
    # The paused clock's time excludes its pause: 6 working days since it began, 3 paused.
    paused = ClockForecast.objects.get(clock=history["paused"])
    assert paused.paused and paused.elapsed_working_days == 3
    # Day 3 onwards: at risk 6 (1+2+1 finished, 1 returned, the open one seen at 5), 1 finishes.
    assert abs(paused.probability - round(5 / 6, 4)) < 1e-9
    # A clock past its limit is late already.
    overdue = ClockForecast.objects.get(clock=history["five"])
    assert overdue.probability == 1 and overdue.remaining_working_days == -2
    assert overdue.explanation == "已超过时限：已用 5 个工作日，时限 3 个工作日。"

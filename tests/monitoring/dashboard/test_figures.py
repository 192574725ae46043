"""Each dashboard figure on a small hand-made data set, expected values written out."""

from datetime import timedelta

import pytest
from django.db import connection

from monitoring.dashboard import figures as F
from monitoring.dashboard.dashboard import build_dashboard
from monitoring.dashboard.filters import Period, scoped_applications, scoped_clocks
from monitoring.dashboard.percentiles import percentile_cont
from monitoring.dashboard.records import refresh_connection_records, refresh_monthly_figures
from monitoring.models import DailyReceived, MonthlyFigures, MonthlyStageFigures, StageClock

from .conftest import (
    MARCH,
    MARCH_2025,
    energized_app,
    filters,
    local,
    make_app,
    make_callback,
    make_clock,
)

NOW = local(2026, 4, 15, 10)


def report_for(rf, user, **kwargs):
    request = rf.get("/dashboard/")
    request.user = user
    return build_dashboard(user=user, request=request, filters=filters(**kwargs), now=NOW)


def rows(report, key):
    """The table's rows as the page shows them (text of each cell)."""
    return [[cell.text() for cell in row] for row in report.table(key).rows]


@pytest.fixture
def rf():
    from django.test import RequestFactory

    return RequestFactory()


def test_seeds_split_small_micro_with_and_without_grid_works(rf, people, seeds_split):
    report = report_for(rf, people["supervisor"], customer_class="lv_business", small_micro=True)

    # 148 customers, 3.76 days; 67 with works (45.3%) at 4.88, 81 without (54.7%) at 2.83;
    # no clock over its limit; down 0.83 on the year before; whole-process limit 10 days.
    assert rows(report, "connection") == [
        ["低压非居民", "148", "3.76", "67", "45.3%", "4.88", "81", "54.7%", "2.83", "0", "4.59",
         "-0.83", "10"],
        ["合计", "148", "3.76", "67", "45.3%", "4.88", "81", "54.7%", "2.83", "0", "4.59", "-0.83",
         ""],
    ]  # fmt: skip
    # 流程时间节约率 against the same month a year earlier: (4.586 − 3.757) ÷ 4.586 = 18.1%.
    assert rows(report, "saving") == [
        ["低压非居民", "29", "4.59", "3.76", "18.1%"],
        ["合计", "29", "4.59", "3.76", "18.1%"],
    ]


def test_connection_rows_show_small_micro_under_business_when_unfiltered(
    rf, people, seeds_split, units
):
    energized_app(units["yuhang"], 6, energized=local(2026, 3, 10, 9), customer_class="lv_resident",
                  late=True)  # fmt: skip
    refresh_connection_records()
    report = report_for(rf, people["supervisor"])
    table = rows(report, "connection")
    assert [r[0] for r in table] == ["低压居民", "低压非居民", "其中：小微企业", "合计"]
    assert table[0][1:4] == ["1", "6.00", "0"] and table[0][9] == "1"  # the late scheme clock
    assert table[3][1:3] == ["149", f"{(556 + 6) / 149:.2f}"]


def test_baseline_period_is_chosen_by_the_user(rf, people, seeds_split):
    report = report_for(rf, people["supervisor"], baseline=Period(MARCH_2025.start, MARCH.end))
    # Baseline spans both Marches: (133 + 556) ÷ 177 = 3.893; saving (3.893 − 3.757) ÷ 3.893.
    base, now = 689 / 177, 556 / 148
    assert rows(report, "saving")[-1] == ["合计", "177", f"{base:.2f}", "3.76",
                                          f"{(base - now) / base * 100:.1f}%"]  # fmt: skip


@pytest.fixture
def stage_clocks(units, people):
    """March 2026 scheme clocks finishing in 1,1,2,2,3,3,4,4,5,10 working days (limit 3), a
    returned and a customer-time clock (not judged), one February clock (outside)."""
    cm = people["cm_xihu"]
    app = make_app(units["xihu"], manager=cm)
    for i, days in enumerate([1, 1, 2, 2, 3, 3, 4, 4, 5, 10]):
        start = local(2026, 3, 2 + i, 9)
        make_clock(app, "scheme", started=start, stopped=start + timedelta(days=days), days=days,
                   limit=3, responsible=cm)  # fmt: skip
    make_clock(app, "scheme", started=local(2026, 3, 3), stopped=local(2026, 3, 4), days=1,
               outcome="returned")  # fmt: skip
    make_clock(app, "customer_design", started=local(2026, 3, 3), stopped=local(2026, 3, 20),
               days=12)  # fmt: skip
    make_clock(app, "energize", started=local(2026, 2, 3), stopped=local(2026, 2, 5), days=2)
    make_clock(app, "energize", started=local(2026, 3, 3), stopped=local(2026, 3, 5), days=2,
               limit=2)  # fmt: skip
    return app


@pytest.mark.parametrize(
    "rebuilt",
    [None, local(2026, 4, 15, 8), local(2026, 3, 6, 8)],
    ids=["live", "rollup-whole-month", "rollup-to-6-march-then-live"],
)
def test_stage_overdue_rate_average_and_p90(rf, people, stage_clocks, rebuilt):
    if rebuilt:
        refresh_monthly_figures(now=rebuilt)
        rolled = MonthlyStageFigures.objects.filter(month=MARCH.start)
        # Whole March: its 11 judged clocks; before 6 March: the scheme clocks stopped on the
        # 3rd and the 4th and the energize of the 5th (the rest of March is counted live).
        assert sum(r.finished for r in rolled) == (11 if rebuilt.month == 4 else 3)
    report = report_for(rf, people["supervisor"])
    # Scheme: 10 judged, 4 late (4, 4, 5, 10 > 3) = 40%; average 35 ÷ 10 = 3.5;
    # P90: h = 9 × 0.9 = 8.1 → 5 + 0.1 × (10 − 5) = 5.5.
    assert rows(report, "stages") == [
        ["勘查及方案答复", "3", "10", "4", "40.0%", "3.50", "5.50"],
        ["装表接电", "2", "1", "0", "0.0%", "2.00", "2.00"],
        ["合计", "", "11", "4", "36.4%", "—", "—"],
    ]


def test_p90_from_the_histogram_of_working_days(people, stage_clocks):
    scheme = F.stage_figures(scoped_clocks(people["supervisor"], filters()), MARCH)["scheme"]
    # Scheme's ten judged clocks: 1, 1, 2, 2, 3, 3, 4, 4, 5, 10 working days.
    assert scheme.histogram == {1: 2, 2: 2, 3: 2, 4: 2, 5: 1, 10: 1}
    for fraction, expected in [(0.9, 5.5), (0.5, 3.0), (0.25, 2.0), (1.0, 10.0), (0.0, 1.0)]:
        assert percentile_cont(scheme.histogram, fraction) == pytest.approx(expected)
    assert percentile_cont({}, 0.9) is None
    assert percentile_cont({7: 1}, 0.9) == 7.0


@pytest.mark.postgres_only
def test_p90_from_the_histogram_is_postgresql_percentile_cont(people, stage_clocks):
    clocks = F.judged_clocks(scoped_clocks(people["supervisor"], filters()), MARCH)
    histogram = F.stage_figures(clocks, MARCH)["scheme"].histogram
    sql, params = (
        clocks.filter(stage="scheme").values_list("elapsed_working_days").query.sql_with_params()
    )
    for fraction in (0.1, 0.33, 0.5, 0.75, 0.9, 0.95):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY v) FROM ({sql}) AS t(v)",
                [fraction, *params],
            )
            (native,) = cursor.fetchone()
        assert percentile_cont(histogram, fraction) == pytest.approx(native)


def test_in_flight_and_clocks_now(rf, people, units):
    cm = people["cm_xihu"]
    for state in ["scheme", "scheme", "energize", "suspended"]:
        make_app(units["xihu"], manager=cm, state=state)
    make_app(units["xihu"], manager=cm, state="archived", energized=local(2026, 3, 2))
    make_app(units["xihu"], manager=cm, state="cancelled")
    start = local(2026, 4, 1, 9)

    def clock(stage, state=None, **kwargs):
        app = make_app(units["xihu"], manager=cm, state=state or stage)
        make_clock(app, stage, started=start, **kwargs)

    # Overdue (due yesterday), due today at 24:00 and in its warning window, warning only
    # (due tomorrow), paused (ignored), customer time (ignored), not yet warning.
    clock("scheme", due=local(2026, 4, 14), warn=local(2026, 4, 13))
    clock("energize", due=local(2026, 4, 16), warn=local(2026, 4, 15))
    clock("archive", due=local(2026, 4, 17), warn=local(2026, 4, 15, 8))
    clock("scheme", "suspended", due=local(2026, 4, 10), paused=True)
    clock("customer_design")
    clock("contract", due=local(2026, 4, 20), warn=local(2026, 4, 19))
    report = report_for(rf, people["supervisor"])

    assert rows(report, "in_flight") == [
        ["勘查及方案答复", "3"], ["客户设计", "1"], ["供用电合同签订", "1"], ["装表接电", "2"],
        ["资料归档", "1"], ["暂停（客户原因）", "2"], ["合计", "10"],
    ]  # fmt: skip
    assert rows(report, "clocks_now") == [
        ["勘查及方案答复", "1", "0", "0"],
        ["装表接电", "0", "1", "1"],
        ["资料归档", "0", "0", "1"],
        ["合计", "1", "1", "2"],
    ]


@pytest.mark.parametrize("rollup", [False, True], ids=["live", "monthly-figures"])
def test_monthly_trend(rf, people, units, rollup):
    cm = people["cm_xihu"]
    energized_app(units["xihu"], 4, energized=local(2026, 3, 31, 23, 30), manager=cm, late=True)
    energized_app(units["xihu"], 2, energized=local(2026, 4, 1, 0, 30), manager=cm)
    make_app(units["xihu"], accepted=local(2025, 4, 30, 23, 59))  # the trend's first month
    make_app(units["xihu"], accepted=local(2025, 3, 31, 23, 59))  # before it
    refresh_connection_records()
    if rollup:
        # Months before April 2026 from MonthlyFigures, April counted live: the same table.
        assert refresh_monthly_figures(now=NOW) > 0
        assert MonthlyFigures.objects.filter(month=local(2026, 3, 1).date()).exists()
    report = report_for(
        rf, people["supervisor"], period=Period(MARCH.start, local(2026, 4, 2).date())
    )
    trend = rows(report, "trend")
    assert [r[0] for r in trend] == [f"2025-{m:02d}" for m in range(5, 13)] + [
        f"2026-{m:02d}" for m in range(1, 5)
    ]
    # Received: 2025-04-30 23:59 is April 2025, before the twelve months; the two energized
    # applications were accepted 2026-02-20. Judged clocks by the month they stopped: both
    # acceptances in February; the late scheme, its energize and the other scheme in March;
    # the first archive (2 Apr), the second energize (1 Apr 00:30) and archive in April.
    assert trend[-4] == ["2026-01", "0", "0", "—", "0", "—"]
    assert trend[-3] == ["2026-02", "2", "0", "—", "2", "0.0%"]
    assert trend[-2] == ["2026-03", "0", "1", "4.00", "3", "33.3%"]
    assert trend[-1] == ["2026-04", "0", "1", "2.00", "3", "0.0%"]


def test_rankings_by_unit_and_manager(rf, people, units):
    energized_app(units["xihu"], 3, energized=local(2026, 3, 5, 9), manager=people["cm_xihu"])
    energized_app(units["yuhang"], 5, energized=local(2026, 3, 6, 9), manager=people["cm_yuhang"],
                  late=True)  # fmt: skip
    refresh_connection_records()
    report = report_for(rf, people["supervisor"])
    # March's judged clocks: scheme, energize and archive (acceptance ended in February);
    # 余杭's scheme was late → 33.3%, ranked first.
    assert rows(report, "units") == [
        ["余杭供电服务中心", "杭州市供电公司", "1", "5.00", "3", "1", "33.3%", "0"],
        ["西湖供电服务中心", "杭州市供电公司", "1", "3.00", "3", "0", "0.0%", "0"],
    ]
    assert rows(report, "managers") == [
        ["余杭经理", "余杭供电服务中心", "1", "5.00", "3", "1", "33.3%", "0"],
        ["西湖经理", "西湖供电服务中心", "1", "3.00", "3", "0", "0.0%", "0"],
    ]


@pytest.mark.parametrize("rollup", [False, True], ids=["live", "daily-received"])
def test_received_by_channel_and_customer_steps(rf, people, units, seeds_split, rollup):
    for channel in ["app", "app", "95598"]:
        make_app(units["xihu"], channel=channel, accepted=local(2026, 3, 9, 9))
    hv = energized_app(
        units["xihu"], 9, energized=local(2026, 3, 20, 9), customer_class="hv_single"
    )
    for stage in ["design_review", "middle_inspection", "contract"]:
        make_clock(hv, stage, started=local(2026, 3, 1), stopped=local(2026, 3, 2), days=0)
    refresh_connection_records()
    if rollup:  # 9 March from DailyReceived; with covered_until the 10th, the rest live
        refresh_monthly_figures(now=local(2026, 3, 10, 8))
        make_app(units["xihu"], channel="app", accepted=local(2026, 3, 10, 9))
        make_app(units["xihu"], channel="app", accepted=local(2026, 4, 1, 9))  # after March
        assert DailyReceived.objects.filter(day=local(2026, 3, 9).date()).count() == 2
    report = report_for(rf, people["supervisor"])
    expected = [["网上国网", "2", "66.7%"], ["95598", "1", "33.3%"], ["合计", "3", "100.0%"]]
    if rollup:
        expected = [["网上国网", "3", "75.0%"], ["95598", "1", "25.0%"], ["合计", "4", "100.0%"]]
    assert rows(report, "channels") == expected
    # Small/micro: accept ①, scheme ②, customer completion ③, energize ⑤ = 4 steps (the
    # helper gives no completion inspection); high voltage adds ③ and ④ through its inspections
    # and contract: ① ② ③ ④ ⑤ = 5.
    assert rows(report, "steps") == [
        ["低压非居民", "148", "4.00", "0", "0", "0", "148", "0"],
        ["高压单电源", "1", "5.00", "0", "0", "0", "0", "1"],
        ["合计", "149", f"{(148 * 4 + 5) / 149:.2f}", "0", "0", "0", "148", "1"],
    ]


def test_callbacks_done_pending_and_satisfaction(rf, people, units):
    apps = [make_app(units["xihu"], energized=local(2026, 3, 2)) for _ in range(6)]
    due = local(2026, 3, 10, 18)
    make_callback(apps[0], "first", due=due, status="reached", reached=due)
    make_callback(apps[1], "first", due=due, status="unreachable")
    make_callback(apps[2], "first", due=due, status="unreached", suspected_off_system=True)
    make_callback(apps[3], "first", due=due, status="cancelled")
    make_callback(apps[4], "first", due=local(2026, 4, 2))  # outside March
    for app, score in zip(apps, [5, 4, 3, 1, None], strict=False):
        reached = local(2026, 3, 20) if score else None
        make_callback(app, "satisfaction", due=local(2026, 3, 20), satisfaction=score,
                      status="reached" if score else "pending", reached=reached)  # fmt: skip
    report = report_for(rf, people["supervisor"])
    assert rows(report, "callbacks") == [
        ["受理回访", "3", "1", "1", "1", "1"],
        ["满意度回访", "5", "4", "0", "1", "0"],
        ["合计", "8", "5", "1", "2", "1"],
    ]
    # Satisfaction: 4 reached with a score, 2 of them 4–5 → 50%.
    # No online ratings here: the customer-page row is empty and the total is the callbacks'.
    assert rows(report, "satisfaction") == [
        ["满意度回访", "4", "2", "50.0%"],
        ["客户网页评价", "0", "0", "—"],
        ["合计", "4", "2", "50.0%"],
    ]


def test_stage_figures_leave_out_other_months_and_unjudged_clocks(people, stage_clocks):
    clocks = scoped_clocks(people["supervisor"], filters())
    figures = F.stage_figures(clocks, MARCH)
    assert set(figures) == {"scheme", "energize"}
    assert (figures["scheme"].finished, figures["scheme"].breached) == (10, 4)
    assert StageClock.objects.filter(outcome="returned").count() == 1
    assert F.in_flight_by_state(scoped_applications(people["supervisor"], filters())) == {
        "scheme": 1
    }


def test_split_by_rollup_takes_whole_months_from_the_first():
    d = lambda m, day: local(2026, m, day).date()  # noqa: E731
    march, april = Period.month(2026, 3), Period.month(2026, 4)
    # This month so far, rebuilt this morning: the rollup up to today, today live.
    assert F.split_by_rollup(Period(d(4, 1), d(4, 15)), d(4, 15)) == (
        [april],
        [Period(d(4, 15), d(4, 15))],
    )
    # Two whole months, both held: nothing live.
    assert F.split_by_rollup(Period(d(3, 1), d(4, 30)), d(5, 2)) == ([march, april], [])
    # A period starting on another day, or ending inside a held month: live whole.
    assert F.split_by_rollup(Period(d(3, 2), d(3, 31)), d(5, 2)) == (
        [],
        [Period(d(3, 2), d(3, 31))],
    )
    assert F.split_by_rollup(Period(d(3, 1), d(3, 20)), d(5, 2)) == (
        [],
        [Period(d(3, 1), d(3, 20))],
    )
    assert F.split_by_rollup(MARCH, None) == ([], [MARCH])

"""The daily briefing (晨会) per unit and per customer manager, and the weekly pack (周例会)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import TransitionLog
from monitoring.dashboard.briefing import previous_working_day

from .conftest import local, make_app, make_callback, make_clock


def table(report, key):
    return [[c.text() for c in row] for row in report.table(key).rows]


def test_previous_working_day_skips_weekends_and_holidays(db):
    assert previous_working_day(local(2026, 3, 10).date()) == local(2026, 3, 9).date()  # Tue
    assert previous_working_day(local(2026, 3, 9).date()) == local(2026, 3, 6).date()  # Mon
    assert previous_working_day(local(2026, 3, 8).date()) == local(2026, 3, 6).date()  # Sun
    # After the Spring Festival (15–23 Feb 2026 off; Sat 14 Feb worked): Tue 24 → Sat 14.
    assert previous_working_day(local(2026, 2, 24).date()) == local(2026, 2, 14).date()


@pytest.fixture
def today_world(units, people):
    """Today in 西湖 (two managers) and 余杭, relative to the real clock."""
    now = timezone.now()
    today = timezone.localdate(now)
    cm, cm_y = people["cm_xihu"], people["cm_yuhang"]
    from applications import roles
    from applications.demo import make_staff

    cm2 = make_staff(
        "cm_xihu2", role=roles.CUSTOMER_MANAGER, unit=units["xihu"], full_name="西湖二"
    )
    yesterday_noon = timezone.make_aware(
        timezone.datetime.combine(previous_working_day(today), timezone.datetime.min.time())
    ) + timedelta(hours=12)

    def app_with_clock(unit, manager, stage, **clock):
        app = make_app(unit, manager=manager, state=stage)
        make_clock(app, stage, started=now - timedelta(days=5), **clock)
        return app

    overdue = app_with_clock(units["xihu"], cm, "scheme", due=now - timedelta(days=1))
    app_with_clock(units["xihu"], cm2, "energize", due=now + timedelta(seconds=30),
                   warn=now - timedelta(hours=1))  # fmt: skip
    app_with_clock(units["yuhang"], cm_y, "scheme", due=now - timedelta(days=2))
    log = {"application": overdue, "transition": "advance", "from_state": "accept",
           "to_state": "scheme", "actor": cm}  # fmt: skip
    TransitionLog.objects.create(**log, transition_label="完成受理", at=yesterday_noon)
    TransitionLog.objects.create(
        **log, transition_label="旧的", at=yesterday_noon - timedelta(days=7)
    )
    make_callback(overdue, "first", due=now - timedelta(hours=1))
    return {"cm2": cm2, "overdue": overdue}


def test_unit_briefing_lists_transitions_due_overdue_and_callbacks(
    client, people, units, today_world
):
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/briefing/", {"unit": units["xihu"].pk}).context["report"]
    assert table(report, "summary") == [
        ["昨日流转", "1"], ["今日到期", "1"], ["预警中", "1"], ["已超期", "1"], ["今日待回访", "1"],
        ["待核实监督线索", "0"], ["未关闭意见书", "0"],
    ]  # fmt: skip
    (log,) = table(report, "transitions")
    assert log[1:] == [today_world["overdue"].number, today_world["overdue"].customer.name,
                       "业务受理", "勘查及方案答复", "完成受理", "西湖经理"]  # fmt: skip
    (due,) = table(report, "due_today")
    assert due[3:5] == ["装表接电", "西湖二"]
    (late,) = table(report, "overdue")
    assert late[2:5] == ["西湖供电服务中心", "勘查及方案答复", "西湖经理"]
    assert int(late[6]) >= 1
    assert len(table(report, "callbacks_due")) == 1


def test_manager_briefing_shows_only_their_own(client, people, units, today_world):
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/briefing/", {"manager": today_world["cm2"].pk}).context[
        "report"
    ]
    assert table(report, "summary") == [
        ["昨日流转", "0"], ["今日到期", "1"], ["预警中", "1"], ["已超期", "0"], ["今日待回访", "0"],
        ["待核实监督线索", "0"], ["未关闭意见书", "0"],
    ]  # fmt: skip
    # A customer manager opening the page sees their own briefing by default.
    client.force_login(people["cm_xihu"])
    report = client.get("/dashboard/briefing/").context["report"]
    assert dict(report.subtitle)["对象"] == "西湖经理"
    assert table(report, "overdue")[0][4] == "西湖经理"


def test_unit_staff_cannot_brief_on_another_unit(client, people, units, today_world):
    client.force_login(people["cm_yuhang"])
    report = client.get("/dashboard/briefing/", {"unit": units["xihu"].pk}).context["report"]
    assert [row[2] for row in table(report, "overdue")] == ["余杭供电服务中心"]


def test_weekly_pack_for_an_iso_week(client, people, units):
    app = make_app(units["xihu"], manager=people["cm_xihu"])
    make_clock(app, "scheme", started=local(2026, 3, 9, 9), stopped=local(2026, 3, 13, 9), days=4,
               limit=3)  # fmt: skip
    make_clock(app, "energize", started=local(2026, 3, 16, 9), stopped=local(2026, 3, 20, 9),
               days=4, limit=2)  # fmt: skip
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/weekly/", {"week": "2026-W11"}).context["report"]
    assert report.title == "周例会材料（2026年第11周）"
    assert dict(report.subtitle)["统计期"] == "2026-03-09 ~ 2026-03-15"
    assert table(report, "stages")[0][:5] == ["勘查及方案答复", "3", "1", "1", "100.0%"]
    (late,) = table(report, "late_this_week")
    assert late[0] == app.number and late[3] == "勘查及方案答复"


@pytest.mark.parametrize("audience", ["unit", "manager"])
def test_briefing_counts_link_to_lists_that_reproduce_them(
    client, people, units, today_world, audience
):
    query = {"unit": units["xihu"].pk} if audience == "unit" else {"manager": people["cm_xihu"].pk}
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/briefing/", query).context["report"]
    linked = {}
    for label, cell in report.table("summary").rows:
        if cell.url:
            linked[label.text()] = client.get(cell.url).context["cl"].result_count
            assert linked[label.text()] == cell.value, (label.text(), cell.url)
    # The transitions have no admin list of their own; every other count has one.
    assert set(linked) == {
        "今日到期",
        "预警中",
        "已超期",
        "今日待回访",
        "待核实监督线索",
        "未关闭意见书",
    }
    # 西湖's one callback due is nobody's yet: the unit counts it, the manager does not.
    assert linked["今日待回访"] == (1 if audience == "unit" else 0)

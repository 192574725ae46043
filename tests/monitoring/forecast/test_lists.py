"""Where the forecast is shown: the likely-late lists (scoped to the user's units), the
dashboard, the briefing, the admin application list's risk column and filter, the timeline."""

import pytest
from django.urls import reverse

from monitoring.forecast.lists import likely_late

from .conftest import clock, local, make_app, refresh


def rows(report, key):
    found = next(t for t in report.tables if t.key == key)
    return [[cell.text() for cell in row] for row in found.rows]


@pytest.fixture
def risky(history, units, people):
    """Two clocks at 67% risk (default threshold 60%): one in 西湖, one in 余杭."""
    xihu = clock(make_app(units["xihu"], manager=people["cm_xihu"]), local(2026, 3, 18, 9))
    yuhang = clock(make_app(units["yuhang"], manager=people["cm_yuhang"]), local(2026, 3, 18, 9))
    refresh()
    return {"xihu": xihu, "yuhang": yuhang}


def test_likely_late_lists_are_scoped_to_the_users_units(risky, history, people):
    # 67% each (1 day left); the history's clocks seen at 3 days, 83% (0 days left); the
    # overdue one (100%) is not "likely late" but late. Riskiest first, then fewest days left.
    three, paused = history["three"].pk, history["paused"].pk
    everyone = list(likely_late(people["supervisor"]).values_list("clock_id", flat=True))
    assert everyone == [three, paused, risky["xihu"].pk, risky["yuhang"].pk]
    xihu_only = likely_late(people["cm_xihu"]).values_list("clock_id", flat=True)
    assert list(xihu_only) == [three, paused, risky["xihu"].pk]
    assert list(likely_late(people["cm_yuhang"]).values_list("clock_id", flat=True)) == [
        risky["yuhang"].pk
    ]


def test_dashboard_and_briefing_show_the_likely_late_list(client, risky, history, people, units):
    client.force_login(people["cm_xihu"])
    report = client.get("/dashboard/").context["report"]
    listed = rows(report, "likely_late")
    # Their own unit's only, riskiest first.
    expected = [history["three"], history["paused"], risky["xihu"]]
    assert [row[0] for row in listed] == [c.application.number for c in expected]
    row = listed[2]
    assert row[2:5] == ["西湖供电服务中心", "勘查及方案答复", "西湖经理（cm_xihu）"]
    assert row[6] == "1" and "估计超期概率 67%" in row[8]

    client.force_login(people["supervisor"])
    briefing = client.get("/dashboard/briefing/", {"unit": units["yuhang"].pk}).context["report"]
    (only,) = rows(briefing, "likely_late")
    assert only[0] == risky["yuhang"].application.number and only[4] == "余杭经理（cm_yuhang）"


def test_admin_application_list_has_a_risk_column_and_filter(client, risky, people):
    client.force_login(people["supervisor"])
    url = reverse("admin:applications_application_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert "超期预测" in page.text and "67%" in page.text
    high = client.get(url, {"forecast_risk": "high"}).context["cl"].result_list
    assert {a.pk for a in high} >= {risky["xihu"].application_id, risky["yuhang"].application_id}
    assert all(a.forecast_risk >= 0.6 for a in high)
    none = client.get(url, {"forecast_risk": "none"}).context["cl"].result_list
    assert risky["xihu"].application_id not in {a.pk for a in none}


def test_the_timeline_explains_the_forecast(client, risky, people):
    client.force_login(people["cm_xihu"])
    url = reverse("admin:applications_application_change", args=[risky["xihu"].application_id])
    page = client.get(url).text
    assert "超期预测" in page and "67%" in page
    assert "10 件在本环节已用 2 个工作日仍未办结的申请中，3 件超期" in page


def test_forecast_admin_list_is_scoped_and_the_settings_editable(client, risky, people):
    client.force_login(people["cm_yuhang"])
    listing = client.get(reverse("admin:monitoring_clockforecast_changelist"))
    assert [f.clock_id for f in listing.context["cl"].result_list] == [risky["yuhang"].pk]

    client.force_login(people["supervisor"])
    policy_url = reverse("admin:monitoring_forecastpolicy_changelist")
    assert client.get(policy_url).status_code == 200
    every_unit = client.get(reverse("admin:monitoring_clockforecast_changelist"))
    assert len(every_unit.context["cl"].result_list) == 5  # the history's 3 open, and 2

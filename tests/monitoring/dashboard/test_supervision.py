"""The supervision block of the dashboard, and the open cases and letters of the briefing and
the weekly pack, counted by hand from `supervision_world` (conftest)."""

from datetime import timedelta

import pytest

from .conftest import local, make_case
from .test_export import assert_export_equals_page

MARCH_QUERY = {"start": "2026-03-01", "end": "2026-03-31"}
CATEGORIES = ["线外流转", "装表未告知", "客户重复往返", "业务受理不规范", "现场安全隐患",
              "未执行一证受理", "其他"]  # fmt: skip


def block(client, **query):
    report = client.get("/dashboard/", {**MARCH_QUERY, **query}).context["report"]
    return [[c.text() for c in row] for row in report.table("supervision").rows]


def expected(open_cases, found, per_category, letters_open, assessments, points, amount):
    return [
        ["待核实监督线索（当前）", str(open_cases)],
        ["统计期内发现线索", str(found)],
        ["统计期内签发意见书", str(sum(per_category))],
        *([f"其中：{c}", str(n)] for c, n in zip(CATEGORIES, per_category, strict=True)),
        ["未关闭意见书（当前）", str(letters_open)],
        ["统计期内考核人次", str(assessments)],
        ["考核扣分", points],
        ["考核金额（元）", amount],
    ]


@pytest.mark.usefixtures("supervision_world")
def test_dashboard_block_counts_cases_letters_and_assessments(client, people, units):
    client.force_login(people["supervisor"])
    # Every unit: c1 (00:00 on 1 March) and c2 (23:59 on 31 March) found in March, c3 (28 Feb)
    # and c4 (1 April) not; the void L4 and the draft L6 are not issued letters.
    everyone = expected(3, 2, [2, 0, 0, 0, 1, 0, 0], 3, 2, "3.5", "300.50")
    assert block(client) == everyone
    # 西湖 only: 余杭's c4, L5 and assessment are left out.
    assert block(client, unit=units["xihu"].pk) == expected(
        2, 2, [2, 0, 0, 0, 1, 0, 0], 2, 1, "2.0", "200.00"
    )
    # The class filters do not apply to the block (it says so): the same figures.
    assert block(client, customer_class="lv_resident", small_micro="1") == everyone
    # February: c3 found; no letter issued; February's assessment; open counts are of now.
    assert block(client, start="2026-02-01", end="2026-02-28") == expected(
        3, 1, [0] * 7, 3, 1, "3.0", "300.00"
    )


@pytest.mark.usefixtures("supervision_world")
def test_unit_staff_count_only_their_unit(client, people, units):
    client.force_login(people["cm_yuhang"])
    # 余杭 asks for 西湖: the unit filter cannot widen their scope (the form refuses 西湖).
    assert block(client, unit=units["xihu"].pk) == expected(1, 0, [0] * 7, 1, 1, "1.5", "100.50")
    assert block(client, start="2026-04-01", end="2026-04-30") == expected(
        1, 1, [0, 0, 0, 0, 0, 1, 0], 1, 0, "0.0", "0.00"
    )


@pytest.mark.usefixtures("supervision_world")
@pytest.mark.parametrize(
    "query", [{}, {"unit": "xihu"}, {"customer_class": "lv_business"}], ids=["all", "xihu", "cls"]
)
def test_block_counts_link_to_lists_that_reproduce_them(client, people, units, query):
    if "unit" in query:
        query = {"unit": units[query["unit"]].pk}
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/", {**MARCH_QUERY, **query}).context["report"]
    table = report.table("supervision")
    for row in table.rows:
        label, cell = row[0].text(), row[1]
        assert cell.url, label
        response = client.get(cell.url)
        assert response.status_code == 200, (label, cell.url)
        if cell.kind == "count":
            assert response.context["cl"].result_count == cell.value, (label, cell.url)


@pytest.mark.usefixtures("supervision_world")
def test_dashboard_export_has_the_block(client, people):
    client.force_login(people["supervisor"])
    report, exported = assert_export_equals_page(client, "/dashboard/", MARCH_QUERY)
    sheet = exported[list(exported)[1 + [t.key for t in report.tables].index("supervision")]]
    assert sheet[1] == ["待核实监督线索（当前）", 3]
    assert sheet[-2:] == [["考核扣分", 3.5], ["考核金额（元）", 300.5]]


def rows(report, key, columns):
    return [[row[i].text() for i in columns] for row in report.table(key).rows]


def test_briefing_lists_the_audience_open_cases_and_letters(
    client, people, units, supervision_world
):
    w = supervision_world
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/briefing/", {"unit": units["xihu"].pk}).context["report"]
    summary = dict(rows(report, "summary", [0, 1]))
    assert [summary["待核实监督线索"], summary["未关闭意见书"]] == ["2", "2"]
    # Oldest first: c3 (28 Feb, no responsible) then c1.
    assert rows(report, "open_cases", [0, 3, 4, 5]) == [
        ["2026-02-28 23:59", w["c3"].evidence_text, "西湖供电服务中心", ""],
        ["2026-03-01 00:00", w["c1"].evidence_text, "西湖供电服务中心", "西湖经理"],
    ]
    assert report.table("open_cases").rows[0][0].url == (
        f"/admin/monitoring/supervisioncase/{w['c3'].pk}/change/"
    )
    # Open letters by rectification due; both past due by now (the briefing is of today).
    assert rows(report, "open_letters", [0, 1, 3, 4, 6, 7]) == [
        [w["L1"].number, "线外流转", "西湖经理", "已签发", "2026-03-20", "逾期"],
        [w["L3"].number, "现场安全隐患", "front_xihu", "整改中", "2026-04-30", "逾期"],
    ]
    # A manager's: the cases and letters naming them.
    report = client.get("/dashboard/briefing/", {"manager": people["cm_xihu"].pk}).context["report"]
    assert [r[1] for r in rows(report, "open_cases", [0, 3])] == [w["c1"].evidence_text]
    assert rows(report, "open_letters", [0]) == [[w["L1"].number]]
    summary = dict(rows(report, "summary", [0, 1]))
    assert [summary["待核实监督线索"], summary["未关闭意见书"]] == ["1", "1"]


@pytest.mark.usefixtures("supervision_world")
@pytest.mark.parametrize("audience", ["unit", "manager"])
def test_briefing_supervision_counts_link_to_their_lists(client, people, units, audience):
    query = {"unit": units["xihu"].pk} if audience == "unit" else {"manager": people["cm_xihu"].pk}
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/briefing/", query).context["report"]
    summary = {row[0].text(): row[1] for row in report.table("summary").rows}
    for label in ("待核实监督线索", "未关闭意见书"):
        cell = summary[label]
        assert cell.url, label
        assert client.get(cell.url).context["cl"].result_count == cell.value, (label, cell.url)


@pytest.mark.usefixtures("supervision_world")
def test_another_units_staff_do_not_see_the_cases(client, people, units):
    client.force_login(people["cm_yuhang"])
    report = client.get("/dashboard/briefing/", {"unit": units["xihu"].pk}).context["report"]
    # 西湖 is out of their scope: the briefing falls back to what they see, 余杭's c4 and L5.
    assert rows(report, "open_cases", [4, 5]) == [["余杭供电服务中心", "余杭经理"]]
    assert rows(report, "open_letters", [2, 3]) == [["余杭供电服务中心", "余杭经理"]]


def test_weekly_pack_lists_the_weeks_letters_and_the_open_ones(client, people, supervision_world):
    w = supervision_world
    client.force_login(people["supervisor"])
    # Week 11 is 9–15 March: L2 (15 March, 12:00) issued; L4 (10 March) is void.
    report = client.get("/dashboard/weekly/", {"week": "2026-W11"}).context["report"]
    assert rows(report, "letters_this_week", [0, 4]) == [[w["L2"].number, "已关闭"]]
    assert rows(report, "open_letters", [0, 6]) == [
        [w["L1"].number, "2026-03-20"],
        [w["L5"].number, "2026-04-15"],
        [w["L3"].number, "2026-04-30"],
    ]
    supervision = {r[0]: r[1] for r in rows(report, "supervision", [0, 1])}
    assert supervision["统计期内签发意见书"] == "1"
    assert supervision["其中：线外流转"] == "1"


@pytest.mark.usefixtures("supervision_world")
def test_briefing_and_weekly_exports_have_the_lists(client, people, units):
    client.force_login(people["supervisor"])
    report, exported = assert_export_equals_page(
        client, "/dashboard/briefing/", {"unit": units["xihu"].pk}
    )
    assert "open_letters" in [t.key for t in report.tables]
    report, exported = assert_export_equals_page(client, "/dashboard/weekly/", {"week": "2026-W11"})
    keys = [t.key for t in report.tables]
    assert {"supervision", "letters_this_week", "open_letters"} <= set(keys)
    assert len(exported[list(exported)[1 + keys.index("open_letters")]]) == 4  # header + 3


def test_period_boundary_is_local_midnight(client, people, units):
    """A case found at 23:59:59 local on 28 Feb is February's, one at 00:00 on 1 March March's."""
    make_case(units["xihu"], found=local(2026, 3, 1) - timedelta(seconds=1))
    make_case(units["xihu"], found=local(2026, 3, 1))
    client.force_login(people["supervisor"])
    assert block(client)[1] == ["统计期内发现线索", "1"]
    assert block(client, start="2026-02-01", end="2026-02-28")[1] == ["统计期内发现线索", "1"]

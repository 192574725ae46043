"""Region scoping applies to every figure: a unit's staff count only their unit, whatever the
filter says; supervisors and inspectors see every unit; others may not open the pages."""

import pytest

from .conftest import energized_app, local, make_app, make_callback

QUERY = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def both_units(units, people, seeds_split):
    cm_y = people["cm_yuhang"]
    for total, works in [(6, True), (9, False)]:
        app = energized_app(
            units["yuhang"], total, energized=local(2026, 3, 12, 9), manager=cm_y, works=works,
            late=True, accepted=local(2026, 3, 2), channel="95598",
        )  # fmt: skip
        make_callback(app, "satisfaction", due=local(2026, 3, 14), status="reached",
                      satisfaction=2, reached=local(2026, 3, 13))  # fmt: skip
    make_app(units["yuhang"], manager=cm_y, state="scheme", accepted=local(2026, 3, 3))
    from monitoring.dashboard.records import refresh_connection_records

    refresh_connection_records()


def values(report):
    """Every table's cells as shown, links left out (they carry different filters)."""
    return {t.key: [[c.text() for c in row] for row in t.rows] for t in report.tables}


def without_reports(report):
    """`values`, less the 举报 column of the complaint tables: a supervisor sees reports, a
    customer manager does not (complaints.sees_reports), so only that column may differ."""
    shown = values(report)
    for key in ("complaints_units", "complaints_staff"):
        columns = report.table(key).columns
        if "举报（件）" in columns:
            i = columns.index("举报（件）")
            shown[key] = [row[:i] + row[i + 1 :] for row in shown[key]]
    return shown


def page(client, user, **query):
    client.force_login(user)
    response = client.get("/dashboard/", {**QUERY, **query})
    assert response.status_code == 200
    return response.context["report"]


def test_unit_staff_see_their_unit_whatever_the_filter_says(client, people, units, both_units):
    supervisor_view = without_reports(page(client, people["supervisor"], unit=units["yuhang"].pk))
    own = values(page(client, people["cm_yuhang"]))
    asks_other = values(page(client, people["cm_yuhang"], unit=units["xihu"].pk))
    asks_company = values(page(client, people["cm_yuhang"], unit=units["company"].pk))
    assert own == supervisor_view
    assert asks_other == own and asks_company == own
    # And it is really 余杭's: 2 energized, 1 + 2 in flight, no 西湖 row anywhere.
    assert own["connection"][-1][1] == "2"
    assert own["in_flight"][-1] == ["合计", "1"]
    assert all("西湖" not in str(row) for rows in own.values() for row in rows)


def test_every_table_differs_between_units_for_a_supervisor(client, people, units, both_units):
    xihu = values(page(client, people["supervisor"], unit=units["xihu"].pk))
    yuhang = values(page(client, people["supervisor"], unit=units["yuhang"].pk))
    everything = values(page(client, people["supervisor"]))
    assert xihu["connection"][-1][1] == "148" and yuhang["connection"][-1][1] == "2"
    assert everything["connection"][-1][1] == "150"
    assert everything["satisfaction"][0] == ["满意度回访", "2", "0", "0.0%"]
    assert everything["satisfaction"][-1] == ["合计", "2", "0", "0.0%"]
    assert xihu["satisfaction"][0] == ["满意度回访", "0", "0", "—"]
    assert xihu["satisfaction"][-1] == ["合计", "0", "0", "—"]


def test_inspector_sees_all_units_and_front_desk_may_not_open(client, people, both_units):
    assert values(page(client, people["inspector"])) == values(page(client, people["supervisor"]))
    client.force_login(people["front"])
    for url in ["/dashboard/", "/dashboard/briefing/", "/dashboard/weekly/"]:
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get("/dashboard/").status_code == 302  # to the admin login

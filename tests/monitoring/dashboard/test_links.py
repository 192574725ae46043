"""Every number that links to an admin list counts exactly the rows of that list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.dashboard.records import refresh_connection_records

from .conftest import energized_app, local, make_app, make_callback, make_clock

MARCH_QUERY = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def world(units, people, seeds_split):
    cm_y = people["cm_yuhang"]
    late = energized_app(units["yuhang"], 6, energized=local(2026, 3, 12, 9), manager=cm_y,
                         late=True, channel="app", accepted=local(2026, 3, 2, 9))  # fmt: skip
    now = timezone.now()
    for stage, due, warn in [
        ("scheme", now - timedelta(days=1), now - timedelta(days=2)),
        ("energize", now + timedelta(minutes=1), now - timedelta(hours=1)),
    ]:
        app = make_app(units["yuhang"], manager=cm_y, state=stage)
        make_clock(app, stage, started=now - timedelta(days=3), due=due, warn=warn)
    make_callback(late, "first", due=local(2026, 3, 2, 18), status="reached",
                  reached=local(2026, 3, 2, 12))  # fmt: skip
    make_callback(late, "satisfaction", due=local(2026, 3, 14), status="reached", satisfaction=5,
                  reached=local(2026, 3, 13))  # fmt: skip
    refresh_connection_records()


def linked_cells(report):
    for table in report.tables:
        for row in table.rows:
            for cell in row:
                if cell.url and cell.counts_link:
                    yield table.key, row[0].text(), cell


@pytest.mark.parametrize(
    "query",
    [MARCH_QUERY, {**MARCH_QUERY, "customer_class": "lv_business", "small_micro": "1"}],
    ids=["all", "small-micro"],
)
def test_each_linked_number_is_the_row_count_of_its_list(client, people, world, query):
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/", query).context["report"]
    followed = 0
    for table, label, cell in linked_cells(report):
        response = client.get(cell.url)
        assert response.status_code == 200, (table, label, cell.url)
        assert response.context["cl"].result_count == cell.value, (table, label, cell.url)
        followed += 1
    assert followed >= 30


def test_links_of_a_unit_user_stay_in_their_unit(client, people, world):
    client.force_login(people["cm_yuhang"])
    report = client.get("/dashboard/", MARCH_QUERY).context["report"]
    for table, label, cell in linked_cells(report):
        response = client.get(cell.url)
        assert response.context["cl"].result_count == cell.value, (table, label, cell.url)
    in_flight = report.table("in_flight").rows[-1][1]
    assert in_flight.value == 2  # 余杭's two open applications, not 西湖's


def test_the_admin_index_links_to_the_reports(client, people):
    client.force_login(people["supervisor"])
    page = client.get("/admin/").content.decode()
    for url in ["/dashboard/", "/dashboard/briefing/", "/dashboard/weekly/"]:
        assert f'href="{url}"' in page
    client.force_login(people["front"])
    assert 'href="/dashboard/"' not in client.get("/admin/").content.decode()

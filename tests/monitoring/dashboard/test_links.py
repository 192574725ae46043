"""Every number that links to an admin list counts exactly the rows of that list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import Application
from applications.services.charges import issue_charge, record_payment
from monitoring import complaints
from monitoring.dashboard.figures import end_of_day
from monitoring.dashboard.records import refresh_connection_records

from .conftest import energized_app, local, make_app, make_callback, make_clock

MARCH_QUERY = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def world(units, people, seeds_split, supervision_world):
    cm_y = people["cm_yuhang"]
    late = energized_app(units["yuhang"], 6, energized=local(2026, 3, 12, 9), manager=cm_y,
                         late=True, channel="app", accepted=local(2026, 3, 2, 9))  # fmt: skip
    now = timezone.now()
    # Due halfway to midnight: still "due today" however long the test takes to get there
    # (a due one minute ahead could pass before the page counted it).
    halfway_to_midnight = now + (end_of_day(now) - now) / 2
    in_scheme = None
    for stage, due, warn in [
        ("scheme", now - timedelta(days=1), now - timedelta(days=2)),
        ("energize", halfway_to_midnight, now - timedelta(hours=1)),
    ]:
        app = make_app(units["yuhang"], manager=cm_y, state=stage)
        make_clock(app, stage, started=now - timedelta(days=3), due=due, warn=warn)
        in_scheme = app if stage == "scheme" else in_scheme
    make_callback(late, "first", due=local(2026, 3, 2, 18), status="reached",
                  reached=local(2026, 3, 2, 12))  # fmt: skip
    make_callback(late, "satisfaction", due=local(2026, 3, 14), status="reached", satisfaction=5,
                  reached=local(2026, 3, 13))  # fmt: skip
    # Callbacks of other classes, so the class and small/micro filters change their counts.
    small = Application.objects.filter(is_small_micro=True).order_by("pk").first()
    make_callback(small, "satisfaction", due=local(2026, 3, 20), status="reached",
                  satisfaction=3, reached=local(2026, 3, 19))  # fmt: skip
    make_callback(small, "due_date", due=local(2026, 3, 21), suspected_off_system=True,
                  clock=small.clocks.get(stage="scheme"))  # fmt: skip
    home = energized_app(units["yuhang"], 3, energized=local(2026, 3, 5, 9), manager=cm_y,
                         customer_class="lv_resident")  # fmt: skip
    make_callback(home, "first", due=local(2026, 3, 1, 18), status="unreachable")
    charges_and_complaints(units, people, in_scheme=in_scheme)
    refresh_connection_records()


def charges_and_complaints(units, people, *, in_scheme):
    """余杭: a charge paid after 3 h and one unpaid, a complaint about its manager; 西湖: a 三零
    firm's charge (waived) and a complaint about the unit — so every filter changes a count."""
    cm_x, cm_y = people["cm_xihu"], people["cm_yuhang"]
    firm = make_app(units["xihu"], manager=cm_x, small_micro=True)
    for app, user, day in [(in_scheme, cm_y, 3), (in_scheme, cm_y, 4), (firm, cm_x, 5)]:
        issue_charge(application=app, user=user, kind="other", amount=day * 10,
                     explanation="费用说明", at=local(2026, 3, day, 9))  # fmt: skip
    record_payment(application=in_scheme, paid_at=local(2026, 3, 3, 12), source="marketing",
                   reference="W-1", amount=30, system="营销系统")  # fmt: skip
    for app, staff in [(in_scheme, cm_y), (firm, None)]:
        complaints.receive_complaint(kind="complaint", channel="95598", content="进度慢",
                                     received_at=local(2026, 3, 6, 9), application=app,
                                     staff_concerned=staff)  # fmt: skip


# Counts with no admin list of their own: the number of customer steps (kept only in the
# connection records) and the applications with a late stage (a fact about their clocks).
UNLINKED_COUNTS = {
    ("connection", "有环节超时限户数"),
    *(("steps", f"{n}个环节") for n in range(1, 6)),
    # Replies judged late: a fact about the complaint's clock, with no list filter of its own.
    ("complaints_units", "超期答复（件）"),
    ("complaints_staff", "超期答复（件）"),
}
# Rows adding up two lists (the satisfaction total: phone callbacks plus customer-page ratings).
UNLINKED_ROWS = {("satisfaction", "合计")}
# Tables whose every count links to a list (the rest hold only unlinked counts).
LINKED_TABLES = {
    "in_flight", "clocks_now", "stages", "connection", "saving", "trend", "units", "managers",
    "channels", "steps", "callbacks", "satisfaction", "supervision",
    "supervision_items",  # 督办事项: the total of open items links to their list
    "settlement", "complaints_units", "complaints_staff",  # charges; complaints per unit, staff
}  # fmt: skip


def count_cells(report):
    for table in report.tables:
        for row in table.rows:
            for column, cell in zip(table.columns, row, strict=True):
                if cell.kind == "count":
                    yield table.key, str(column), row[0].text(), cell


@pytest.mark.parametrize(
    "query",
    [
        MARCH_QUERY,
        {**MARCH_QUERY, "customer_class": "lv_business", "small_micro": "1"},
        {**MARCH_QUERY, "customer_class": "lv_resident"},
        {**MARCH_QUERY, "small_micro": "0", "unit": "yuhang"},
    ],
    ids=["all", "small-micro", "resident", "unit-not-small-micro"],
)
def test_each_count_is_the_row_count_of_its_list(client, people, units, world, query):
    """Every count on the dashboard links to an admin list whose filters reproduce it."""
    if "unit" in query:
        query = {**query, "unit": units[query["unit"]].pk}
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/", query).context["report"]
    followed = set()
    for table, column, label, cell in count_cells(report):
        if (table, column) in UNLINKED_COUNTS or (table, label) in UNLINKED_ROWS:
            assert not cell.url, (table, column, label)
            continue
        assert cell.url and cell.counts_link, (table, column, label)
        response = client.get(cell.url)
        assert response.status_code == 200, (table, label, cell.url)
        assert response.context["cl"].result_count == cell.value, (table, column, label, cell.url)
        followed.add(table)
    assert followed == LINKED_TABLES


def test_the_figures_of_the_filters_are_the_hand_counted_ones(client, people, units, world):
    """The callback figures under the class filters, counted by hand from `world`."""
    client.force_login(people["supervisor"])

    def callbacks(**query):
        report = client.get("/dashboard/", {**MARCH_QUERY, **query}).context["report"]
        rows = [[c.text() for c in row] for row in report.table("callbacks").rows]
        satisfaction = [c.text() for c in report.table("satisfaction").rows[0]]
        return rows[-1], satisfaction

    # 应回访 已回访 无法联系 待回访 疑似线外流转 — then reached with a score, 4–5, rate.
    assert callbacks() == (
        ["合计", "5", "3", "1", "1", "1"], ["满意度回访", "2", "1", "50.0%"],
    )  # fmt: skip
    assert callbacks(customer_class="lv_business", small_micro="1") == (
        ["合计", "2", "1", "0", "1", "1"], ["满意度回访", "1", "0", "0.0%"],
    )  # fmt: skip
    assert callbacks(customer_class="lv_resident") == (
        ["合计", "1", "0", "1", "0", "0"], ["满意度回访", "0", "0", "—"],
    )  # fmt: skip


def test_links_of_a_unit_user_stay_in_their_unit(client, people, world):
    client.force_login(people["cm_yuhang"])
    report = client.get("/dashboard/", MARCH_QUERY).context["report"]
    for table, _column, label, cell in count_cells(report):
        if cell.url:
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

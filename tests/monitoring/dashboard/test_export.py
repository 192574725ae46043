"""Every report exports to Excel with the same figures as the page; text never runs as a formula."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from applications.models import Customer

from .conftest import local, make_app, make_clock

QUERY = {"start": "2026-03-01", "end": "2026-03-31"}


def sheets(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book}


def assert_export_equals_page(client, url, query):
    report = client.get(url, query).context["report"]
    exported = sheets(client.get(url, {**query, "format": "xlsx"}))
    names = list(exported)
    assert names[0] == "说明"
    assert exported["说明"][0] == [report.title, None]
    for name, table in zip(names[1:], report.tables, strict=True):
        expected = [[str(c) for c in table.columns]]
        for row in table.rows:
            values = [cell.export_value() for cell in row]
            expected.append([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v
                             for v in values])  # fmt: skip
        got = exported[name]
        assert got == expected, table.key
    return report, exported


@pytest.mark.usefixtures("seeds_split")
def test_dashboard_export_equals_page(client, people):
    client.force_login(people["supervisor"])
    report, exported = assert_export_equals_page(client, "/dashboard/", QUERY)
    connection = exported[list(exported)[1 + [t.key for t in report.tables].index("connection")]]
    assert connection[-1][:3] == ["合计", 148, 3.76]


def test_briefing_and_weekly_export_equal_their_pages(client, people, units):
    app = make_app(units["xihu"], manager=people["cm_xihu"], state="scheme")
    Customer.objects.filter(pk=app.customer_id).update(name='=HYPERLINK("http://x","点我")')
    make_clock(app, "scheme", started=local(2026, 3, 9, 9), due=local(2026, 3, 10))
    client.force_login(people["supervisor"])
    report, exported = assert_export_equals_page(
        client, "/dashboard/briefing/", {"unit": units["xihu"].pk}
    )
    overdue = exported[list(exported)[1 + [t.key for t in report.tables].index("overdue")]]
    assert overdue[1][1] == '\'=HYPERLINK("http://x","点我")'  # inert text, not a formula
    assert_export_equals_page(client, "/dashboard/weekly/", {"week": "2026-W11"})

"""End to end in Debian's chromium: log in, open the dashboard, filter, follow a number.

Runs against pytest-django's live server. Needs /usr/bin/chromium (scripts/test installs it
when it runs as root) and the `playwright` Python package (dev extra); never downloads a browser.
A screenshot of each step is saved under var/artifacts/ for a person to look at.
"""

import pytest

from applications import roles
from applications.demo import make_staff
from tests.browser import ARTIFACTS, chromium_context, needs_chromium

PASSWORD = "e2e-Browser-2026"
pytestmark = [needs_chromium]


@pytest.fixture
def browser_page():
    with chromium_context(viewport={"width": 1400, "height": 1000}) as context:
        yield context.pages[0] if context.pages else context.new_page()


# live_server runs transactional tests; like every one in the suite they restore the migrated
# data (roles, content types) rather than leave a flushed database to the next test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("seeds_split")
def test_supervisor_filters_the_dashboard_and_follows_a_number(live_server, units, browser_page):
    make_staff("e2e_zhuguan", role=roles.SUPERVISOR, unit=units["company"], full_name="主管乙",
               password=PASSWORD)  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser_page

    page.goto(
        f"{live_server.url}/admin/login/?next=/dashboard/%3Fstart%3D2026-03-01%26end%3D2026-03-31"
    )
    page.fill("#id_username", "e2e_zhuguan")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#t-connection")
    page.wait_for_function("document.documentElement.dataset.chartsDrawn === '1'")
    assert page.locator("#t-connection tbody tr").last.locator("td").nth(1).inner_text() == "148"
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.select_option("#id_customer_class", "lv_resident")
    page.click("#dash-filters button[type=submit]")
    page.wait_for_url("**customer_class=lv_resident**")
    assert page.locator("#t-connection tbody tr").last.locator("td").nth(1).inner_text() == "0"
    page.select_option("#id_customer_class", "lv_business")
    page.click("#dash-filters button[type=submit]")
    page.wait_for_url("**customer_class=lv_business**")
    page.wait_for_function("document.documentElement.dataset.chartsDrawn === '1'")
    page.screenshot(path=str(ARTIFACTS / "dashboard-filtered.png"), full_page=True)
    # On paper: the print stylesheet hides the filters, keeps each chart beside its table.
    page.emulate_media(media="print")
    assert page.locator("#dash-filters").is_hidden()
    page.pdf(path=str(ARTIFACTS / "dashboard.pdf"), landscape=True, print_background=True)
    page.emulate_media(media="screen")

    # The 67 applications with grid works: the number links to the admin list of exactly them.
    works = page.locator("#t-connection tbody tr").first.locator("td").nth(3).locator("a")
    assert works.inner_text() == "67"
    works.click()
    page.wait_for_selector("#changelist")
    assert "has_grid_works__exact=1" in page.url
    assert "67" in page.locator(".paginator").inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-followed.png"), full_page=True)

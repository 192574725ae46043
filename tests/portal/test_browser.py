"""End to end in Debian's chromium, on a phone-sized screen: apply → track → rate.

Runs against pytest-django's live server. Needs /usr/bin/chromium (scripts/test installs it
when it runs as root) and the `playwright` Python package (dev extra); never downloads a browser.
Screenshots of each step are saved under var/artifacts/ for a person to look at.
"""

from datetime import timedelta

import pytest

from applications.models import Application
from applications.states import State
from portal.models import CustomerDocument, ServiceRating
from tests.browser import ARTIFACTS, chromium_context, needs_chromium

from .conftest import PDF, PHONE

pytestmark = [needs_chromium]


@pytest.fixture
def phone_browser():
    with chromium_context(viewport={"width": 390, "height": 844}, is_mobile=True) as context:
        yield context


# live_server runs transactional tests; like every one in the suite they restore the migrated
# data (roles, content types, rules) rather than leave a flushed database to the next test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_customer_applies_tracks_and_rates(live_server, unit, staff, walker, phone_browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = phone_browser
    page = context.pages[0] if context.pages else context.new_page()

    # 1. Apply, with the identity document.
    page.goto(f"{live_server.url}/apply/")
    page.select_option("#id_customer_class", "lv_resident")
    page.select_option("#id_business_type", "increase")
    page.fill("#id_requested_capacity_kva", "12")
    page.select_option("#id_unit", str(unit.pk))
    page.fill("#id_site_address", "西湖区文三路100号")
    page.fill("#id_name", "王小明")
    page.select_option("#id_kind", "person")
    page.select_option("#id_id_type", "resident_id")
    page.fill("#id_id_number", "110101199003070011")
    page.fill("#id_contact_name", "王小明")
    page.fill("#id_phone", PHONE)
    page.set_input_files(
        "#id_identity_document",
        files=[{"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.screenshot(path=str(ARTIFACTS / "portal-apply.png"), full_page=True)
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector("#application-number")
    number = page.inner_text("#application-number").strip()
    page.screenshot(path=str(ARTIFACTS / "portal-applied.png"), full_page=True)
    app = Application.objects.get(number=number)
    assert (app.channel, app.business_type, app.state) == ("online", "increase", State.ACCEPT)
    assert CustomerDocument.objects.get(application=app).content_kind == "pdf"

    # 2. Track, from a fresh browser session: number + the phone on file.
    context.clear_cookies()
    page.goto(f"{live_server.url}/progress/")
    page.fill("#id_number", number)
    page.fill("#id_phone", "13800000000")  # a wrong phone first
    page.click("button[value=verify]")
    page.wait_for_selector(".notice.error")
    assert "不匹配" in page.inner_text(".notice.error")
    page.fill("#id_phone", PHONE)
    page.click("button[value=verify]")
    page.wait_for_selector("#steps")
    assert page.inner_text("li.current") == "① 业务受理"
    assert page.inner_text("#due-at") != "—"
    page.screenshot(path=str(ARTIFACTS / "portal-progress.png"), full_page=True)

    # 3. Staff do the work up to energization; the customer rates it.
    app.customer_manager = staff["customer_manager"]
    app.save(update_fields=["customer_manager"])
    walker.walk(app, until=State.ARCHIVE, start=app.accepted_at, gap=timedelta(minutes=1))
    page.reload()
    assert "已送电" in page.inner_text("#state-note")
    assert page.locator("li.current").count() == 0 and page.locator("li.done").count() == 5
    page.check("input[name=score][value='5']")
    page.fill("#id_comment", "办电很快，客户经理很耐心")
    page.click("#rating-form button[type=submit]")
    page.wait_for_selector("text=感谢您的评价！")
    page.screenshot(path=str(ARTIFACTS / "portal-rated.png"), full_page=True)
    rating = ServiceRating.objects.get(application=app)
    assert (rating.score, rating.comment) == (5, "办电很快，客户经理很耐心")
    assert "每个工单只能评价一次" in page.inner_text("#rating")

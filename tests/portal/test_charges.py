"""The customer's itemised charges on the progress page: explanation, paid or waived; 三零
firms pay nothing. What is charged is decided by applications.services.charges."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from applications.services.charges import (
    SANLING_REASON,
    cancel_charge,
    issue_charge,
    record_payment,
    waive_charge,
)

from .conftest import PHONE


def page_of(client, app) -> str:
    client.post("/progress/", {"number": app.number, "phone": PHONE})
    return client.get("/progress/").content.decode()


def test_the_items_with_their_explanation_and_status(client, online_app, staff):
    cm = staff["customer_manager"]
    now = timezone.now()
    metering = issue_charge(
        application=online_app, user=cm, kind="metering", amount="320.00",
        explanation="计量装置费：按物价局核定标准，单相表一块", at=now - timedelta(hours=3),
    )  # fmt: skip
    works = issue_charge(
        application=online_app, user=cm, kind="works", amount="1500",
        explanation="客户工程费：表后线路由客户委托施工", at=now - timedelta(hours=2),
    )  # fmt: skip
    mistake = issue_charge(
        application=online_app, user=cm, kind="other", amount="99",
        explanation="误开", at=now - timedelta(hours=1),
    )  # fmt: skip
    record_payment(
        charge=metering, paid_at=now, source="counter", reference="R-1", amount="320.00",
        user=staff["front_desk"],
    )  # fmt: skip
    waive_charge(charge=works, user=staff["supervisor"], reason="施工由公司承担")
    cancel_charge(charge=mistake, user=cm, reason="开错了")

    page = page_of(client, online_app)
    assert "计量装置费：按物价局核定标准，单相表一块" in page
    assert f'<tr class="paid" data-charge="{metering.number}">' in page
    assert f'<tr class="waived" data-charge="{works.number}">' in page
    assert "减免原因：施工由公司承担" in page
    assert mistake.number not in page and "误开" not in page  # cancelled: never owed
    assert '<td class="num" id="charges-outstanding">0.00</td>' in page
    # No staff names or payment references reach the customer.
    assert "R-1" not in page and "主管甲" not in page


def test_outstanding_items_are_totalled(client, online_app, staff):
    issue_charge(
        application=online_app, user=staff["customer_manager"], kind="metering",
        amount=Decimal("320"), explanation="计量装置费",
    )  # fmt: skip
    page = page_of(client, online_app)
    assert '<td class="num" id="charges-outstanding">320.00</td>' in page and "待缴" in page


def test_a_sanling_firm_sees_every_item_waived(client, online_app, staff):
    online_app.customer_class, online_app.is_small_micro = "lv_business", True
    online_app.supply_voltage = "380V"
    online_app.save(update_fields=["customer_class", "is_small_micro", "supply_voltage"])
    charge = issue_charge(
        application=online_app, user=staff["customer_manager"], kind="metering",
        amount="320", explanation="计量装置费",
    )  # fmt: skip
    page = page_of(client, online_app)
    assert "无需缴纳任何费用" in page
    assert f'<tr class="waived" data-charge="{charge.number}">' in page
    assert str(SANLING_REASON) in page
    assert '<td class="num" id="charges-outstanding">0.00</td>' in page


def test_no_charges_yet(client, online_app):
    assert "暂无收费项目。" in page_of(client, online_app)

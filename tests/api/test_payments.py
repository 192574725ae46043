"""Payments and e-invoices from the marketing system: the charge paid at an instant, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiCall, System
from applications.models import Charge, ChargeStatus
from applications.services.charges import issue_charge

from .conftest import calling

URL = "/api/v1/payments/"


@pytest.fixture
def charge(make_app, staff):
    app = make_app("lv_business", capacity=200, is_small_micro=False)
    return issue_charge(
        application=app,
        user=staff["customer_manager"],
        kind="metering",
        amount="1200.50",
        explanation="按省物价局核定标准收取计量装置费。",
        at=timezone.now() - timedelta(hours=3),
    )


@pytest.fixture
def marketing(make_system):
    _client, raw = make_system(System.MARKETING)
    return calling(raw)


def payment(item, **overrides):
    body = {
        "charge": item.number,
        "amount": "1200.50",
        "paid_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "reference": "YX20261207000001",
        "invoice_number": "25330000000012345678",
    }
    body.update(overrides)
    return body


def test_a_payment_is_recorded_once_with_its_settlement_time(marketing, charge):
    body = payment(charge)
    first = marketing.post(URL, body, format="json")
    again = marketing.post(URL, body, format="json")

    assert first.status_code == 201, first.json()
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert (first.json()["result"], again.json()["result"]) == ("recorded", "unchanged")
    assert first.json()["settlement_hours"] == pytest.approx(2, abs=0.01)
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert (charge.payment_source, charge.payment_reference) == ("marketing", "YX20261207000001")
    assert charge.invoice_number == "25330000000012345678"
    assert charge.events.filter(action="pay", system="marketing").count() == 1


def test_found_by_application_and_amount(marketing, charge):
    body = payment(charge, charge="", application=charge.application.number)

    assert marketing.post(URL, body, format="json").json()["charge"] == charge.number


def test_a_wrong_amount_is_refused_with_the_services_message(marketing, charge):
    response = marketing.post(URL, payment(charge, amount="1000.00"), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        f"缴费金额1,000.00元与收费项目{charge.number}的应收金额1,200.50元不符。"
    ]
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.ISSUED and charge.paid_at is None
    assert ApiCall.objects.get().status_code == 400


def test_same_reference_other_data_is_refused(marketing, charge):
    marketing.post(URL, payment(charge), format="json")
    other = payment(charge, paid_at=timezone.now().isoformat())

    response = marketing.post(URL, other, format="json")

    assert response.status_code == 400
    assert response.json()["message"].startswith("无法办理：")
    assert Charge.objects.get(pk=charge.pk).paid_at != other["paid_at"]


def test_only_a_payment_source_may_post(make_system, charge):
    _client, raw = make_system(System.HOTLINE_95598)
    response = calling(raw).post(URL, payment(charge), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == ["95598客服系统不是缴费数据来源，不能登记缴费。"]
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.ISSUED


def test_another_units_charge_reads_as_unknown(make_system, other_unit, staff, charge):
    # A marketing account of another unit cannot see (or pay) this unit's charge.
    from applications import roles
    from applications.demo import make_staff

    client, raw = make_system(System.MARKETING)
    client.user = make_staff("mkt_other", role=roles.FRONT_DESK, unit=other_unit)
    client.save()

    response = calling(raw).post(URL, payment(charge), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [f"收费编号{charge.number}不存在。"]
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.ISSUED

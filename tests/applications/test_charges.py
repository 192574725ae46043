"""Charges (收费): issued with an explanation, paid once, waived or cancelled with a reason.

Each test is a small story told through the services, as the admin and the API call them.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import Charge, ChargeEvent, ChargeStatus, ImmutableRecord
from applications.services import TransitionRefused
from applications.services.charges import (
    SANLING_REASON,
    PaymentOutcome,
    cancel_charge,
    charges_for_customer,
    issue_charge,
    record_payment,
    settlement_hours,
    waive_charge,
)
from applications.services.lifecycle import perform_transition
from applications.states import State

START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
ISSUED = START + timedelta(days=3)


@pytest.fixture
def app(make_app):
    """A low-voltage business that is not a small/micro firm: it pays its charges."""
    return make_app("lv_business", capacity=200, is_small_micro=False, at=START)


@pytest.fixture
def charge(app, staff):
    return issue_charge(
        application=app,
        user=staff["customer_manager"],
        kind="metering",
        amount="1200.50",
        explanation="按省物价局核定标准收取计量装置费。",
        at=ISSUED,
    )


def pay(charge, reference="EI-0001", *, paid_at=None, amount=None, **kwargs):
    kwargs.setdefault("system", "营销系统")
    kwargs.setdefault("at", ISSUED + timedelta(hours=6))
    return record_payment(
        charge=charge,
        paid_at=paid_at or ISSUED + timedelta(hours=5),
        source="marketing",
        reference=reference,
        amount=charge.amount if amount is None else amount,
        **kwargs,
    )


def reasons_of(call) -> str:
    with pytest.raises(TransitionRefused) as caught:
        call()
    return "；".join(caught.value.reasons)


def test_issued_charge_is_numbered_logged_and_open(charge, app, staff):
    assert charge.number == f"{app.number}-F01"
    assert charge.status == ChargeStatus.ISSUED
    assert charge.amount == Decimal("1200.50")
    event = charge.events.get()
    assert (event.action, event.actor, event.at) == ("issue", staff["customer_manager"], ISSUED)


def test_issue_refuses_without_explanation_amount_or_permission(app, staff):
    def issue(user, **kw):
        data = {"kind": "other", "amount": "10", "explanation": "说明", **kw}
        return lambda: issue_charge(application=app, user=user, at=ISSUED, **data)

    cm = staff["customer_manager"]
    assert "请填写向客户说明的收费依据和标准" in reasons_of(issue(cm, explanation="  "))
    assert "收费金额必须大于0元" in reasons_of(issue(cm, amount="0"))
    assert "收费金额必须大于0元" in reasons_of(issue(cm, amount="-5"))
    assert "最多保留两位小数" in reasons_of(issue(cm, amount="1.005"))
    assert "金额格式不正确" in reasons_of(issue(cm, amount="abc"))
    assert "您没有“开具收费项目”的权限" in reasons_of(issue(staff["front_desk"]))
    assert not Charge.objects.exists()


def test_issue_refused_in_another_unit(app, other_unit):
    from applications import roles
    from applications.demo import make_staff

    outsider = make_staff("cm_other", role=roles.CUSTOMER_MANAGER, unit=other_unit)
    call = lambda: issue_charge(  # noqa: E731
        application=app, user=outsider, kind="other", amount=1, explanation="x", at=ISSUED
    )
    assert "只能办理本单位的业务" in reasons_of(call)


def test_model_invariants_hold_in_the_database(charge):
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.filter(pk=charge.pk).update(amount=Decimal("0"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.filter(pk=charge.pk).update(
            status="paid", paid_at=ISSUED - timedelta(hours=1), payment_reference="X"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.filter(pk=charge.pk).update(status="waived")  # no reason


def test_payment_records_and_the_same_payment_again_changes_nothing(charge):
    first = pay(charge, invoice_number="INV-9")
    assert first.outcome == PaymentOutcome.RECORDED
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert (charge.payment_reference, charge.invoice_number) == ("EI-0001", "INV-9")
    assert settlement_hours(charge) == 5.0

    again = pay(charge, invoice_number="INV-9")
    assert again.outcome == PaymentOutcome.UNCHANGED
    assert again.charge.pk == charge.pk
    assert charge.events.filter(action="pay").count() == 1


def test_payment_by_application_finds_the_only_open_charge_of_that_amount(charge, app):
    result = record_payment(
        application=app,
        paid_at=ISSUED + timedelta(hours=1),
        source="marketing",
        reference="EI-7",
        amount="1200.50",
        system="营销系统",
    )
    assert result.charge.pk == charge.pk
    assert result.outcome == PaymentOutcome.RECORDED
    retried = record_payment(
        application=app,
        paid_at=ISSUED + timedelta(hours=1),
        source="marketing",
        reference="EI-7",
        amount="1200.50",
        system="营销系统",
    )
    assert retried.outcome == PaymentOutcome.UNCHANGED


def test_conflicting_payment_with_the_same_reference_is_refused(charge, app, staff):
    pay(charge)
    assert "已登记的金额为1,200.50元，与本次的1,000.00元不符" in reasons_of(
        lambda: record_payment(
            charge=charge,
            paid_at=ISSUED + timedelta(hours=5),
            source="marketing",
            reference="EI-0001",
            amount="1000",
            system="营销系统",
        )
    )
    assert "缴费时间" in reasons_of(lambda: pay(charge, paid_at=ISSUED + timedelta(hours=2)))
    other = issue_charge(
        application=app,
        user=staff["customer_manager"],
        kind="other",
        amount="1200.50",
        explanation="另一项",
        at=ISSUED,
    )
    assert f"已登记在收费项目{charge.number}上，不能再用于{other.number}" in reasons_of(
        lambda: pay(other)
    )
    # A second, different payment of an already paid charge is refused too.
    assert "不能重复登记" in reasons_of(lambda: pay(charge, "EI-0002"))
    other.refresh_from_db()
    assert other.status == ChargeStatus.ISSUED


def test_payment_must_match_amount_and_come_after_issue(charge):
    assert "与收费项目" in reasons_of(lambda: pay(charge, amount=Decimal("1200")))
    assert "不能早于收费开具时间" in reasons_of(
        lambda: pay(charge, paid_at=ISSUED - timedelta(minutes=1))
    )
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.ISSUED


def test_staff_payment_needs_permission_and_is_logged_with_who(charge, staff):
    assert "登记缴费" in reasons_of(lambda: pay(charge, user=staff["project_manager"]))
    result = pay(charge, user=staff["front_desk"], system="")
    event = result.charge.events.get(action="pay")
    assert event.actor == staff["front_desk"]


def test_waive_needs_reason_and_the_right_people(charge, staff):
    approvers = staff["approvers"]
    assert "请填写减免原因" in reasons_of(
        lambda: waive_charge(charge=charge, user=staff["supervisor"], reason=" ")
    )
    assert "您没有“减免收费”的权限" in reasons_of(
        lambda: waive_charge(charge=charge, user=staff["customer_manager"], reason="x")
    )
    assert "须由主管或营销部审批人决定" in reasons_of(
        lambda: waive_charge(charge=charge, user=approvers["dispatch"], reason="x")
    )
    waived = waive_charge(
        charge=charge, user=approvers["marketing"], reason="政府专项补贴", at=ISSUED
    )
    assert waived.status == ChargeStatus.WAIVED
    assert (waived.closed_by, waived.closed_reason) == (approvers["marketing"], "政府专项补贴")
    assert "只有待缴的收费才能撤销" in reasons_of(
        lambda: cancel_charge(charge=charge, user=staff["customer_manager"], reason="x")
    )
    assert "已减免" in reasons_of(lambda: pay(charge))


def test_cancel_keeps_the_charge_with_its_reason(charge, staff):
    cancelled = cancel_charge(charge=charge, user=staff["customer_manager"], reason="金额开错")
    assert cancelled.status == ChargeStatus.CANCELLED
    assert list(cancelled.events.values_list("action", flat=True)) == ["issue", "cancel"]
    with pytest.raises(ImmutableRecord):
        cancelled.events.first().delete()
    assert charges_for_customer(charge.application).lines == []


def test_paid_charge_cannot_be_waived_or_cancelled(charge, staff):
    pay(charge)
    assert "只有待缴的收费才能减免" in reasons_of(
        lambda: waive_charge(charge=charge, user=staff["supervisor"], reason="x")
    )


def test_sanling_firm_charge_is_waived_at_once_and_never_blocks(make_app, staff, walker):
    firm = make_app("lv_business", capacity=80, at=START)  # small/micro: 三零
    assert firm.is_small_micro
    charge = issue_charge(
        application=firm,
        user=staff["customer_manager"],
        kind="metering",
        amount=300,
        explanation="计量装置费",
        at=ISSUED,
    )
    assert charge.status == ChargeStatus.WAIVED
    assert charge.closed_reason == str(SANLING_REASON)
    seen = charges_for_customer(firm)
    assert seen.sanling and seen.outstanding == 0 and seen.waived == Decimal("300")
    assert seen.lines[0].waived_reason == str(SANLING_REASON)
    firm = walker.walk(firm, until=State.ARCHIVE, start=ISSUED)
    assert firm.state == State.ARCHIVE


def _to_energize(app, walker):
    app = walker.walk(app, until=State.ENERGIZE, start=START)
    assert app.state == State.ENERGIZE
    return app


def _energize(app, user, at):
    return perform_transition(
        application=app,
        name="advance",
        user=user,
        at=at,
        meter_number=f"M{app.pk}",
        energized_at=at,
    )


def test_energization_waits_for_an_unpaid_charge_then_goes_once_paid(app, charge, staff, walker):
    app = _to_energize(app, walker)
    cm = staff["customer_manager"]
    late = ISSUED + timedelta(days=20)
    with pytest.raises(TransitionRefused) as caught:
        _energize(app, cm, late)
    assert any(charge.number in r and "尚未缴清" in r for r in caught.value.reasons)
    pay(charge, paid_at=late - timedelta(hours=1), at=late)
    assert _energize(app, cm, late).state == State.ARCHIVE


def test_energization_goes_once_the_charge_is_waived(app, charge, staff, walker):
    app = _to_energize(app, walker)
    waive_charge(charge=charge, user=staff["supervisor"], reason="客户困难减免")
    late = ISSUED + timedelta(days=20)
    assert _energize(app, staff["customer_manager"], late).state == State.ARCHIVE


def test_no_new_charge_after_energization(app, staff, walker):
    app = walker.walk(app, until=State.ARCHIVE, start=START)
    assert "不能再开具收费项目" in reasons_of(
        lambda: issue_charge(
            application=app,
            user=staff["customer_manager"],
            kind="other",
            amount=1,
            explanation="x",
        )
    )


def test_customer_sees_items_explanation_and_status(app, charge, staff):
    second = issue_charge(
        application=app,
        user=staff["customer_manager"],
        kind="high_reliability",
        amount="5000",
        explanation="双电源高可靠性供电费。",
        at=ISSUED + timedelta(hours=1),
    )
    pay(charge)
    seen = charges_for_customer(app)
    assert [(x.number, x.status_label) for x in seen.lines] == [
        (charge.number, "已缴"),
        (second.number, "待缴"),
    ]
    assert seen.lines[1].explanation == "双电源高可靠性供电费。"
    assert (seen.total, seen.outstanding, seen.paid) == (
        Decimal("6200.50"),
        Decimal("5000"),
        Decimal("1200.50"),
    )
    assert not seen.sanling


def test_event_log_is_append_only(charge):
    with pytest.raises(ImmutableRecord):
        ChargeEvent.objects.filter(charge=charge).update(comment="改")


# --- Admin ---------------------------------------------------------------------------------


def _admin(name, *args):
    from django.urls import reverse

    return reverse(f"admin:applications_charge_{name}", args=args)


@pytest.mark.parametrize("role", ["front_desk", "customer_manager", "supervisor", "inspector"])
def test_admin_pages_render_for_each_role(client, staff, app, charge, role):
    from django.urls import reverse

    client.force_login(staff[role])
    listing = client.get(_admin("changelist"))
    assert listing.status_code == 200 and charge.number in listing.text
    page = client.get(_admin("change", charge.pk))
    assert page.status_code == 200 and "按省物价局核定标准" in page.text
    app_page = client.get(reverse("admin:applications_application_change", args=[app.pk]))
    assert app_page.status_code == 200 and charge.number in app_page.text
    assert "待缴 1200.50 元" in app_page.text


def test_admin_shows_only_the_buttons_the_user_may_press(client, staff, charge):
    client.force_login(staff["customer_manager"])
    page = client.get(_admin("change", charge.pk)).text
    assert _admin("action", charge.pk, "pay") in page
    assert _admin("action", charge.pk, "cancel") in page
    assert _admin("action", charge.pk, "waive") not in page
    client.force_login(staff["supervisor"])
    page = client.get(_admin("change", charge.pk)).text
    assert _admin("action", charge.pk, "waive") in page
    assert _admin("action", charge.pk, "pay") not in page


def test_admin_issue_and_waive_go_through_the_services(client, staff, app):
    client.force_login(staff["customer_manager"])
    form = client.get(_admin("add") + f"?application={app.pk}")
    assert form.status_code == 200 and app.number in form.text
    response = client.post(
        _admin("add"),
        {"application": app.number, "kind": "temporary", "amount": "800", "explanation": " "},
    )
    assert "必填" in response.text and not Charge.objects.exists()
    client.post(
        _admin("add"),
        {"application": app.number, "kind": "temporary", "amount": "800", "explanation": "临时"},
    )
    charge = Charge.objects.get()
    assert (charge.issued_by, charge.status) == (staff["customer_manager"], ChargeStatus.ISSUED)

    # A hand-made POST to the waiver page by a customer manager is refused like the service.
    refused = client.post(_admin("action", charge.pk, "waive"), {"reason": "想减免"})
    assert "您没有“减免收费”的权限" in refused.text
    client.force_login(staff["supervisor"])
    client.post(_admin("action", charge.pk, "waive"), {"reason": "困难企业"})
    charge.refresh_from_db()
    assert (charge.status, charge.closed_by) == (ChargeStatus.WAIVED, staff["supervisor"])
    assert client.get(_admin("delete", charge.pk)).status_code == 403


def test_admin_payment_page_records_once(client, staff, charge):
    client.force_login(staff["front_desk"])
    data = {
        "paid_at": "2026-03-05 15:00:00",
        "source": "counter",
        "reference": "GT-01",
        "amount": "1200.50",
        "invoice_number": "",
    }
    assert client.post(_admin("action", charge.pk, "pay"), data).status_code == 302
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert settlement_hours(charge) == 6.0  # issued 09:00, paid 15:00 on 2026-03-05


def test_admin_list_is_scoped_to_the_unit(client, staff, charge, other_unit):
    from applications import roles
    from applications.demo import make_staff

    outsider = make_staff("cm_other", role=roles.CUSTOMER_MANAGER, unit=other_unit)
    client.force_login(outsider)
    assert charge.number not in client.get(_admin("changelist")).text
    assert client.get(_admin("change", charge.pk)).status_code == 302  # "does not exist"
    assert client.get(_admin("action", charge.pk, "pay")).status_code == 404


def test_demo_walker_itemises_and_settles_charges_before_energization(make_app, staff, walker):
    """The demo's walker (with_charges) issues a high-voltage customer's charges on entering
    装表接电 and has them paid through the marketing system before energizing."""
    walker.with_charges = True
    app = walker.walk(make_app("hv_dual", at=START), until=State.ARCHIVE, start=START)
    assert app.state == State.ARCHIVE
    charges = list(app.charges.order_by("kind"))
    assert [c.kind for c in charges] == ["high_reliability", "metering"]
    assert all(c.status == ChargeStatus.PAID and c.paid_at <= app.energized_at for c in charges)
    assert all(c.payment_source == "marketing" and c.invoice_number for c in charges)


# --- The same payment posted twice at once (PostgreSQL: real threads, own connections) -------


def _post_at_once(posts: list[dict]) -> list:
    """Run record_payment with each kwargs dict in its own thread, all released together."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    barrier = threading.Barrier(len(posts))

    def work(kwargs):
        try:
            barrier.wait(15)
            return record_payment(system="营销系统", source="marketing", **kwargs)
        except TransitionRefused as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return [f.result(30) for f in [pool.submit(work, p) for p in posts]]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_retried_payment_racing_the_first_is_recorded_once(charge):
    post = {
        "charge": charge,
        "paid_at": ISSUED + timedelta(hours=1),
        "reference": "EI-RACE",
        "amount": charge.amount,
    }
    results = _post_at_once([post, dict(post)])
    outcomes = sorted(r.outcome for r in results)
    assert outcomes == [PaymentOutcome.RECORDED, PaymentOutcome.UNCHANGED]
    assert charge.events.filter(action="pay").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_reference_racing_onto_two_charges_pays_only_one(charge, app, staff):
    other = issue_charge(
        application=app,
        user=staff["customer_manager"],
        kind="other",
        amount=charge.amount,
        explanation="另一项",
        at=ISSUED,
    )
    base = {"paid_at": ISSUED + timedelta(hours=1), "reference": "EI-R2", "amount": charge.amount}
    results = _post_at_once([{**base, "charge": charge}, {**base, "charge": other}])
    refused = [r for r in results if isinstance(r, TransitionRefused)]
    assert len(refused) == 1 and "EI-R2" in refused[0].reasons[0]
    assert Charge.objects.filter(payment_reference="EI-R2").count() == 1

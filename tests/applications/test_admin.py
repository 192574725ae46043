"""The admin as each role sees it: pages render, scoping holds, buttons and refusals are right."""

import re

import pytest
from django.urls import reverse

from applications.models import Application, SchemeApproval
from applications.states import State


def change_url(app):
    return reverse("admin:applications_application_change", args=[app.pk])


def transition_url(app, name):
    return reverse("admin:applications_application_transition", args=[app.pk, name])


@pytest.fixture
def hv_in_scheme(make_app, walker):
    app = make_app("hv_single")
    return walker.walk(app, until=State.SCHEME, start=app.accepted_at)


ROLES = ["front_desk", "customer_manager", "project_manager", "supervisor", "inspector"]


@pytest.mark.parametrize("role", ROLES)
def test_pages_render_for_each_role(client, staff, make_app, role):
    app = make_app("lv_business")
    client.force_login(staff[role])
    for url in [
        reverse("admin:index"),
        reverse("admin:applications_application_changelist"),
        change_url(app),
        reverse("admin:applications_customer_changelist"),
        reverse("admin:applications_transitionlog_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert app.number in client.get(reverse("admin:applications_application_changelist")).text


def test_approver_sees_pending_approvals_and_decides(client, staff, hv_in_scheme, walker):
    from applications.services.approvals import submit_scheme

    walker.prepare  # noqa: B018 - the walker would approve everything; do it by hand here
    app = hv_in_scheme
    from applications.models import SupplyScheme

    SupplyScheme.objects.create(
        application=app,
        supply_voltage="10kV",
        capacity_kva=800,
        supply_mode="single",
        metering_mode="high",
        connection_point="10kV幸福线",
    )
    review = submit_scheme(application=app, user=staff["customer_manager"])
    approver = staff["approvers"]["marketing"]
    client.force_login(approver)
    listing = client.get(reverse("admin:applications_schemeapproval_changelist") + "?mine=pending")
    assert listing.status_code == 200 and app.number in listing.text
    approval = review.approvals.get(department="marketing")
    url = reverse("admin:applications_schemeapproval_decide", args=[approval.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "reject", "comment": ""}, follow=True)
    assert "驳回时请写明修改意见" in response.text
    client.post(url, {"decision": "reject", "comment": "接入点负载已满，请改接2号线"})
    approval.refresh_from_db()
    assert approval.decision == SchemeApproval.Decision.REJECTED
    client.force_login(staff["customer_manager"])
    page = client.get(change_url(app)).text
    assert "接入点负载已满" in page and "重新提交" in page


def test_change_page_shows_only_allowed_buttons_and_blocked_reasons(client, staff, make_app):
    app = make_app("lv_resident")  # identity received, property proof still missing
    client.force_login(staff["customer_manager"])
    page = client.get(change_url(app)).text
    assert transition_url(app, "advance") not in page
    assert "受理资料不齐" in page and "告知承诺书" in page
    assert transition_url(app, "suspend") in page
    assert transition_url(app, "cancel") not in page  # cancelling is a supervisor's call

    client.force_login(staff["inspector"])
    page = client.get(change_url(app)).text
    assert "/transition/" not in page


def test_transition_through_admin_and_refusal_of_hand_made_post(client, staff, make_app):
    app = make_app("lv_resident")
    app.materials.update(status="received")
    # The inspector has no button; a hand-made POST must be refused all the same.
    client.force_login(staff["inspector"])
    response = client.post(
        transition_url(app, "advance"), {"expected_state": "accept", "comment": "x"}, follow=True
    )
    assert "您没有“完成受理”的权限" in response.text
    app.refresh_from_db()
    assert app.state == State.ACCEPT

    client.force_login(staff["customer_manager"])
    assert client.get(transition_url(app, "advance")).status_code == 200
    response = client.post(
        transition_url(app, "advance"),
        {"expected_state": "accept", "comment": "资料齐全"},
        follow=True,
    )
    assert "办理成功" in response.text
    app.refresh_from_db()
    assert app.state == State.SCHEME


def test_stale_page_is_refused_with_who_acted(client, staff, make_app):
    app = make_app("lv_resident")
    app.materials.update(status="received")
    client.force_login(staff["customer_manager"])
    client.post(transition_url(app, "advance"), {"expected_state": "accept", "comment": ""})
    # A second user still looking at the acceptance page presses the same button.
    client.force_login(staff["front_desk"])
    response = client.post(
        transition_url(app, "advance"), {"expected_state": "accept", "comment": ""}, follow=True
    )
    assert re.search(r"已被客户经理甲于.*办理（完成受理）", response.text)


def test_other_units_application_is_invisible(client, staff, make_app, other_unit):
    from applications import roles
    from applications.demo import make_staff

    app = make_app("lv_resident")
    outsider = make_staff("cm2", role=roles.CUSTOMER_MANAGER, unit=other_unit)
    client.force_login(outsider)
    listing = client.get(reverse("admin:applications_application_changelist"))
    assert app.number not in listing.text
    response = client.get(change_url(app), follow=True)
    assert app.number not in response.text  # redirected: "does not exist"
    assert client.get(transition_url(app, "suspend")).status_code == 404


def test_acceptance_form_creates_application_through_service(client, staff, unit):
    from applications.demo import make_customer

    customer = make_customer(77, unit=unit, enterprise=True)
    client.force_login(staff["front_desk"])
    url = reverse("admin:applications_application_add")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "customer": customer.pk,
            "unit": unit.pk,
            "customer_class": "lv_business",
            "business_type": "new",
            "requested_capacity_kva": "80",
            "supply_voltage": "10kV",
            "site_address": "文三路1号",
            "channel": "counter",
            "customer_manager": staff["customer_manager"].pk,
            "received_materials": ["identity", "licence"],
        },
        follow=True,
    )
    assert "供电电压与用电类别不符" in response.text
    assert not Application.objects.exists()
    response = client.post(
        url,
        {
            "customer": customer.pk,
            "unit": unit.pk,
            "customer_class": "lv_business",
            "business_type": "new",
            "requested_capacity_kva": "80",
            "supply_voltage": "380V",
            "site_address": "文三路1号",
            "channel": "counter",
            "is_small_micro": "on",
            "customer_manager": staff["customer_manager"].pk,
            "received_materials": ["identity", "licence"],
        },
        follow=True,
    )
    app = Application.objects.get()
    assert f"已受理，工单编号 {app.number}" in response.text
    assert set(
        app.materials.filter(status="received").values_list("requirement__code", flat=True)
    ) == {"identity", "licence"}


def test_transition_log_cannot_be_edited_in_admin(client, staff, make_app):
    app = make_app()
    log = app.transition_logs.get()
    client.force_login(staff["supervisor"])
    url = reverse("admin:applications_transitionlog_change", args=[log.pk])
    response = client.post(url, {"comment": "改过"})
    assert response.status_code in (403, 200)
    log.refresh_from_db()
    assert log.comment == ""
    delete = reverse("admin:applications_transitionlog_delete", args=[log.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403

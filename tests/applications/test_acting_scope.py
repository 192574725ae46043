"""Seeing every unit is not acting in every unit; leftovers of a cancelled scheme stay closed."""

import datetime

import pytest

from applications import roles
from applications.demo import make_staff
from applications.models import Application, SupplyScheme
from applications.services import TransitionRefused
from applications.services.acceptance import defer_material
from applications.services.approvals import decide_approval, submit_scheme
from applications.services.lifecycle import available_transitions, perform_transition
from applications.states import State


def test_a_unit_supervisor_sees_other_units_but_cannot_act_there(make_app, other_unit):
    app = make_app("lv_resident")
    leader = make_staff("leader2", role=roles.SUPERVISOR, unit=other_unit)
    assert Application.objects.visible_to(leader).filter(pk=app.pk).exists()
    assert available_transitions(app, leader) == []
    with pytest.raises(TransitionRefused) as refused:
        perform_transition(application=app, name="cancel", user=leader, comment="重复申请")
    assert "只能办理本单位的业务" in refused.value.message


def test_a_company_supervisor_acts_for_the_stations_under_it(make_app, unit):
    from applications.models import Unit

    company = Unit.objects.create(code="hz", name="杭州市供电公司")
    unit.parent = company
    unit.save()
    head = make_staff("head", role=roles.SUPERVISOR, unit=company)
    app = make_app("lv_resident")
    app = perform_transition(application=app, name="cancel", user=head, comment="客户撤回申请")
    assert app.state == State.CANCELLED


def test_another_units_user_is_not_told_who_acted(make_app, staff, other_unit):
    app = make_app("lv_resident")
    outsider = make_staff("cm9", role=roles.CUSTOMER_MANAGER, unit=other_unit)
    with pytest.raises(TransitionRefused) as refused:
        perform_transition(
            application=app, name="suspend", user=outsider, expected_state=State.SCHEME,
            reason="customer_request", comment="x",
        )  # fmt: skip
    assert "只能办理本单位" in refused.value.message and "已被" not in refused.value.message


def test_approvals_of_a_cancelled_application_are_refused_and_leave_the_desk(
    make_app, walker, staff
):
    app = make_app("hv_single")
    app = walker.walk(app, until=State.SCHEME, start=app.accepted_at)
    SupplyScheme.objects.create(
        application=app, supply_voltage="10kV", capacity_kva=800, supply_mode="single",
        metering_mode="high", connection_point="10kV幸福线",
    )  # fmt: skip
    review = submit_scheme(application=app, user=staff["customer_manager"])
    perform_transition(application=app, name="cancel", user=staff["supervisor"], comment="撤销")
    approval = review.approvals.get(department="marketing")
    with pytest.raises(TransitionRefused) as refused:
        decide_approval(approval=approval, user=staff["approvers"]["marketing"], approve=True)
    assert "已不在“勘查及方案答复”环节（当前：已撤销）" in refused.value.message


def test_a_received_document_cannot_be_deferred(make_app, staff):
    app = make_app("lv_resident")
    identity = app.materials.get(requirement__code="identity")
    with pytest.raises(TransitionRefused, match="已收取"):
        defer_material(
            material=identity, promised_by=datetime.date(2026, 12, 1), user=staff["front_desk"]
        )


def test_refusal_messages_read_as_one_sentence():
    assert TransitionRefused(["资料不齐。", "未指定客户经理。"]).message == (
        "无法办理：资料不齐；未指定客户经理。"
    )

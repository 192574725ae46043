"""Every illegal move is refused, and the refusal tells the user why, in Chinese.

Each test is a small story: someone tries something the rules forbid, sees the reason, fixes
what the reason names, and then the same action goes through.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import (
    Application,
    Contract,
    Inspection,
    MeterInstallation,
    SupplyScheme,
    SurveyRecord,
    TransitionLog,
)
from applications.services import TransitionRefused
from applications.services.acceptance import defer_material, receive_material
from applications.services.approvals import decide_approval, submit_scheme
from applications.services.lifecycle import perform_transition
from applications.states import State

S = State
START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
LATER = START + timedelta(days=60)


def act(app, name, user, **kwargs):
    kwargs.setdefault("at", LATER)
    return perform_transition(application=app, name=name, user=user, **kwargs)


def refused(app, name, user, **kwargs) -> list[str]:
    """Try the action, expect a refusal, and check that nothing moved."""
    before = app.state
    logs = TransitionLog.objects.filter(application=app).count()
    with pytest.raises(TransitionRefused) as caught:
        act(app, name, user, **kwargs)
    app.refresh_from_db()
    assert app.state == before
    assert TransitionLog.objects.filter(application=app).count() == logs
    assert caught.value.reasons, "a refusal must say why"
    return caught.value.reasons


def survey(app, leader, *, members=(), surveyed=True):
    record = SurveyRecord.objects.create(
        application=app,
        leader=leader,
        surveyed_at=START if surveyed else None,
        findings="现场具备接入条件。",
    )
    record.members.add(*members)
    return record


def scheme(app, *, confirmed=True):
    return SupplyScheme.objects.create(
        application=app,
        supply_voltage=app.supply_voltage,
        capacity_kva=app.requested_capacity_kva,
        supply_mode="single",
        metering_mode="high" if app.is_high_voltage else "lv",
        connection_point="10kV幸福线12号杆",
        customer_confirmed_at=START if confirmed else None,
    )


def approve_all(app, staff):
    review = submit_scheme(application=app, user=staff["customer_manager"], at=START)
    for approval in review.approvals.all():
        decide_approval(
            approval=approval, user=staff["approvers"][approval.department], approve=True
        )
    return review


@pytest.fixture
def cm(staff):
    return staff["customer_manager"]


@pytest.fixture
def at_scheme(make_app, walker):
    """An application of the given class that has just entered the scheme stage."""

    def build(customer_class="hv_single", **kwargs):
        app = make_app(customer_class, at=START, **kwargs)
        return walker.walk(app, until=S.SCHEME, start=START)

    return build


# --- Leaving acceptance ---------------------------------------------------------------------


def test_missing_material_blocks_acceptance_until_deferred_on_a_promise(make_app, cm):
    app = make_app("lv_business", at=START)  # only the identity document was handed in

    reasons = refused(app, "advance", cm)
    assert any("受理资料不齐：营业执照、用电地址产权证明或租赁协议" in r for r in reasons)
    assert any("告知承诺书" in r for r in reasons)

    licence, prop = (m for m in app.materials.order_by("requirement__order") if not m.is_received)
    defer_material(material=licence, promised_by=(START + timedelta(days=10)).date(), user=cm)
    reasons = refused(app, "advance", cm)
    assert reasons == [
        "受理资料不齐：用电地址产权证明或租赁协议。请收取资料，或由客户签署告知承诺书后容缺受理。"
    ]

    receive_material(material=prop, user=cm, at=START)
    app = act(app, "advance", cm)
    assert app.state == S.SCHEME


def test_acceptance_needs_a_customer_manager(make_app, staff):
    app = make_app(at=START, customer_manager=None)
    app.materials.update(status="received", received_at=START)

    reasons = refused(app, "advance", staff["front_desk"])
    assert reasons == ["尚未指定客户经理。"]

    Application.objects.filter(pk=app.pk).update(customer_manager=staff["customer_manager"])
    app.refresh_from_db()
    assert act(app, "advance", staff["front_desk"]).state == S.SCHEME


def test_grid_works_need_a_project_manager_at_acceptance(make_app, staff, cm):
    app = make_app(at=START, has_grid_works=True, project_manager=None)
    app.materials.update(status="received", received_at=START)

    assert refused(app, "advance", cm) == ["有配套电网工程的申请须指定项目经理。"]

    Application.objects.filter(pk=app.pk).update(project_manager=staff["project_manager"])
    app.refresh_from_db()
    assert act(app, "advance", cm).state == S.SCHEME


# --- Leaving the scheme stage ---------------------------------------------------------------


def test_empty_high_voltage_scheme_stage_lists_everything_missing(at_scheme, cm):
    app = at_scheme("hv_single")
    assert refused(app, "advance", cm) == [
        "尚未登记现场勘查结果。",
        "尚未编制供电方案。",
        "高压供电方案须提交各部门会签。",
    ]


def test_survey_must_have_taken_place(at_scheme, cm):
    app = at_scheme("lv_resident")
    survey(app, cm, surveyed=False)  # appointment made, nobody went yet
    scheme(app)
    assert refused(app, "advance", cm) == ["尚未登记现场勘查结果。"]

    SurveyRecord.objects.filter(application=app).update(surveyed_at=START)
    assert act(app, "advance", cm).state == S.ENERGIZE


def test_scheme_must_be_confirmed_by_the_customer(at_scheme, cm):
    app = at_scheme("lv_business")
    survey(app, cm)
    scheme(app, confirmed=False)
    assert refused(app, "advance", cm) == ["供电方案尚未经客户确认。"]

    SupplyScheme.objects.filter(application=app).update(customer_confirmed_at=START)
    assert act(app, "advance", cm).state == S.CUSTOMER_COMPLETION


def test_low_voltage_scheme_needs_no_departmental_approval(at_scheme, cm):
    app = at_scheme("lv_business")
    survey(app, cm)
    scheme(app)
    assert act(app, "advance", cm).state == S.CUSTOMER_COMPLETION


def test_high_voltage_scheme_needs_its_approvals(at_scheme, staff, cm):
    app = at_scheme("hv_single")
    survey(app, cm)
    scheme(app)
    assert refused(app, "advance", cm) == ["高压供电方案须提交各部门会签。"]

    review = submit_scheme(application=app, user=cm, at=START)
    marketing = review.approvals.get(department="marketing")
    decide_approval(approval=marketing, user=staff["approvers"]["marketing"], approve=True)
    (reason,) = refused(app, "advance", cm)
    assert reason.startswith("供电方案会签未完成，待审批部门：")
    assert "运检部" in reason and "调控中心" in reason
    assert "营销部" not in reason  # marketing has already approved

    operations = review.approvals.get(department="operations")
    decide_approval(
        approval=operations,
        user=staff["approvers"]["operations"],
        approve=False,
        comment="接入点容量不足。",
    )
    assert refused(app, "advance", cm) == ["供电方案第1轮会签被驳回，请修改后重新提交。"]

    approve_all(app, staff)  # round 2
    assert act(app, "advance", cm).state == S.CUSTOMER_DESIGN


@pytest.mark.parametrize("limit_setting", [None, 2000])
def test_large_survey_needs_a_team_led_by_the_customer_manager(
    at_scheme, staff, cm, settings, limit_setting
):
    if limit_setting:
        settings.YEKUO_TEAM_SURVEY_ABOVE_KVA = limit_setting
    limit = settings.YEKUO_TEAM_SURVEY_ABOVE_KVA
    app = at_scheme("hv_dual", capacity=limit + 1000)
    record = survey(app, cm)  # the customer manager went alone
    scheme(app)
    approve_all(app, staff)

    reasons = refused(app, "advance", cm)
    assert reasons == [f"申请容量超过 {limit} kVA，须由客户经理带队组成勘查小组（至少一名组员）。"]

    record.members.add(staff["project_manager"])
    assert act(app, "advance", cm).state == S.CUSTOMER_DESIGN


def test_large_survey_led_by_someone_else_is_refused(at_scheme, staff, cm):
    app = at_scheme("hv_dual", capacity=4000)
    survey(app, staff["project_manager"], members=[cm])  # team exists, wrong leader
    scheme(app)
    approve_all(app, staff)
    (reason,) = refused(app, "advance", cm)
    assert "须由客户经理带队" in reason


def test_survey_up_to_the_limit_may_be_done_alone(at_scheme, staff, cm, settings):
    app = at_scheme("hv_single", capacity=settings.YEKUO_TEAM_SURVEY_ABOVE_KVA)
    survey(app, cm)
    scheme(app)
    approve_all(app, staff)
    assert act(app, "advance", cm).state == S.CUSTOMER_DESIGN


def test_survey_above_a_raised_limit_may_be_done_alone(at_scheme, staff, cm, settings):
    settings.YEKUO_TEAM_SURVEY_ABOVE_KVA = 5000
    app = at_scheme("hv_dual", capacity=4000)
    survey(app, cm)
    scheme(app)
    approve_all(app, staff)
    assert act(app, "advance", cm).state == S.CUSTOMER_DESIGN


# --- Energization, contract and archive data --------------------------------------------------


def test_high_voltage_energization_waits_for_parallel_grid_works(make_app, walker, cm):
    app = make_app("hv_single", at=START, has_grid_works=True)
    app = walker.walk(app, until=S.ENERGIZE, start=START)

    assert refused(app, "advance", cm, meter_number="M001") == ["配套电网工程尚未竣工，不能送电。"]
    assert not MeterInstallation.objects.filter(application=app).exists()

    Application.objects.filter(pk=app.pk).update(grid_works_completed_at=LATER)
    app = act(app, "advance", cm, meter_number="M001")
    assert app.state == S.ARCHIVE
    assert app.meter_installation.meter_number == "M001"


def test_low_voltage_grid_works_are_a_stage_of_their_own(make_app, walker, staff, cm):
    app = make_app("lv_resident", at=START, has_grid_works=True)
    app = walker.walk(app, until=S.GRID_WORKS, start=START)
    assert refused(app, "advance", cm)[0] == "您没有“确认配套工程竣工”的权限。"

    app = act(app, "advance", staff["project_manager"], completed_at=LATER)
    assert app.state == S.ENERGIZE
    assert app.grid_works_completed_at == LATER
    assert act(app, "advance", cm, meter_number="M002").state == S.ARCHIVE


def test_contract_needs_its_number_and_template(make_app, walker, cm):
    app = make_app("hv_single", at=START)
    app = walker.walk(app, until=S.CONTRACT, start=START)

    assert refused(app, "advance", cm) == ["缺少必填信息：合同编号、合同范本。"]
    assert refused(app, "advance", cm, template="高压供用电合同") == ["缺少必填信息：合同编号。"]
    assert not Contract.objects.filter(application=app).exists()

    app = act(app, "advance", cm, contract_number="HT-001", template="高压供用电合同")
    assert app.state == S.ENERGIZE
    assert app.contract.number == "HT-001"


def test_contract_number_used_by_another_application_is_refused(make_app, walker, cm):
    first = walker.walk(make_app("hv_single", at=START), until=S.CONTRACT, start=START)
    second = walker.walk(make_app("hv_single", at=START), until=S.CONTRACT, start=START)
    act(first, "advance", cm, contract_number="HT-001", template="高压供用电合同")

    (reason,) = refused(second, "advance", cm, contract_number="HT-001", template="高压供用电合同")
    assert "合同编号HT-001已被使用" in reason
    assert not Contract.objects.filter(application=second).exists()


def test_energization_needs_the_meter_number(make_app, walker, cm):
    app = walker.walk(make_app("lv_resident", at=START), until=S.ENERGIZE, start=START)

    assert refused(app, "advance", cm) == ["缺少必填信息：电能表资产号。"]
    reasons = refused(app, "advance", cm, meter_number="M1", installed_at=LATER, energized_at=START)
    assert reasons == ["装表时间不能晚于送电时间。"]
    assert not MeterInstallation.objects.filter(application=app).exists()

    app = act(app, "advance", cm, meter_number="M1", energized_at=LATER)
    assert app.state == S.ARCHIVE
    assert app.energized_at == LATER


def test_archive_needs_a_complete_checklist_and_a_location(make_app, walker, cm):
    app = make_app("lv_resident", at=START)
    (prop,) = app.materials.exclude(status="received")
    defer_material(material=prop, promised_by=(START + timedelta(days=5)).date(), user=cm)
    app = act(app, "advance", cm, at=START)  # 容缺受理: accepted on the promise
    app = walker.walk(app, until=S.ARCHIVE, start=START)

    assert refused(app, "advance", cm, archive_location="A-01") == [
        "归档清单未完成：受理资料全部收齐（含容缺补交）。"
    ]
    receive_material(material=prop, user=cm)
    assert refused(app, "advance", cm) == ["缺少必填信息：档案存放位置。"]

    app = act(app, "advance", cm, archive_location="A-01")
    assert (app.state, app.archive_location, app.archived_at) == (S.ARCHIVED, "A-01", LATER)


def test_archive_checklist_names_the_missing_inspection_record(make_app, walker, cm):
    app = walker.walk(make_app("hv_single", at=START), until=S.ARCHIVE, start=START)
    Inspection.objects.filter(application=app, kind=S.MIDDLE_INSPECTION).delete()
    assert refused(app, "advance", cm, archive_location="A-02") == [
        "归档清单未完成：中间检查合格记录。"
    ]


# --- Failed inspections -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("customer_class", "extra", "inspection", "back_to"),
    [
        ("hv_single", {}, S.DESIGN_REVIEW, S.CUSTOMER_DESIGN),
        ("hv_single", {}, S.MIDDLE_INSPECTION, S.CUSTOMER_CONSTRUCTION),
        ("hv_single", {}, S.COMPLETION_INSPECTION, S.CUSTOMER_COMPLETION),
        ("hv_dual", {"capacity": 2000}, S.COMPLETION_INSPECTION, S.CUSTOMER_COMPLETION),
        ("lv_business", {}, S.COMPLETION_INSPECTION, S.CUSTOMER_COMPLETION),
        (
            "hv_single",
            {"middle_inspection_required": False},
            S.COMPLETION_INSPECTION,
            S.CUSTOMER_CONSTRUCTION,
        ),
    ],
)
def test_failed_inspection_sends_the_customer_back_to_rectify(
    make_app, walker, cm, customer_class, extra, inspection, back_to
):
    app = make_app(customer_class, at=START, **extra)
    app = walker.walk(app, until=inspection, start=START)

    assert refused(app, "fail_inspection", cm) == ["请填写原因或意见。"]

    app = act(app, "fail_inspection", cm, comment="接地电阻不合格。")
    assert app.state == back_to
    first = Inspection.objects.get(application=app, kind=inspection)
    assert (first.round, first.passed, first.findings, first.inspector) == (
        1,
        False,
        "接地电阻不合格。",
        cm,
    )
    log = TransitionLog.objects.filter(application=app).latest("at", "pk")
    assert (log.transition_label, log.from_state, log.to_state) == (
        "不合格，退回客户整改",
        inspection,
        back_to,
    )

    # The customer rectifies and asks again; it fails once more, then passes.
    app = walker.walk(app, until=inspection, start=LATER)
    app = act(app, "fail_inspection", cm, comment="仍有缺陷。", at=LATER + timedelta(days=5))
    app = walker.walk(app, until=inspection, start=LATER + timedelta(days=6))
    app = walker.step(app, LATER + timedelta(days=10))
    rounds = list(
        Inspection.objects.filter(application=app, kind=inspection)
        .order_by("round")
        .values_list("round", "passed")
    )
    assert rounds == [(1, False), (2, False), (3, True)]


def test_only_an_inspection_can_fail(make_app, walker, cm):
    app = walker.walk(make_app("hv_single", at=START), until=S.CONTRACT, start=START)
    assert refused(app, "fail_inspection", cm, comment="x") == [
        "当前环节“供用电合同签订”不能执行“不合格，退回客户整改”。"
    ]


# --- Return (退回) ----------------------------------------------------------------------------


def test_return_goes_only_to_an_earlier_stage_of_the_path(make_app, walker, cm):
    app = walker.walk(make_app("lv_resident", at=START), until=S.ENERGIZE, start=START)
    allowed = "只能退回到本流程中更早的环节：业务受理、勘查及方案答复。"

    assert refused(app, "return_to", cm, target=S.ARCHIVE, comment="x") == [allowed]
    assert refused(app, "return_to", cm, target=S.ENERGIZE, comment="x") == [allowed]
    # Grid works are not on this application's path (it has none).
    assert refused(app, "return_to", cm, target=S.GRID_WORKS, comment="x") == [allowed]
    assert refused(app, "return_to", cm, target=S.SCHEME) == ["请填写原因或意见。"]

    app = act(app, "return_to", cm, target=S.SCHEME, comment="方案接入点有误。")
    assert app.state == S.SCHEME
    log = TransitionLog.objects.filter(application=app).latest("at", "pk")
    assert (log.transition_label, log.comment) == ("退回", "方案接入点有误。")


def test_the_first_stage_has_nowhere_to_return_to(make_app, cm):
    app = make_app(at=START)
    assert refused(app, "return_to", cm, target=S.ACCEPT, comment="x") == [
        "已是流程第一个环节，无处可退。"
    ]


def test_returned_contract_and_energization_can_be_done_again(make_app, walker, cm):
    app = walker.walk(make_app("hv_single", at=START), until=S.ENERGIZE, start=START)
    app = act(app, "return_to", cm, target=S.CONTRACT, comment="合同电价条款有误。")
    app = act(app, "advance", cm, contract_number="HT-NEW", template="高压供用电合同（修订）")
    assert app.state == S.ENERGIZE
    assert Contract.objects.get(application=app).number == "HT-NEW"

    app = act(app, "advance", cm, meter_number="M-OLD")
    app = act(app, "return_to", cm, target=S.ENERGIZE, comment="表号登记错误。")
    app = act(app, "advance", cm, meter_number="M-NEW")
    assert app.state == S.ARCHIVE
    assert MeterInstallation.objects.get(application=app).meter_number == "M-NEW"


# --- Suspension and cancellation --------------------------------------------------------------


def test_suspension_needs_a_customer_reason_and_resumption_restores_the_stage(make_app, walker, cm):
    app = walker.walk(make_app("lv_resident", at=START), until=S.SCHEME, start=START)

    assert refused(app, "suspend", cm) == ["请选择客户原因的暂停类别。", "请填写原因或意见。"]
    assert refused(app, "suspend", cm, reason="company_busy", comment="人手不足") == [
        "请选择客户原因的暂停类别。"
    ]
    assert refused(app, "suspend", cm, reason="customer_request") == ["请填写原因或意见。"]

    app = act(app, "suspend", cm, reason="customer_request", comment="客户申请暂缓一个月。")
    assert (app.state, app.suspended_from, app.suspension_reason) == (
        S.SUSPENDED,
        S.SCHEME,
        "customer_request",
    )
    assert refused(app, "advance", cm) == ["当前环节“暂停（客户原因）”不能执行“办结本环节”。"]
    assert refused(app, "suspend", cm, reason="customer_request", comment="x") == [
        "当前环节“暂停（客户原因）”不能执行“暂停”。"
    ]

    app = act(app, "resume", cm, at=LATER + timedelta(days=30))
    assert (app.state, app.suspended_from, app.suspension_reason) == (S.SCHEME, "", "")


def test_archive_stage_cannot_be_suspended(make_app, walker, cm):
    app = walker.walk(make_app("lv_resident", at=START), until=S.ARCHIVE, start=START)
    assert refused(app, "suspend", cm, reason="customer_request", comment="x") == [
        "当前环节“资料归档”不能执行“暂停”。"
    ]


def test_cancellation_needs_a_reason(make_app, staff):
    app = make_app(at=START)
    supervisor = staff["supervisor"]
    assert refused(app, "cancel", supervisor) == ["请填写原因或意见。"]
    assert refused(app, "cancel", supervisor, comment="   ") == ["请填写原因或意见。"]

    app = act(app, "cancel", supervisor, comment="客户书面申请撤销。")
    assert (app.state, app.cancel_reason) == (S.CANCELLED, "客户书面申请撤销。")


def test_suspended_application_can_be_cancelled_but_not_resumed_after(make_app, staff, cm):
    app = make_app(at=START)
    app = act(app, "suspend", cm, reason="customer_unreachable", comment="三次未联系上。")
    app = act(app, "cancel", staff["supervisor"], comment="客户失联，撤销。")
    assert app.state == S.CANCELLED
    assert refused(app, "resume", cm) == ["当前环节“已撤销”不能执行“恢复”。"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("advance", {}),
        ("fail_inspection", {"comment": "x"}),
        ("return_to", {"target": S.SCHEME, "comment": "x"}),
        ("suspend", {"reason": "customer_request", "comment": "x"}),
        ("resume", {}),
        ("cancel", {"comment": "x"}),
    ],
)
@pytest.mark.parametrize("final", [S.ARCHIVED, S.CANCELLED])
def test_finished_applications_refuse_every_action(
    make_app, walker, staff, django_user_model, name, data, final
):
    app = make_app("lv_resident", at=START)
    if final == S.ARCHIVED:
        app = walker.walk(app, until=S.ARCHIVED, start=START)
    else:
        app = act(app, "cancel", staff["supervisor"], comment="客户撤销。")
    admin = django_user_model.objects.create_superuser("root", password=None)

    (reason,) = refused(app, name, admin, **data)
    assert reason.startswith(f"当前环节“{final.label}”不能执行")


@pytest.mark.parametrize("name", ["teleport", "delete", "save", ""])
def test_unknown_action_is_refused_by_name(make_app, cm, name):
    app = make_app(at=START)
    assert refused(app, name, cm) == [f"未知的操作：{name}。"]
    assert Application.objects.filter(pk=app.pk).exists()


def test_refusal_message_joins_the_reasons(at_scheme, cm):
    app = at_scheme("lv_resident")
    with pytest.raises(TransitionRefused) as caught:
        act(app, "advance", cm)
    message = caught.value.message
    assert message.startswith("无法办理：")
    assert "尚未登记现场勘查结果" in message and "尚未编制供电方案" in message

"""Who may do what: each role sees only its own buttons, and only inside its own unit."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from applications import roles
from applications.demo import make_customer, make_staff, new_application
from applications.models import Application, SupplyScheme
from applications.services import TransitionRefused
from applications.services.acceptance import accept_application, defer_material
from applications.services.approvals import decide_approval, submit_scheme
from applications.services.lifecycle import (
    available_transitions,
    blocked_transitions,
    perform_transition,
)
from applications.states import State

S = State
START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
LATER = START + timedelta(days=60)
ROLES = ("front_desk", "customer_manager", "project_manager", "approver", "supervisor", "inspector")


def user_for(staff, role):
    return staff["approvers"]["marketing"] if role == "approver" else staff[role]


def names(app, user) -> set[str]:
    return {name for name, _label in available_transitions(app, user)}


def refusal(app, name, user, **kwargs) -> list[str]:
    with pytest.raises(TransitionRefused) as caught:
        perform_transition(application=app, name=name, user=user, at=LATER, **kwargs)
    return caught.value.reasons


@pytest.fixture
def app_in(make_app, walker, staff):
    """An lv_resident application (or the class given) brought to `state`, ready to leave it."""

    def build(state, customer_class="lv_resident", **kwargs):
        app = make_app(customer_class, at=START, **kwargs)
        if state == S.SUSPENDED:
            return perform_transition(
                application=app,
                name="suspend",
                user=staff["customer_manager"],
                reason="customer_request",
                comment="客户申请暂缓。",
            )
        if state == S.CANCELLED:
            return perform_transition(
                application=app, name="cancel", user=staff["supervisor"], comment="客户撤销。"
            )
        app = walker.walk(app, until=state, start=START)
        if app.state in (S.ACCEPT, S.SCHEME):
            walker.prepare(app, START)  # materials received / survey, scheme and approvals done
            app.refresh_from_db()
        return app

    return build


# (state, customer class, extra) -> role -> the transitions offered as buttons.
NONE: set[str] = set()
MATRIX = [
    (
        (S.ACCEPT, "lv_resident", {}),
        {
            "front_desk": {"advance"},
            "customer_manager": {"advance", "suspend"},
            "project_manager": NONE,
            "approver": NONE,
            "supervisor": {"suspend", "cancel"},
            "inspector": NONE,
        },
    ),
    (
        (S.SCHEME, "lv_resident", {}),
        {
            "front_desk": NONE,
            "customer_manager": {"advance", "return_to", "suspend"},
            "project_manager": NONE,
            "approver": NONE,
            "supervisor": {"return_to", "suspend", "cancel"},
            "inspector": NONE,
        },
    ),
    (
        (S.GRID_WORKS, "lv_resident", {"has_grid_works": True}),
        {
            "front_desk": NONE,
            "customer_manager": {"return_to", "suspend"},
            "project_manager": {"advance"},
            "approver": NONE,
            "supervisor": {"return_to", "suspend", "cancel"},
            "inspector": NONE,
        },
    ),
    (
        (S.ENERGIZE, "lv_resident", {"has_grid_works": True}),
        {
            "front_desk": NONE,
            "customer_manager": {"advance", "return_to", "suspend"},
            "project_manager": NONE,
            "approver": NONE,
            "supervisor": {"return_to", "suspend", "cancel"},
            "inspector": NONE,
        },
    ),
    (
        (S.CUSTOMER_DESIGN, "hv_single", {}),
        {
            "front_desk": NONE,
            "customer_manager": {"advance", "return_to", "suspend"},
            "project_manager": NONE,
            "approver": NONE,
            "supervisor": {"return_to", "suspend", "cancel"},
            "inspector": NONE,
        },
    ),
    (
        (S.DESIGN_REVIEW, "hv_single", {}),
        {
            "front_desk": NONE,
            "customer_manager": {"advance", "fail_inspection", "return_to", "suspend"},
            "project_manager": NONE,
            "approver": NONE,
            "supervisor": {"return_to", "suspend", "cancel"},
            "inspector": NONE,
        },
    ),
    (
        (S.ARCHIVE, "lv_resident", {}),
        {
            "front_desk": NONE,
            "customer_manager": {"advance", "return_to"},
            "project_manager": NONE,
            "approver": NONE,
            "supervisor": {"return_to"},  # energized: no suspension, no cancellation
            "inspector": NONE,
        },
    ),
    (
        (S.SUSPENDED, "lv_resident", {}),
        {
            "front_desk": NONE,
            "customer_manager": {"resume"},
            "project_manager": NONE,
            "approver": NONE,
            "supervisor": {"resume", "cancel"},
            "inspector": NONE,
        },
    ),
    *(
        ((final, "lv_resident", {}), dict.fromkeys(ROLES, NONE))
        for final in (S.ARCHIVED, S.CANCELLED)
    ),
]


@pytest.mark.parametrize(
    ("where", "expected"), MATRIX, ids=[where[0] + "-" + where[1] for where, _e in MATRIX]
)
def test_each_role_is_offered_only_its_own_actions(app_in, staff, where, expected):
    state, customer_class, extra = where
    app = app_in(state, customer_class, **extra)
    assert app.state == state
    for role in ROLES:
        assert names(app, user_for(staff, role)) == expected[role], role


def test_buttons_name_the_stage_being_finished_and_the_next(app_in, staff):
    app = app_in(S.SCHEME)
    labels = dict(available_transitions(app, staff["customer_manager"]))
    assert labels["advance"] == "答复供电方案 → 装表接电"
    assert labels["return_to"] == "退回"
    assert labels["suspend"] == "暂停"


def test_blocked_forward_step_is_shown_with_its_reason(make_app, walker, staff):
    app = make_app("hv_single", at=START, has_grid_works=True)
    app = walker.walk(app, until=S.ENERGIZE, start=START)
    cm = staff["customer_manager"]

    assert "advance" not in names(app, cm)
    assert blocked_transitions(app, cm) == [
        ("装表送电 → 资料归档", ["配套电网工程尚未竣工，不能送电。"])
    ]


@pytest.mark.parametrize(
    ("state", "role", "name", "data", "perm"),
    [
        (S.ACCEPT, "inspector", "advance", {}, "完成受理"),
        (S.ACCEPT, "inspector", "suspend", {"reason": "customer_request"}, "暂停与恢复"),
        (S.ACCEPT, "inspector", "cancel", {}, "撤销申请"),
        (S.ACCEPT, "project_manager", "advance", {}, "完成受理"),
        (S.SCHEME, "front_desk", "advance", {}, "勘查及答复供电方案"),
        (S.SCHEME, "front_desk", "return_to", {"target": S.ACCEPT}, "退回上一环节"),
        (S.SCHEME, "supervisor", "advance", {}, "勘查及答复供电方案"),
        (S.SCHEME, "approver", "advance", {}, "勘查及答复供电方案"),
        (S.SCHEME, "customer_manager", "cancel", {}, "撤销申请"),
        (S.ENERGIZE, "project_manager", "advance", {"meter_number": "M1"}, "装表接电"),
        (S.ENERGIZE, "inspector", "advance", {"meter_number": "M1"}, "装表接电"),
        (S.ARCHIVE, "supervisor", "advance", {"archive_location": "A"}, "归档"),
    ],
)
def test_role_without_the_permission_is_told_which_one_is_missing(
    app_in, staff, state, role, name, data, perm
):
    app = app_in(state)
    reasons = refusal(app, name, user_for(staff, role), comment="意见", **data)
    assert reasons == [f"您没有“{perm}”的权限。"]
    app.refresh_from_db()
    assert app.state == state


def test_project_manager_finishes_grid_works_but_cannot_energize(app_in, staff):
    pm = staff["project_manager"]
    app = app_in(S.GRID_WORKS, has_grid_works=True)
    app = perform_transition(application=app, name="advance", user=pm, at=LATER)
    assert app.state == S.ENERGIZE
    assert refusal(app, "advance", pm, meter_number="M1") == ["您没有“装表接电”的权限。"]


def test_front_desk_accepts_but_cannot_reply_the_scheme(app_in, staff):
    front = staff["front_desk"]
    app = app_in(S.ACCEPT)
    app = perform_transition(application=app, name="advance", user=front, at=LATER)
    assert app.state == S.SCHEME
    ready = app_in(S.SCHEME)  # survey and scheme done: only the role is missing
    assert refusal(ready, "advance", front) == ["您没有“勘查及答复供电方案”的权限。"]


def test_inspector_can_read_but_do_nothing(app_in, staff):
    inspector = staff["inspector"]
    for state in (S.ACCEPT, S.SCHEME, S.ENERGIZE, S.SUSPENDED):
        app = app_in(state)
        assert available_transitions(app, inspector) == []
        assert Application.objects.visible_to(inspector).filter(pk=app.pk).exists()


def test_project_manager_cannot_defer_materials(make_app, staff):
    app = make_app(at=START)
    material = app.materials.exclude(status="received").first()
    with pytest.raises(TransitionRefused) as caught:
        defer_material(material=material, promised_by=START.date(), user=staff["project_manager"])
    assert caught.value.reasons == ["您没有“完成受理”的权限。"]


# --- Region scoping ---------------------------------------------------------------------------


@pytest.fixture
def outsider(other_unit):
    return make_staff(
        "cm_other", role=roles.CUSTOMER_MANAGER, unit=other_unit, full_name="客户经理乙"
    )


def test_customer_manager_of_another_unit_is_refused_with_the_unit(app_in, outsider):
    app = app_in(S.SCHEME)

    assert available_transitions(app, outsider) == []
    reasons = refusal(app, "advance", outsider)
    assert reasons == ["该申请属于西湖供电服务中心，您只能办理本单位的业务。"]
    reasons = refusal(app, "suspend", outsider, reason="customer_request", comment="x")
    assert reasons == ["该申请属于西湖供电服务中心，您只能办理本单位的业务。"]


@pytest.fixture
def front_other(other_unit):
    return make_staff("front_other", role=roles.FRONT_DESK, unit=other_unit)


@pytest.fixture
def foreign_app(other_unit, front_other, outsider):
    """An application of 余杭, accepted by 余杭's own front desk."""
    return new_application(
        user=front_other,
        unit=other_unit,
        customer_class="lv_resident",
        serial=900,
        customer_manager=outsider,
        at=START,
    )


def test_applications_of_another_unit_are_hidden(
    make_app, staff, outsider, front_other, foreign_app
):
    ours, theirs = make_app(at=START), foreign_app
    assert set(Application.objects.visible_to(outsider)) == {theirs}
    assert set(Application.objects.visible_to(front_other)) == {theirs}
    assert set(Application.objects.visible_to(staff["customer_manager"])) == {ours}
    assert set(Application.objects.visible_to(staff["front_desk"])) == {ours}


@pytest.mark.parametrize("role", ["supervisor", "inspector"])
def test_supervisor_and_inspector_see_every_unit(make_app, staff, foreign_app, role):
    ours = make_app(at=START)
    assert set(Application.objects.visible_to(staff[role])) == {ours, foreign_app}


def test_front_desk_cannot_accept_for_another_unit(make_app, staff, other_unit):
    with pytest.raises(TransitionRefused) as caught:
        make_app(at=START, unit=other_unit)
    # make_app accepts as the fixture's front desk, who belongs to 西湖.
    assert caught.value.reasons == ["该申请属于余杭供电公司，您只能办理本单位的业务。"]
    assert not Application.objects.exists()


def test_user_without_a_staff_profile_sees_and_does_nothing(app_in, staff, django_user_model):
    app = app_in(S.SCHEME)
    drifter = django_user_model.objects.create_user("drifter", is_staff=True)
    drifter.groups.add(Group.objects.get(name=roles.CUSTOMER_MANAGER))

    assert not Application.objects.visible_to(drifter).exists()
    assert available_transitions(app, drifter) == []
    assert refusal(app, "advance", drifter) == [
        "该申请属于西湖供电服务中心，您只能办理本单位的业务。"
    ]


def test_superuser_without_profile_sees_everything(make_app, foreign_app, django_user_model):
    apps = {make_app(at=START), foreign_app}
    root = django_user_model.objects.create_superuser("root", password=None)
    assert set(Application.objects.visible_to(root)) == apps


def test_inactive_user_is_refused_and_sees_nothing(app_in, staff):
    app = app_in(S.SCHEME)
    cm = staff["customer_manager"]
    cm.is_active = False
    cm.save(update_fields=["is_active"])

    assert not Application.objects.visible_to(cm).exists()
    assert available_transitions(app, cm) == []
    assert refusal(app, "advance", cm) == ["账号已停用。"]


def test_inactive_front_desk_cannot_accept(unit, staff):
    front = staff["front_desk"]
    front.is_active = False
    front.save(update_fields=["is_active"])

    with pytest.raises(TransitionRefused) as caught:
        accept_application(
            user=front,
            customer=make_customer(1, unit=unit, enterprise=False),
            unit=unit,
            customer_class="lv_resident",
            requested_capacity_kva=8,
            supply_voltage="220V",
            site_address="幸福路1号",
        )
    assert caught.value.reasons == ["账号已停用。"]


def test_approver_of_another_unit_cannot_decide(at_pending_review, staff, other_unit):
    review = at_pending_review()
    foreign = make_staff(
        "approver_other", role=roles.APPROVER, unit=other_unit, department="marketing"
    )
    marketing = review.approvals.get(department="marketing")
    with pytest.raises(TransitionRefused) as caught:
        decide_approval(approval=marketing, user=foreign, approve=True)
    assert caught.value.reasons == ["该申请属于西湖供电服务中心，您只能办理本单位的业务。"]
    marketing.refresh_from_db()
    assert marketing.decision == "pending"


@pytest.fixture
def at_pending_review(make_app, walker, staff):
    def build():
        app = walker.walk(make_app("hv_single", at=START), until=S.SCHEME, start=START)
        SupplyScheme.objects.create(
            application=app,
            supply_voltage="10kV",
            capacity_kva=800,
            supply_mode="single",
            metering_mode="high",
            connection_point="10kV幸福线12号杆",
            customer_confirmed_at=START,
        )
        return submit_scheme(application=app, user=staff["customer_manager"], at=START)

    return build

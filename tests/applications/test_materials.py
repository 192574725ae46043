"""Acceptance materials: 一证受理, 容缺受理 on a written promise, and collecting them by archive."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from applications import roles
from applications.demo import make_staff
from applications.models import ApplicationMaterial, MaterialRequirement
from applications.services import TransitionRefused
from applications.services.acceptance import defer_material, receive_material
from applications.services.lifecycle import perform_transition
from applications.states import State

S = State
M = ApplicationMaterial.Status
START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
PROMISE = date(2026, 3, 20)


def material(app, code) -> ApplicationMaterial:
    return app.materials.select_related("requirement").get(requirement__code=code)


def statuses(app) -> dict[str, str]:
    return dict(app.materials.values_list("requirement__code", "status"))


def advance(app, user, **kwargs):
    return perform_transition(application=app, name="advance", user=user, **kwargs)


@pytest.fixture
def cm(staff):
    return staff["customer_manager"]


@pytest.mark.parametrize(
    ("customer_class", "expected"),
    [
        ("lv_resident", {"identity": M.RECEIVED, "property": M.MISSING}),
        (
            "lv_business",
            {"identity": M.RECEIVED, "licence": M.MISSING, "property": M.MISSING},
        ),
        (
            "hv_single",
            {
                "identity": M.RECEIVED,
                "licence": M.MISSING,
                "property": M.MISSING,
                "load_list": M.MISSING,
                "project_approval": M.MISSING,
            },
        ),
    ],
)
def test_one_document_acceptance_lists_what_is_still_to_collect(make_app, customer_class, expected):
    app = make_app(customer_class, at=START)  # 一证受理: only the identity document
    assert statuses(app) == expected
    assert material(app, "identity").received_at == START


def test_every_missing_required_document_is_named(make_app, cm):
    app = make_app("hv_single", at=START)
    with pytest.raises(TransitionRefused) as caught:
        advance(app, cm)
    (reason,) = caught.value.reasons
    assert reason.startswith(
        "受理资料不齐：营业执照、用电地址产权证明或租赁协议、用电设备清单及负荷组成。"
    )
    assert "项目批复" not in reason  # optional document: never blocks acceptance


def test_deferred_documents_let_acceptance_end_and_are_collected_later(make_app, staff, cm):
    app = make_app("lv_business", at=START)
    front = staff["front_desk"]
    licence = defer_material(material=material(app, "licence"), promised_by=PROMISE, user=front)
    assert (licence.status, licence.commitment_signed, licence.promised_by) == (
        M.DEFERRED,
        True,
        PROMISE,
    )
    assert licence.is_settled and not licence.is_received
    receive_material(material=material(app, "property"), user=front, at=START)

    app = advance(app, front, at=START + timedelta(hours=2))
    assert app.state == S.SCHEME
    assert statuses(app) == {"identity": M.RECEIVED, "licence": M.DEFERRED, "property": M.RECEIVED}

    # The customer keeps the promise; the customer manager receives it in a later stage.
    later = START + timedelta(days=10)
    licence = receive_material(material=material(app, "licence"), user=cm, at=later)
    assert (licence.status, licence.received_at) == (M.RECEIVED, later)


def test_deferral_needs_a_promise_date(make_app, cm):
    app = make_app("lv_resident", at=START)
    prop = material(app, "property")
    with pytest.raises(TransitionRefused) as caught:
        defer_material(material=prop, promised_by=None, user=cm)
    assert caught.value.reasons == ["容缺受理须客户签署告知承诺书并填写承诺补交日期。"]
    prop.refresh_from_db()
    assert prop.status == M.MISSING


def test_deferred_without_a_signed_promise_does_not_count(make_app, cm):
    app = make_app("lv_resident", at=START)
    # Entered by hand (say, through an import) without the signed promise.
    app.materials.filter(requirement__code="property").update(
        status=M.DEFERRED, promised_by=PROMISE, commitment_signed=False
    )
    with pytest.raises(TransitionRefused) as caught:
        advance(app, cm)
    assert "房屋产权证明或租赁协议" in caught.value.reasons[0]


def test_materials_of_another_unit_cannot_be_touched(make_app, other_unit):
    app = make_app("lv_resident", at=START)
    outsider = make_staff("front_other", role=roles.FRONT_DESK, unit=other_unit)
    prop = material(app, "property")
    for call in (
        lambda: defer_material(material=prop, promised_by=PROMISE, user=outsider),
        lambda: receive_material(material=prop, user=outsider),
    ):
        with pytest.raises(TransitionRefused) as caught:
            call()
        assert caught.value.reasons == ["该申请属于西湖供电服务中心，您只能办理本单位的业务。"]
    prop.refresh_from_db()
    assert prop.status == M.MISSING


def test_a_new_required_document_in_the_policy_applies_to_new_applications(make_app, cm):
    MaterialRequirement.objects.create(
        customer_class="lv_resident", code="meter_box", name="表箱安装位置确认书", order=9
    )
    app = make_app("lv_resident", at=START)
    receive_material(material=material(app, "property"), user=cm)
    with pytest.raises(TransitionRefused) as caught:
        advance(app, cm)
    assert caught.value.reasons == [
        "受理资料不齐：表箱安装位置确认书。请收取资料，或由客户签署告知承诺书后容缺受理。"
    ]


def test_archive_waits_for_every_deferred_document(make_app, walker, cm):
    app = make_app("lv_business", at=START)
    for code in ("licence", "property"):
        defer_material(material=material(app, code), promised_by=PROMISE, user=cm)
    app = advance(app, cm, at=START + timedelta(hours=1))
    app = walker.walk(app, until=S.ARCHIVE, start=START)

    with pytest.raises(TransitionRefused) as caught:
        advance(app, cm, archive_location="A-01")
    assert caught.value.reasons == ["归档清单未完成：受理资料全部收齐（含容缺补交）。"]

    receive_material(material=material(app, "licence"), user=cm)
    with pytest.raises(TransitionRefused):
        advance(app, cm, archive_location="A-01")  # the property proof is still owed

    receive_material(material=material(app, "property"), user=cm)
    assert advance(app, cm, archive_location="A-01").state == S.ARCHIVED

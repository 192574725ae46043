"""Creating an application through the API: as a counter acceptance, idempotent, all or nothing;
reading it back with its stage clocks."""

from django.utils import timezone

from api.models import IdempotencyKey
from applications.models import Application, Customer, TransitionLog
from applications.states import Channel, State
from monitoring.models import StageClock

from .conftest import application_body

URL = "/api/v1/applications/"


def test_create_accepts_like_the_counter_with_the_channel_and_clock(hotline, unit):
    response = hotline.post(URL, application_body(unit), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    app = Application.objects.get(number=data["number"])
    assert app.state == State.ACCEPT
    assert app.channel == Channel.HOTLINE  # the 95598 system's channel by default
    assert app.accepted_by.username == "api_95598"
    assert TransitionLog.objects.filter(application=app, transition="create").count() == 1
    assert app.materials.exists()  # the class's documents, still to be handed in
    clock = StageClock.objects.get(application=app, stage=State.ACCEPT)
    assert clock.outcome == StageClock.Outcome.OPEN
    assert data["reference"] == "95598-000001"
    assert data["customer_phone"] == "138****5678"
    assert [c["stage"] for c in data["clocks"]] == [State.ACCEPT]
    assert data["clocks"][0]["status"] == "正常"


def test_a_retried_request_returns_the_same_application(hotline, unit):
    body = application_body(unit)
    first = hotline.post(URL, body, format="json")
    again = hotline.post(URL, body, format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert Application.objects.count() == 1


def test_idempotency_key_header_alone_deduplicates(hotline, unit):
    body = application_body(unit)
    del body["reference"]
    first = hotline.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = hotline.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = hotline.post(
        URL, application_body(unit, 2, reference=""), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json()["number"] == first.json()["number"] != other.json()["number"]
    assert Application.objects.count() == 2


def test_same_key_with_a_different_body_is_refused_in_chinese(hotline, unit):
    first = hotline.post(URL, application_body(unit), format="json")
    changed = application_body(unit, site_address="西湖区另一条路9号")
    response = hotline.post(URL, changed, format="json")

    assert response.status_code == 422
    number = first.json()["number"]
    assert response.json() == {
        "code": "idempotency_conflict",
        "message": (
            f"外部编号“95598-000001”已用于内容不同的申请（工单编号 {number}），不能重复使用。"
        ),
        "errors": [],
    }
    assert Application.objects.count() == 1


def test_a_key_is_required(hotline, unit):
    response = hotline.post(URL, application_body(unit, reference=""), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        "外部编号：请提供外部编号（reference）或 Idempotency-Key 请求头，以免重试时重复建单。"
    ]


def test_the_admins_validation_message_and_nothing_written(hotline, unit):
    # A resident on 10 kV: the model's own rule, as the admin's acceptance form shows it.
    response = hotline.post(URL, application_body(unit, supply_voltage="10kV"), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "refused"
    assert body["errors"] == [
        "供电电压：供电电压与用电类别不符：低压客户用220/380 V，高压客户用10 kV及以上。"
    ]
    assert body["message"].startswith("无法办理：供电电压")
    assert not Application.objects.exists()
    assert not Customer.objects.exists()  # the new customer rolled back with it
    assert not IdempotencyKey.objects.exists()  # so a corrected retry may use the key


def test_a_bad_identity_number_keeps_the_customer_message(hotline, unit):
    body = application_body(unit)
    body["customer"]["id_number"] = "330106199001011230"
    response = hotline.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == ["证件号码：居民身份证号码无效：应为18位且校验位正确。"]
    assert not Application.objects.exists()


def test_form_errors_name_the_fields_in_chinese(hotline, unit):
    body = application_body(unit, requested_capacity_kva="很多", customer_class="nuclear")
    response = hotline.post(URL, body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "申请容量(kVA)：请填写合法的数字。" in errors
    assert "用电类别：“nuclear” 不是合法选项。" in errors
    assert not Application.objects.exists()


def test_unknown_unit_is_refused(hotline, unit):
    body = application_body(unit)
    body["unit"] = "nowhere"
    response = hotline.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == ["供电单位编码：供电单位编码nowhere不存在。"]


def test_read_an_application_with_its_clocks(hotline, make_app, walker):
    app = make_app()
    # accept → scheme: the acceptance clock stops, the scheme clock runs
    walker.step(app, timezone.now())
    response = hotline.get(f"{URL}{app.number}/")

    assert response.status_code == 200
    data = response.json()
    assert data["state"] == State.SCHEME
    assert data["state_label"] == "勘查及方案答复"
    clocks = {c["stage"]: c for c in data["clocks"]}
    assert clocks[State.ACCEPT]["outcome"] == "met"
    assert clocks[State.SCHEME]["outcome"] == "open"
    assert clocks[State.SCHEME]["due_at"] is not None
    assert data["reference"] == ""  # accepted at the counter, not by this system


def test_another_units_application_is_not_found(hotline, other_units_app):
    response = hotline.get(f"{URL}{other_units_app.number}/")

    assert response.status_code == 404
    assert response.json()["message"] == "未找到。"

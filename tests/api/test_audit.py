"""Every call leaves an audit row — successes, refusals and unauthenticated calls alike."""

from api.models import ApiCall, Scope

from .conftest import application_body, calling

URL = "/api/v1/applications/"


def test_success_refusal_and_unknown_token_are_all_audited(make_system, unit):
    client, raw = make_system()
    api = calling(raw)

    created = api.post(URL, application_body(unit), format="json")
    api.post(URL, application_body(unit, 2, supply_voltage="10kV"), format="json")
    calling("yk_wrong").get(f"{URL}{created.json()['number']}/")

    ok, refused, unknown = ApiCall.objects.order_by("pk")
    assert (ok.client, ok.method, ok.endpoint, ok.status_code) == (
        client,
        "POST",
        "api:application-create",
        201,
    )
    assert ok.result == f"受理 {created.json()['number']}"
    assert ok.token.client == client
    assert ok.duration_ms >= 0 and ok.at is not None
    assert refused.status_code == 400
    assert refused.result.startswith("无法办理：供电电压：供电电压与用电类别不符")
    assert unknown.client is None and unknown.status_code == 401
    assert unknown.path.startswith("/api/v1/applications/")


def test_a_retry_is_audited_as_a_replay(make_system, unit):
    _client, raw = make_system()
    api = calling(raw)
    body = application_body(unit)
    number = api.post(URL, body, format="json").json()["number"]
    api.post(URL, body, format="json")

    assert ApiCall.objects.order_by("pk").last().result == f"重复请求，返回原申请 {number}"


def test_scope_refusal_is_audited(make_system, unit):
    client, raw = make_system(scopes=[Scope.APPLICATIONS_READ])
    calling(raw).post(URL, application_body(unit), format="json")

    call = ApiCall.objects.get()
    assert (call.client, call.status_code) == (client, 403)
    assert "未获授权" in call.result


def test_the_audit_is_read_only_in_the_admin(admin_client):
    assert admin_client.get("/admin/api/apicall/").status_code == 200
    assert admin_client.get("/admin/api/apicall/add/").status_code == 403


def test_supervisors_and_inspectors_read_the_audit_but_cannot_manage_tokens(
    admin_client, client, staff, make_system
):
    api_client, _raw = make_system()
    assert "签发新令牌" in admin_client.get("/admin/api/apiclient/").text
    for role in ("supervisor", "inspector"):
        client.force_login(staff[role])
        assert client.get("/admin/api/apicall/").status_code == 200
        systems = client.get("/admin/api/apiclient/")
        assert systems.status_code == 200 and "签发新令牌" not in systems.text
        assert client.get(f"/admin/api/apiclient/{api_client.pk}/change/").status_code == 200
        assert not staff[role].has_perm("api.issue_apitoken")
        assert not staff[role].has_perm("api.change_apitoken")
    client.force_login(staff["customer_manager"])
    assert client.get("/admin/api/apicall/").status_code == 403

"""Tokens: one per system, stored hashed, scoped, revocable in the admin, last use stamped."""

import re

from django.urls import reverse

from api import tokens
from api.models import ApiToken, Scope, System
from applications.models import Application

from .conftest import application_body, calling

URL = "/api/v1/applications/"


def test_the_raw_token_is_never_stored(make_system):
    client, raw = make_system()
    token = ApiToken.objects.get(client=client)

    assert token.digest == tokens.digest(raw) != raw
    assert raw not in {token.prefix, token.digest, token.note}
    assert raw.startswith(token.prefix)


def test_a_scope_the_system_lacks_is_refused(make_system, unit, make_app):
    _client, raw = make_system(scopes=[Scope.APPLICATIONS_READ])
    api = calling(raw)

    refused = api.post(URL, application_body(unit), format="json")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "permission_denied",
        "message": "接入系统95598客服系统未获授权“applications:write”。",
        "errors": [],
    }
    assert not Application.objects.exists()
    assert api.get(f"{URL}{make_app().number}/").status_code == 200  # its own scope works


def test_no_or_unknown_token_is_refused(make_system, make_app):
    make_system()
    number = make_app().number

    anonymous = calling("").get(f"{URL}{number}/")
    anonymous.client.defaults.pop("HTTP_AUTHORIZATION", None)
    assert anonymous.status_code == 401
    unknown = calling("yk_not-a-token").get(f"{URL}{number}/")
    assert unknown.status_code == 401
    assert unknown.json()["message"] == "令牌无效、已吊销或接入系统已停用。"
    assert unknown["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_stops_working_at_once(make_system, make_app):
    client, raw = make_system()
    api = calling(raw)
    url = f"{URL}{make_app().number}/"
    assert api.get(url).status_code == 200

    tokens.revoke(token=ApiToken.objects.get(client=client))

    assert api.get(url).status_code == 401
    fresh = tokens.issue(client=client)
    assert calling(fresh).get(url).status_code == 200  # rotation: a new token works


def test_a_deactivated_system_is_refused(make_system, make_app):
    client, raw = make_system()
    client.is_active = False
    client.save()

    assert calling(raw).get(f"{URL}{make_app().number}/").status_code == 401


def test_last_use_is_stamped(make_system, make_app):
    client, raw = make_system()
    assert ApiToken.objects.get(client=client).last_used_at is None

    calling(raw).get(f"{URL}{make_app().number}/")

    assert ApiToken.objects.get(client=client).last_used_at is not None


def test_admin_shows_a_new_token_once_and_revokes_it(admin_client, make_system, make_app):
    system, _raw = make_system()
    url = reverse("admin:api_apiclient_changelist")

    page = admin_client.post(
        url, {"action": "issue_token", "_selected_action": [system.pk]}, follow=True
    )

    text = page.content.decode()
    assert "请立即复制，之后无法再次查看" in text
    raw = re.search(r"(yk_[A-Za-z0-9_\-]{20,})", text).group(1)
    app_url = f"{URL}{make_app().number}/"
    assert calling(raw).get(app_url).status_code == 200
    new = ApiToken.objects.get(digest=tokens.digest(raw))
    assert new.created_by.username == "admin"
    detail = admin_client.get(reverse("admin:api_apitoken_change", args=[new.pk]))
    assert raw not in detail.content.decode()  # shown once, never again

    admin_client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [new.pk]},
        follow=True,
    )

    new.refresh_from_db()
    assert new.revoked_by.username == "admin"
    assert calling(raw).get(app_url).status_code == 401


def test_systems_are_the_five_of_the_issue():
    assert set(System.labels) == {
        "95598客服系统",
        "网上国网",
        "营销业务系统",
        "调度（调控）系统",
        "配网（PMS）系统",
    }


def test_scopes_are_ticked_in_the_admin(admin_client, make_system):
    system, _raw = make_system(scopes=[Scope.APPLICATIONS_READ])
    url = reverse("admin:api_apiclient_change", args=[system.pk])
    assert admin_client.get(url).status_code == 200

    admin_client.post(
        url,
        {
            "system": system.system,
            "name": system.name,
            "user": system.user.pk,
            "scopes": ["applications:read", "complaints:write"],
            "is_active": "on",
            "tokens-TOTAL_FORMS": "1",
            "tokens-INITIAL_FORMS": "1",
            "tokens-MIN_NUM_FORMS": "0",
            "tokens-MAX_NUM_FORMS": "1000",
            "tokens-0-id": ApiToken.objects.get(client=system).pk,
            "tokens-0-client": system.pk,
        },
    )

    system.refresh_from_db()
    assert system.scopes == ["applications:read", "complaints:write"]

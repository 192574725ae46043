"""The demo's systems and tokens, and the command that issues a real token."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api import demo, tokens
from api.models import ApiClient, ApiToken, System
from applications.demo import DEMO_COMPANY
from applications.models import Application, Unit

from .conftest import application_body, calling


@pytest.fixture
def company(unit):
    head = Unit.objects.create(code=DEMO_COMPANY[0], name=DEMO_COMPANY[1])
    unit.parent = head
    unit.save()
    return head


def test_demo_tokens_work_and_loading_twice_adds_nothing(company, unit):
    lines = demo.load()
    demo.load()

    assert ApiClient.objects.count() == 5 and ApiToken.objects.count() == 5
    assert any("yk_demo_95598" in line for line in lines)
    # The 95598 account sits at the city company: it accepts for the stations under it.
    created = calling(demo.demo_token(System.HOTLINE_95598)).post(
        "/api/v1/applications/", application_body(unit), format="json"
    )
    assert created.status_code == 201, created.json()
    assert Application.objects.get().unit == unit
    dispatch = ApiClient.objects.get(system=System.DISPATCH)
    assert dispatch.user.staff_profile.department == "dispatch"


def test_the_token_command_prints_a_working_token(make_system, make_app):
    client, _raw = make_system()
    out = StringIO()

    call_command("api_token", "95598", "--note", "轮换", stdout=out)

    raw = out.getvalue().strip()
    assert ApiToken.objects.get(digest=tokens.digest(raw)).note == "轮换"
    assert calling(raw).get(f"/api/v1/applications/{make_app().number}/").status_code == 200
    with pytest.raises(CommandError):
        call_command("api_token", "dispatch")  # not registered yet
    client.is_active = False
    client.save()
    with pytest.raises(CommandError, match="已停用"):
        call_command("api_token", "95598")

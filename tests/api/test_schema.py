"""The OpenAPI document, the docs pages, and the API checked against its own schema."""

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from yekuo.wsgi import application as wsgi_application


def test_the_schema_is_served_as_openapi_3(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/applications/",
        "/api/v1/applications/{number}/",
        "/api/v1/changes/",
        "/api/v1/contacts/",
        "/api/v1/metering-records/",
        "/api/v1/outage-plans/{id}/decision/",
        "/api/v1/complaints/",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["systemToken"]["scheme"] == "bearer"


def test_the_schema_validates_without_warnings(db, tmp_path):
    # drf-spectacular's own check: a view or serializer it cannot describe fails the build.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    assert "/api/v1/payments/" in (tmp_path / "s.yaml").read_text()


def test_the_docs_need_no_cdn(client, db):
    for url in ("/api/docs/", "/api/redoc/"):
        page = client.get(url).content.decode()
        assert "drf_spectacular_sidecar" in page
        assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page


schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_application)


@pytest.fixture
def keep_connection():
    """Calling the WSGI app directly fires request_started/finished, whose handler closes the
    database connection — and with it the test's transaction on PostgreSQL. Django's test
    client disconnects it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(unit, make_system, keep_connection):
    """A system with every scope, acting as a front-desk account of `unit`."""
    _client, raw = make_system()
    return raw


@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_the_api_keeps_to_its_schema(case, token):
    # Schema-valid data may still break a business rule (a resident on 10 kV, a checksum-invalid
    # ID number): such a call is refused with 400 and the documented error body, which the
    # other checks (no 5xx, documented status, content type, response schema) still verify.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance],
    )


def test_successful_answers_match_the_schema(token, unit, make_app, make_project, staff):
    """Generated data rarely passes the business rules, so the happy path of each endpoint is
    sent by hand and its answer checked against the schema by the same checks."""
    from projects.models import OutagePlan

    from .conftest import application_body
    from .test_records import submitted_plan

    headers = {"Authorization": f"Bearer {token}"}
    existing = make_app()
    day = str(timezone.localdate())
    now = timezone.now().isoformat()
    calls = [
        ("/api/v1/applications/", "POST", {}, application_body(unit), 201),
        ("/api/v1/applications/", "POST", {}, application_body(unit), 200),  # the replay
        ("/api/v1/applications/{number}/", "GET", {"number": existing.number}, None, 200),
        ("/api/v1/changes/", "GET", {}, None, 200),
        (
            "/api/v1/contacts/",
            "POST",
            {},
            {
                "channel": "app",
                "contacted_at": now,
                "application": existing.number,
                "reference": "A1",
            },
            201,
        ),
        (
            "/api/v1/metering-records/",
            "POST",
            {},
            {"application": existing.number, "meter_number": "33001", "installed_on": day},
            201,
        ),
        (
            "/api/v1/complaints/",
            "POST",
            {},
            {
                "external_ref": "T1",
                "received_at": now,
                "content": "进度太慢",
                "application": existing.number,
            },
            201,
        ),
    ]
    for path, method, params, body, expected in calls:
        kwargs = {"path_parameters": params, "headers": headers}
        if body is not None:
            kwargs["body"] = body
        case = schema[path][method].Case(**kwargs)
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        assert response.status_code == expected, (path, response.text)

    plan = submitted_plan(make_project, staff)
    decision = schema["/api/v1/outage-plans/{id}/decision/"]["POST"].Case(
        path_parameters={"id": plan.pk},
        headers=headers,
        body={"decision": "reject", "note": "负荷高峰"},
    )
    # The test system's account is a front-desk clerk: refused, in the documented error body.
    assert decision.call_and_validate().status_code == 400
    assert OutagePlan.objects.get(pk=plan.pk).status == OutagePlan.Status.SUBMITTED


def test_a_payment_answer_matches_the_schema(keep_connection, make_system, make_app, staff):
    from datetime import timedelta

    from api.models import System
    from applications.services.charges import issue_charge

    _client, raw = make_system(System.MARKETING)
    app = make_app("lv_business", capacity=200, is_small_micro=False)
    charge = issue_charge(
        application=app,
        user=staff["customer_manager"],
        kind="metering",
        amount="300.00",
        explanation="计量装置费。",
        at=timezone.now() - timedelta(hours=2),
    )
    case = schema["/api/v1/payments/"]["POST"].Case(
        headers={"Authorization": f"Bearer {raw}"},
        body={
            "charge": charge.number,
            "amount": "300.00",
            "paid_at": timezone.now().isoformat(),
            "reference": "YX1",
            "invoice_number": "2533000001",
        },
    )

    assert case.call_and_validate().status_code == 201

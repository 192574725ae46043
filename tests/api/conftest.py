"""Fixtures for the integration API: a system with a token, and a client that calls as it."""

import pytest
from rest_framework.test import APIClient

from api import tokens
from api.models import ApiClient, Scope, System
from applications import roles
from applications.demo import make_staff, new_application, resident_id
from applications.states import Department
from tests.projects.conftest import dispatcher, make_project  # noqa: F401  (fixtures)

ALL_SCOPES = [str(s) for s in Scope]


@pytest.fixture
def make_system(unit):
    """make(system, scopes=..., role=..., department=...) -> (ApiClient, raw token)."""

    def make(system=System.HOTLINE_95598, *, scopes=None, role=roles.FRONT_DESK, department=""):
        user = make_staff(
            f"api_{system}", role=role, unit=unit, full_name=f"{system}接口", department=department
        )
        client = ApiClient.objects.create(
            system=system,
            name=str(System(system).label),
            scopes=ALL_SCOPES if scopes is None else [str(s) for s in scopes],
            user=user,
        )
        return client, tokens.issue(client=client)

    return make


def calling(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


@pytest.fixture
def hotline(make_system):
    """The 95598 system with every scope, as an APIClient."""
    _client, raw = make_system()
    return calling(raw)


@pytest.fixture
def dispatch_api(make_system):
    _client, raw = make_system(System.DISPATCH, role=roles.APPROVER, department=Department.DISPATCH)
    return calling(raw)


@pytest.fixture
def other_units_app(other_unit):
    """An application of another unit, accepted by that unit's front desk."""
    front = make_staff("front_other", role=roles.FRONT_DESK, unit=other_unit, full_name="受理员乙")
    return new_application(user=front, unit=other_unit, customer_class="lv_resident", serial=99)


def application_body(unit, serial=1, **overrides) -> dict:
    body = {
        "reference": f"95598-{serial:06d}",
        "unit": unit.code,
        "customer": {
            "name": f"居民客户{serial}",
            "kind": "person",
            "id_type": "resident_id",
            "id_number": resident_id(serial),
            "contact_name": f"联系人{serial}",
            "phone": "13812345678",
            "address": "西湖区幸福路1号",
        },
        "customer_class": "lv_resident",
        "requested_capacity_kva": "8.0",
        "supply_voltage": "220V",
        "site_address": "西湖区幸福路1号",
    }
    body.update(overrides)
    return body

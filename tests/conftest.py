"""Shared fixtures: units, one user per role, and a walker to drive applications."""

import os

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from applications import roles
from applications.demo import Walker, ensure_approvers, make_staff, new_application
from applications.models import Unit
from monitoring import workdays

ON_POSTGRES = os.environ.get("YEKUO_TEST_DB") == "postgres"


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (row locks, concurrency)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def working_language():
    # Services answer in the user's language; tests read the Chinese texts of the spec.
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    # The calendar cache outlives test rollbacks (no signal fires on rollback).
    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture
def unit(db):
    return Unit.objects.create(code="xihu", name="西湖供电服务中心")


@pytest.fixture
def other_unit(db):
    return Unit.objects.create(code="yuhang", name="余杭供电公司")


@pytest.fixture
def staff(unit):
    """One user per role in `unit`, keyed by short names."""
    supervisor = make_staff("supervisor", role=roles.SUPERVISOR, unit=unit, full_name="主管甲")
    return {
        "front_desk": make_staff("front", role=roles.FRONT_DESK, unit=unit, full_name="受理员甲"),
        "customer_manager": make_staff(
            "cm",
            role=roles.CUSTOMER_MANAGER,
            unit=unit,
            full_name="客户经理甲",
            supervisor=supervisor,
        ),
        "project_manager": make_staff(
            "pm", role=roles.PROJECT_MANAGER, unit=unit, full_name="项目经理甲"
        ),
        "supervisor": supervisor,
        "inspector": make_staff("inspector", role=roles.INSPECTOR, unit=unit, full_name="纪检甲"),
        "approvers": ensure_approvers(unit),
    }


@pytest.fixture
def walker(staff):
    return Walker(
        customer_manager=staff["customer_manager"],
        project_manager=staff["project_manager"],
        approvers=staff["approvers"],
    )


@pytest.fixture
def make_app(unit, staff):
    counter = iter(range(1, 10_000))

    def make(customer_class="lv_resident", **kwargs):
        kwargs.setdefault("customer_manager", staff["customer_manager"])
        kwargs.setdefault("project_manager", staff["project_manager"])
        kwargs.setdefault("unit", unit)
        return new_application(
            user=staff["front_desk"],
            customer_class=customer_class,
            serial=next(counter),
            **kwargs,
        )

    return make

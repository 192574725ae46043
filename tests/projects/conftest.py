"""Fixtures for grid-side projects: a project of the unit's project manager, built through the
services like a user would."""

from decimal import Decimal

import pytest

from applications import roles
from applications.demo import make_staff
from applications.states import Department
from projects.models import ConsignedStock, MaterialItem, Project
from projects.services.projects import create_project


@pytest.fixture
def make_project(unit, staff, make_app):
    def make(*, applications=None, user=None, **fields):
        fields.setdefault("name", "西湖路10kV配套线路工程")
        fields.setdefault("unit", unit)
        fields.setdefault("project_manager", staff["project_manager"])
        fields.setdefault("poles", 6)
        fields.setdefault("line_length_km", Decimal("0.8"))
        if applications is None:
            applications = [] if fields.get("kind") == Project.Kind.AHEAD else [make_app()]
        return create_project(
            user=user or fields["project_manager"],
            project=Project(**fields),
            applications=applications,
        )

    return make


@pytest.fixture
def dispatcher(staff):
    return staff["approvers"][Department.DISPATCH]


@pytest.fixture
def materials_officer(unit):
    return make_staff("keeper", role=roles.MATERIALS_OFFICER, unit=unit, full_name="物资甲")


@pytest.fixture
def cable(db):
    return MaterialItem.objects.create(code="YJV22-3x70", name="电力电缆3×70", unit_of_measure="米")


@pytest.fixture
def stock(unit, cable):
    return ConsignedStock.objects.create(
        unit=unit,
        warehouse="西湖寄存库",
        item=cable,
        quantity=Decimal("500"),
        threshold=Decimal("100"),
    )

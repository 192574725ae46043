"""The project pages as each role sees them: they render, scope, and refuse with reasons."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import roles
from applications.demo import make_staff
from projects.models import OutagePlan, Project
from projects.services import outages

ROLES = ["project_manager", "supervisor", "inspector", "customer_manager"]


def action_url(project, name):
    return reverse("admin:projects_project_action", args=[project.pk, name])


@pytest.fixture
def plan(make_project, staff):
    start = timezone.now() + timedelta(days=2)
    return outages.save_draft(
        user=staff["project_manager"],
        plan=OutagePlan(
            project=make_project(),
            kind=OutagePlan.Kind.WEEKLY,
            description="停电搭接",
            requested_start=start,
            requested_end=start + timedelta(hours=3),
        ),
    )


@pytest.mark.parametrize("role", ROLES)
def test_pages_render_for_each_role(client, staff, make_project, stock, plan, role):
    project = make_project()
    client.force_login(staff[role])
    for url in [
        reverse("admin:index"),
        reverse("admin:projects_project_changelist"),
        reverse("admin:projects_project_change", args=[project.pk]),
        reverse("admin:projects_project_changelist") + "?behind=yes",
        reverse("admin:projects_consignedstock_changelist") + "?low=yes",
        reverse("admin:projects_outageplan_changelist") + "?todo=dispatch",
        reverse("admin:projects_outageplan_change", args=[plan.pk]),
        reverse("admin:projects_secondaryloan_changelist") + "?returned=overdue",
        reverse("admin:projects_progressreport_changelist"),
        reverse("admin:projects_connectfirstledger_changelist"),
        reverse("admin:projects_aheadledger_changelist"),
        reverse("admin:projects_inflightledger_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


def test_the_manager_creates_a_project_in_the_admin(client, staff, unit, make_app):
    app = make_app()
    client.force_login(staff["project_manager"])

    response = client.post(
        reverse("admin:projects_project_add"),
        {
            "name": "幸福路配套工程",
            "unit": unit.pk,
            "kind": Project.Kind.ORDINARY,
            "applications": [app.pk],
            "project_manager": staff["project_manager"].pk,
            "poles": 4,
            "line_length_km": "0.6",
            "transformer_kva": "400",
            **_empty_inlines(),
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(name="幸福路配套工程")
    assert project.number.startswith("PJ-")
    assert list(project.applications.all()) == [app]
    assert project.phases.count() == 4


def test_an_ordinary_project_without_application_is_refused_on_the_form(client, staff, unit):
    client.force_login(staff["project_manager"])

    response = client.post(
        reverse("admin:projects_project_add"),
        {
            "name": "无申请工程",
            "unit": unit.pk,
            "kind": Project.Kind.ORDINARY,
            "project_manager": staff["project_manager"].pk,
            "poles": 1,
            "line_length_km": "0",
            "transformer_kva": "0",
            **_empty_inlines(),
        },
    )

    assert response.status_code == 200
    assert "除预推进工程外，配套工程须关联至少一个业扩申请。" in response.content.decode()
    assert not Project.objects.exists()


def test_another_managers_project_is_read_only_and_its_actions_refused(
    client, staff, unit, make_project
):
    project = make_project()
    other = make_staff("pm2", role=roles.PROJECT_MANAGER, unit=unit, full_name="项目经理乙")
    client.force_login(other)

    page = client.get(reverse("admin:projects_project_change", args=[project.pk]))
    assert page.context["has_change_permission"] is False
    refused = client.get(action_url(project, "progress"))
    expected = f"工程{project.number}由项目经理项目经理甲负责，只有本工程的项目经理可以办理。"
    assert expected in refused.content.decode()
    client.post(action_url(project, "progress"), {"percent": 50, "text": "立杆"})
    assert project.reports.count() == 0


def test_the_manager_reports_progress_with_a_photo(client, staff, make_project, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    project = make_project()
    client.force_login(staff["project_manager"])

    response = client.post(
        action_url(project, "progress"),
        {
            "reported_on": timezone.localdate().isoformat(),
            "percent": 40,
            "text": "立杆 3 基",
            "photo": SimpleUploadedFile("site.jpg", b"\xff\xd8\xff\xe0jpeg", "image/jpeg"),
        },
    )

    assert response.status_code == 302
    report = project.reports.get()
    assert (report.percent, report.text) == (40, "立杆 3 基")
    assert report.photo.name.startswith("projects/progress/")
    assert (tmp_path / report.photo.name).exists()


def test_a_draw_through_the_project_page(client, staff, make_project, stock):
    project = make_project()
    client.force_login(staff["project_manager"])

    response = client.post(
        action_url(project, "draw"), {"stock_1": stock.pk, "quantity_1": "30", "note": "首批"}
    )

    assert response.status_code == 302
    stock.refresh_from_db()
    assert stock.quantity == Decimal("470.00")


def test_other_units_projects_are_invisible(client, make_project, other_unit):
    project = make_project()
    outsider = make_staff("pm_yh", role=roles.PROJECT_MANAGER, unit=other_unit)
    client.force_login(outsider)

    listing = client.get(reverse("admin:projects_project_changelist"))
    assert list(listing.context["cl"].result_list) == []
    assert client.get(action_url(project, "progress")).status_code == 404


def test_nobody_deletes_projects_or_plans(client, staff, make_project, plan):
    project = make_project()
    client.force_login(staff["supervisor"])
    for name, pk in [("project", project.pk), ("outageplan", plan.pk)]:
        url = reverse(f"admin:projects_{name}_delete", args=[pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()


def _empty_inlines():
    """Management forms of the project page's inlines (all read-only, none submitted)."""
    prefixes = [
        "Project_applications-",
        "phases-",
        "reports-",
        "requisitions-",
        "loans-",
        "outage_plans-",
    ]
    data = {}
    for prefix in prefixes:
        data.update({f"{prefix}TOTAL_FORMS": 0, f"{prefix}INITIAL_FORMS": 0})
    return data

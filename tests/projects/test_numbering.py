from zoneinfo import ZoneInfo

from projects.models import Project, ProjectPhase
from projects.services.projects import next_project_number


def test_projects_are_numbered_per_year(make_project):
    first = make_project()
    second = make_project()

    year = first.created_at.astimezone(ZoneInfo("Asia/Shanghai")).year
    assert first.number == f"PJ-{year}-00001"
    assert second.number == f"PJ-{year}-00002"


def test_a_new_year_starts_again_at_one(db):
    assert next_project_number(2031) == "PJ-2031-00001"
    assert next_project_number(2031) == "PJ-2031-00002"
    assert next_project_number(2032) == "PJ-2032-00001"


def test_a_new_project_has_its_four_phases_unplanned(make_project):
    project = make_project()

    phases = list(project.phases.order_by("pk").values_list("phase", "planned_on", "actual_on"))
    assert phases == [
        ("design", None, None),
        ("material", None, None),
        ("construction", None, None),
        ("completion", None, None),
    ]
    assert project.status == Project.Status.DESIGN
    assert ProjectPhase.ORDER[0] == "design"

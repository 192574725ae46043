"""The demo's projects, and the selector supervision uses (progress ahead of the system)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from applications.states import State
from projects.demo import load_projects
from projects.models import ConsignedStock, OutagePlan, Project
from projects.queries import progress_ahead_of_application
from projects.services.progress import report_progress

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_demo_projects_show_each_feature(unit, staff, make_app, walker):
    start = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    walker.walk(make_app("lv_business", has_grid_works=True, at=start), State.GRID_WORKS, start)
    walker.walk(make_app("lv_business", has_grid_works=True, at=start), State.SCHEME, start)

    accounts = load_projects(unit=unit, pm=staff["project_manager"], password="x", now=NOW)

    assert list(accounts) == ["wuzi_xihu"]
    kinds = sorted(Project.objects.values_list("name", "kind", "status"))
    assert kinds == [
        ("学院路低压配套工程", "ordinary", "design"),
        ("幸福路10kV配套线路工程", "ordinary", "construction"),
        ("科创园三期预推进工程", "ahead", "design"),
    ]
    poles = ConsignedStock.objects.get(item__code="GT-12M")
    assert (poles.quantity, poles.threshold) == (11, 10)  # near its threshold
    assert list(OutagePlan.objects.order_by("pk").values_list("status", "live_line")) == [
        ("submitted", False),
        ("draft", True),
    ]
    assert [link.project.name for link in progress_ahead_of_application()] == ["学院路低压配套工程"]
    # Loaded twice, nothing is added.
    load_projects(unit=unit, pm=staff["project_manager"], password="x", now=NOW)
    assert Project.objects.count() == 3


def test_progress_ahead_only_while_the_application_is_before_grid_works(
    make_project, make_app, walker, staff
):
    in_scheme = walker.walk(make_app(has_grid_works=True), State.SCHEME, NOW)
    project = make_project(applications=[in_scheme])
    report_progress(user=staff["project_manager"], project=project, percent=90, text="放线", at=NOW)
    assert list(progress_ahead_of_application()) == []

    report_progress(
        user=staff["project_manager"],
        project=project,
        percent=100,
        text="竣工",
        correction_reason="当日竣工",
        at=NOW,
    )
    links = list(progress_ahead_of_application())
    assert [(link.project, link.application) for link in links] == [(project, in_scheme)]

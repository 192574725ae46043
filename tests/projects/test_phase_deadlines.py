"""Project phases are timed by the Deadline engine (工程节点): planned → started, re-planned →
re-timed, done → met or breached, unplanned or cancelled → withdrawn."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from monitoring import deadlines
from monitoring.models import Deadline
from projects.models import ProjectPhase
from projects.services.projects import cancel_project, plan_phase, record_phase_done

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
Phase = ProjectPhase.Phase
Outcome = Deadline.Outcome


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)


def test_planning_a_phase_starts_its_deadline(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()

    plan_phase(
        user=pm, project=project, phase=Phase.DESIGN, planned_on=date(2026, 11, 20), at=MONDAY
    )

    deadline = deadlines.for_subject(project).get()
    assert (deadline.kind, deadline.key, deadline.outcome) == (
        Deadline.Kind.PROJECT_PHASE,
        "design",
        Outcome.OPEN,
    )
    assert deadline.label == f"{project.number} 设计完成"
    assert deadline.due_at == midnight(date(2026, 11, 21))  # 24:00 of the planned day
    assert (deadline.unit, deadline.responsible) == (project.unit, pm)
    assert deadline.application == project.applications.get()


def test_replanning_retimes_the_same_deadline(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()
    plan_phase(
        user=pm, project=project, phase=Phase.DESIGN, planned_on=date(2026, 11, 20), at=MONDAY
    )

    plan_phase(
        user=pm,
        project=project,
        phase=Phase.DESIGN,
        planned_on=date(2026, 11, 27),
        at=MONDAY + timedelta(days=1),
    )

    assert list(deadlines.for_subject(project).values_list("key", "due_at", "outcome")) == [
        ("design", midnight(date(2026, 11, 28)), Outcome.OPEN)
    ]


def test_done_on_the_planned_day_is_met_and_later_is_breached(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()
    plan_phase(
        user=pm, project=project, phase=Phase.DESIGN, planned_on=date(2026, 11, 17), at=MONDAY
    )
    plan_phase(
        user=pm, project=project, phase=Phase.MATERIAL, planned_on=date(2026, 11, 18), at=MONDAY
    )
    later = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)

    record_phase_done(
        user=pm, project=project, phase=Phase.DESIGN, actual_on=date(2026, 11, 17), at=later
    )
    record_phase_done(
        user=pm, project=project, phase=Phase.MATERIAL, actual_on=date(2026, 11, 19), at=later
    )

    outcomes = dict(deadlines.for_subject(project).values_list("key", "outcome"))
    assert outcomes == {"design": Outcome.MET, "material": Outcome.BREACHED}
    stopped = dict(deadlines.for_subject(project).values_list("key", "stopped_at"))
    assert stopped == {
        "design": midnight(date(2026, 11, 18)),
        "material": midnight(date(2026, 11, 20)),
    }


def test_unplanning_and_cancelling_withdraw_deadlines(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()
    plan_phase(
        user=pm, project=project, phase=Phase.DESIGN, planned_on=date(2026, 11, 20), at=MONDAY
    )
    plan_phase(
        user=pm, project=project, phase=Phase.MATERIAL, planned_on=date(2026, 11, 25), at=MONDAY
    )

    plan_phase(user=pm, project=project, phase=Phase.MATERIAL, planned_on=None, at=MONDAY)
    cancel_project(user=pm, project=project, reason="客户取消报装", at=MONDAY)

    rows = deadlines.for_subject(project).values_list("key", "outcome", "cancel_reason")
    assert sorted(rows) == [
        ("design", Outcome.CANCELLED, "客户取消报装"),
        ("material", Outcome.CANCELLED, ""),
    ]


def test_the_project_page_shows_its_deadlines(client, make_project, staff):
    pm = staff["project_manager"]
    project = make_project()
    plan_phase(
        user=pm, project=project, phase=Phase.DESIGN, planned_on=date(2026, 11, 20), at=MONDAY
    )
    client.force_login(staff["inspector"])

    page = client.get(reverse("admin:projects_project_change", args=[project.pk]))

    html = page.content.decode()
    assert "事项时限" in html
    assert f"{project.number} 设计完成" in html
    assert "2026-11-21 00:00" in html

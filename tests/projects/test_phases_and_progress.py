"""Projects: who may change them, phase dates and daily progress reports."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from applications import roles
from applications.demo import make_staff
from applications.services.errors import TransitionRefused
from projects import signals
from projects.models import ProgressReport, Project, ProjectPhase
from projects.services.progress import report_progress
from projects.services.projects import (
    cancel_project,
    create_project,
    plan_phase,
    record_phase_done,
    update_project,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)
Phase = ProjectPhase.Phase


@pytest.fixture
def other_pm(unit):
    return make_staff("pm2", role=roles.PROJECT_MANAGER, unit=unit, full_name="项目经理乙")


def test_only_the_projects_manager_changes_it(make_project, other_pm):
    project = make_project()
    project.name = "改名"

    with pytest.raises(TransitionRefused) as refused:
        update_project(user=other_pm, project=project)

    assert refused.value.reasons == [
        f"工程{project.number}由项目经理项目经理甲负责，只有本工程的项目经理可以办理。"
    ]


def test_a_project_is_created_only_in_ones_own_unit(staff, other_unit, make_app):
    project = Project(
        name="余杭配套工程", unit=other_unit, project_manager=staff["project_manager"], poles=3
    )

    with pytest.raises(TransitionRefused) as refused:
        create_project(user=staff["project_manager"], project=project, applications=[make_app()])

    assert refused.value.reasons == ["该事项属于余杭供电公司，您只能办理本单位的业务。"]


def test_inspectors_and_supervisors_may_not_create_projects(staff, unit, make_app):
    for who in ("inspector", "supervisor"):
        project = Project(name="x", unit=unit, project_manager=staff["project_manager"])
        with pytest.raises(TransitionRefused) as refused:
            create_project(user=staff[who], project=project, applications=[make_app()])
        assert refused.value.reasons == ["您没有“新建配套工程”的权限。"]


def test_an_ordinary_project_needs_an_application_but_an_ahead_one_does_not(make_project):
    with pytest.raises(TransitionRefused) as refused:
        make_project(applications=[])
    assert refused.value.reasons == ["除预推进工程外，配套工程须关联至少一个业扩申请。"]

    ahead = make_project(kind=Project.Kind.AHEAD, expected_customer="科创园三期")
    assert list(ahead.applications.all()) == []


def test_a_small_job_has_at_most_two_poles(make_project):
    with pytest.raises(TransitionRefused) as refused:
        make_project(poles=3, is_small_job=True)
    assert refused.value.reasons == ["杆塔超过 2 基，不能作为供电所自建的小型工程。"]

    assert make_project(poles=2, is_small_job=True).is_small_job


def test_planning_and_completing_phases_announce_them(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()
    heard = []

    def listen(signal_name):
        def receiver(sender, **kwargs):
            heard.append((signal_name, kwargs["phase"].phase))

        return receiver

    planned, completed = listen("planned"), listen("completed")
    signals.phase_planned.connect(planned)
    signals.phase_completed.connect(completed)
    try:
        plan_phase(user=pm, project=project, phase=Phase.DESIGN, planned_on=date(2026, 11, 25))
        # The same date again is not a re-plan: nothing to announce.
        plan_phase(user=pm, project=project, phase=Phase.DESIGN, planned_on=date(2026, 11, 25))
        record_phase_done(
            user=pm, project=project, phase=Phase.DESIGN, actual_on=date(2026, 11, 20), at=NOON
        )
    finally:
        signals.phase_planned.disconnect(planned)
        signals.phase_completed.disconnect(completed)

    assert heard == [("planned", "design"), ("completed", "design")]
    project.refresh_from_db()
    assert project.status == Project.Status.MATERIAL


def test_a_phase_cannot_be_done_before_the_earlier_ones(make_project, staff):
    project = make_project()

    with pytest.raises(TransitionRefused) as refused:
        record_phase_done(
            user=staff["project_manager"],
            project=project,
            phase=Phase.CONSTRUCTION,
            actual_on=date(2026, 11, 20),
            at=NOON,
        )

    assert refused.value.reasons == ["须先登记前序节点：设计完成、物资到位。"]


def test_a_done_phase_cannot_be_replanned(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()
    record_phase_done(user=pm, project=project, phase=Phase.DESIGN, actual_on=NOON.date(), at=NOON)

    with pytest.raises(TransitionRefused) as refused:
        plan_phase(user=pm, project=project, phase=Phase.DESIGN, planned_on=date(2026, 12, 1))

    assert refused.value.reasons == ["“设计完成”已于2026-11-20完成，不能再调整计划。"]


def test_cancelling_withdraws_open_planned_phases(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()
    plan_phase(user=pm, project=project, phase=Phase.DESIGN, planned_on=date(2026, 12, 1))
    withdrawn = []

    def receiver(sender, **kwargs):
        withdrawn.append((kwargs["phase"].phase, kwargs["reason"]))

    signals.phase_unplanned.connect(receiver)
    try:
        cancel_project(user=pm, project=project, reason="客户取消报装")
    finally:
        signals.phase_unplanned.disconnect(receiver)

    assert withdrawn == [("design", "客户取消报装")]
    assert Project.objects.get(pk=project.pk).status == Project.Status.CANCELLED


def test_the_manager_reports_progress_once_a_day(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()

    report_progress(user=pm, project=project, percent=30, text="立杆 2 基", at=NOON)
    with pytest.raises(TransitionRefused) as refused:
        report_progress(user=pm, project=project, percent=40, text="立杆 3 基", at=NOON)

    assert refused.value.reasons == ["2026-11-20已填报进度日报（30%），如需更正请填写更正原因。"]
    project.refresh_from_db()
    assert (project.progress_percent, project.progress_reported_on) == (30, date(2026, 11, 20))


def test_a_correction_supersedes_the_days_report(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()
    first = report_progress(user=pm, project=project, percent=30, text="立杆 2 基", at=NOON)

    second = report_progress(
        user=pm,
        project=project,
        percent=35,
        text="立杆 2 基，放线 100 米",
        correction_reason="漏报放线",
        at=NOON + timedelta(hours=2),
    )

    first.refresh_from_db()
    assert first.superseded_at == NOON + timedelta(hours=2)
    current = ProgressReport.objects.filter(project=project, superseded_at__isnull=True)
    assert list(current) == [second]
    project.refresh_from_db()
    assert project.progress_percent == 35


def test_progress_is_reported_only_by_the_projects_manager(make_project, staff, other_pm):
    project = make_project()

    for user in (other_pm, staff["supervisor"]):
        with pytest.raises(TransitionRefused):
            report_progress(user=user, project=project, percent=10, text="开挖", at=NOON)

    with pytest.raises(TransitionRefused) as refused:
        report_progress(user=other_pm, project=project, percent=10, text="开挖", at=NOON)
    assert refused.value.reasons == [
        f"工程{project.number}由项目经理项目经理甲负责，只有本工程的项目经理可以办理。"
    ]


def test_progress_reports_check_their_values(make_project, staff):
    pm = staff["project_manager"]
    project = make_project()
    report_progress(
        user=pm, project=project, percent=60, text="放线", reported_on=date(2026, 11, 19), at=NOON
    )

    with pytest.raises(TransitionRefused) as refused:
        report_progress(
            user=pm,
            project=project,
            percent=50,
            text=" ",
            reported_on=date(2026, 11, 21),
            at=NOON,
        )

    assert refused.value.reasons == [
        "不能填报未来日期的进度。",
        "请填写进度说明。",
        "完成百分比低于2026-11-19的60%，进度回退须填写原因。",
    ]

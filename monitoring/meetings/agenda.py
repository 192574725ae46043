"""A meeting's agenda, generated from data and frozen into the record as plain tables.

The morning meeting (晨会) of a unit is the dashboard's daily briefing (`dashboard.briefing`:
yesterday's transitions, today's due and warnings, overdue with owners, callbacks due, open
supervision cases and letters) plus yesterday's site surveys. The weekly meeting (周例会) is the
weekly pack (`build_weekly`: the last full ISO week's figures, late stages, overdue, letters)
after what the meeting decides: schemes waiting for the collective decision, design drawings due
for review, projects behind plan and open 督办 items. An ad-hoc meeting has no generated agenda.

The tables are stored as text (`freeze`) so an issued record shows what was on the table that
day, whatever the data became; `thaw` turns them back into a `Report` for the page, the print
and the Excel export.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.test import RequestFactory
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import rules
from applications.models import SchemeReview, SurveyRecord, Unit
from applications.states import State
from projects.models import Project

from .. import deadlines
from ..dashboard import briefing as B
from ..dashboard import figures as F
from ..dashboard.filters import Filters, Period, scoped_clocks
from ..dashboard.tables import Report, Table, text
from ..models import Deadline, Meeting

FROZEN_VERSION = 1


def _request_for(user, request=None):
    """The dashboard builders make admin links for the viewer; without a page, a bare request."""
    if request is not None:
        return request
    request = RequestFactory().get("/")
    request.user = user
    return request


def _in_unit(qs: QuerySet, unit: Unit, field: str) -> QuerySet:
    return qs.filter(Q(**{field: unit}) | Q(**{f"{field}__parent": unit}))


def week_reviewed(day: date) -> Period:
    """The weekly meeting looks back on the last full ISO week (as the weekly pack does)."""
    year, week, _weekday = (day - timedelta(days=7)).isocalendar()
    return Period.iso_week(year, week)


# --- Tables only meetings need ------------------------------------------------------------------


def surveys_table(user, unit: Unit, period: Period) -> Table:
    """Site surveys done since the previous working day began (勘查情况)."""
    surveys = rules.scope_to_user(
        SurveyRecord.objects.all(), user, unit_field="application__unit"
    ).filter(surveyed_at__gte=period.since, surveyed_at__lt=period.until)
    rows = _in_unit(surveys, unit, "application__unit").select_related(
        "application__customer", "leader"
    )
    table = Table(
        "surveys",
        _("昨日勘查（%(period)s）") % {"period": period},
        [_("工单编号"), _("户名"), _("勘查负责人"), _("勘查时间"), _("勘查结论")],
        note=_("自上一个工作日0时起完成的现场勘查及其结论。"),
    )
    for survey in rows.order_by("surveyed_at", "pk"):
        table.rows.append(
            [
                text(survey.application.number),
                text(survey.application.customer.name),
                text(B._person(survey.leader)),
                text(B._when(survey.surveyed_at)),
                text(survey.findings),
            ]
        )
    return table


def schemes_waiting_table(user, unit: Unit) -> Table:
    """High-voltage schemes whose approval round is still open: the meeting may decide them."""
    reviews = rules.scope_to_user(
        SchemeReview.objects.filter(
            status=SchemeReview.Status.PENDING, application__state=State.SCHEME
        ),
        user,
        unit_field="application__unit",
    )
    rows = (
        _in_unit(reviews, unit, "application__unit")
        .select_related("application__customer")
        .prefetch_related("approvals")
        .order_by("submitted_at", "pk")
    )
    table = Table(
        "schemes_waiting",
        _("待集体决策的供电方案"),
        [_("工单编号"), _("户名"), _("用电类别"), _("会签轮次"), _("提交时间"), _("待审批部门")],
        note=_("会签中、尚未全部审批的高压供电方案，可在周例会上集体决策。"),
    )
    for review in rows:
        app = review.application
        table.rows.append(
            [
                text(app.number),
                text(app.customer.name),
                text(app.get_customer_class_display()),
                text(review.round),
                text(B._when(review.submitted_at)),
                text(
                    "、".join(str(a.get_department_display()) for a in review.pending_approvals())
                ),
            ]
        )
    return table


def design_review_table(user, unit: Unit, now: datetime) -> Table:
    """Customers' design drawings waiting for review (设计文件审查), earliest due first."""
    clocks = F.running_clocks(scoped_clocks(user, Filters(period=None, baseline=None)))
    clocks = _in_unit(clocks.filter(stage=State.DESIGN_REVIEW), unit, "unit")
    return B.clock_list_table(
        "design_review",
        _("待审图纸（设计文件审查）"),
        clocks,
        now,
        note=_("处于设计文件审查环节、计时中的申请，按到期时间排列。"),
    )


def projects_behind_table(user, unit: Unit, day: date) -> Table:
    """Grid works with a phase past its planned date and not done (滞后于计划)."""
    projects = rules.scope_to_user(Project.objects.open(), user, unit_field="unit")
    rows = (
        _in_unit(projects, unit, "unit")
        .behind_plan(day)
        .select_related("project_manager")
        .prefetch_related("phases")
        .order_by("number")
    )
    table = Table(
        "projects_behind",
        _("滞后于计划的配套工程"),
        [_("工程编号"), _("工程名称"), _("项目经理"), _("状态"), _("滞后节点（计划日期）")],
        note=_("有工程节点已过计划日期、尚未完成的在建工程。"),
    )
    for project in rows:
        late = [
            f"{p.get_phase_display()}（{p.planned_on:%Y-%m-%d}）"
            for p in project.phases.all()
            if p.planned_on and not p.actual_on and p.planned_on < day
        ]
        table.rows.append(
            [
                text(project.number),
                text(project.name),
                text(B._person(project.project_manager)),
                text(project.get_status_display()),
                text("、".join(late)),
            ]
        )
    return table


def supervision_items_table(user, unit: Unit, now: datetime) -> Table:
    """Open 督办 items, read from their deadlines (the contract between the helpers' models)."""
    items = rules.scope_to_user(
        Deadline.objects.filter(kind=Deadline.Kind.SUPERVISION_ITEM, outcome=Deadline.Outcome.OPEN),
        user,
        unit_field="unit",
    )
    rows = _in_unit(items, unit, "unit").select_related("responsible").order_by("due_at", "pk")
    table = Table(
        "supervision_items",
        _("未办结的督办事项"),
        [_("督办事项"), _("责任人"), _("到期时间"), _("状态")],
        note=_("领导小组交办、尚未办结的督办事项，按到期时间排列。"),
    )
    for deadline in rows:
        label, _colour = deadlines.status(deadline, now)
        table.rows.append(
            [
                text(deadline.label),
                text(B._person(deadline.responsible)),
                text(B._when(deadline.due_at)),
                text(label),
            ]
        )
    return table


# --- The agendas --------------------------------------------------------------------------------


def morning_agenda(*, user, unit: Unit, day: date, now: datetime, request=None) -> Report:
    report = B.build_briefing(
        user=user,
        request=_request_for(user, request),
        audience=B.Audience(unit=unit),
        day=day,
        now=now,
        full_phone=False,  # the record is read by everyone in the unit: phones masked
    )
    since = B.since_previous_working_day(day)
    report.tables.insert(2, surveys_table(user, unit, since))
    return report


def weekly_agenda(*, user, unit: Unit, day: date, now: datetime, request=None) -> Report:
    week = week_reviewed(day)
    filters = Filters(period=week, baseline=week.shifted(-1), unit=unit)
    report = B.build_weekly(
        user=user, request=_request_for(user, request), filters=filters, now=now
    )
    report.tables[:0] = [
        schemes_waiting_table(user, unit),
        design_review_table(user, unit, now),
        projects_behind_table(user, unit, timezone.localdate(now)),
        supervision_items_table(user, unit, now),
    ]
    return report


def generate(meeting: Meeting, *, user, now: datetime, request=None) -> dict:
    """The meeting's agenda as of `now`, frozen (an ad-hoc meeting's is empty)."""
    day = timezone.localdate(meeting.held_at)
    builders = {Meeting.Kind.MORNING: morning_agenda, Meeting.Kind.WEEKLY: weekly_agenda}
    build = builders.get(meeting.kind)
    if build is None:
        return {}
    report = build(user=user, unit=meeting.unit, day=day, now=now, request=request)
    return freeze(report, now)


def freeze(report: Report, now: datetime) -> dict:
    """The report's tables as text: what a reader saw, without links or live figures."""
    return {
        "version": FROZEN_VERSION,
        "title": str(report.title),
        "subtitle": [[str(label), str(value)] for label, value in report.subtitle],
        "generated_at": now.isoformat(),
        "tables": [
            {
                "key": table.key,
                "title": str(table.title),
                "note": str(table.note),
                "columns": [str(c) for c in table.columns],
                "rows": [[cell.text() for cell in row] for row in table.rows],
            }
            for table in report.tables
        ],
    }


def thaw(agenda: dict) -> list[Table]:
    """The frozen tables again, as text cells."""
    return [
        Table(
            t["key"],
            t["title"],
            t["columns"],
            rows=[[text(value) for value in row] for row in t["rows"]],
            note=t["note"],
        )
        for t in (agenda or {}).get("tables", [])
    ]

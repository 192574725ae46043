"""Demo meetings (called by `load_demo` through `demo_loaded`): this morning's 晨会 of the first
demo unit, minutes issued, with action items; and this week's 周例会, still being recorded,
which decided one high-voltage scheme collectively. All through the services people use.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from applications.demo import DEMO_UNITS, Walker, new_application
from applications.models import Application, Unit
from applications.services.approvals import submit_scheme
from applications.states import CustomerClass, State

from ..dashboard.filters import local_midnight
from ..models import Meeting, SchemeVote
from . import services

MORNING_MINUTES = (
    "1. 逐条过昨日流转和今日到期清单，超期环节由责任客户经理说明原因。\n"
    "2. 今日待回访须在下班前完成，未接通的按规定次日重拨。\n"
    "3. 监督线索由客户经理当日核实情况并回复。"
)
WEEKLY_MINUTES = (
    "1. 方案评审小组对在途高压方案集体决策（表决情况见附表）。\n"
    "2. 审查本周到期的设计图纸，滞后工程由项目经理说明原因并提出赶工措施。\n"
    "3. 督办事项和监督意见书整改逐项过堂。"
)


def _local(day, hour, minute=0):
    return local_midnight(day) + timedelta(hours=hour, minutes=minute)


@transaction.atomic
def load(*, supervisor, now=None) -> list[str]:
    """Create the demo meetings once; returns what was done, in words."""
    if Meeting.objects.exists():
        return ["会议演示数据已存在，未重复载入。"]
    now = now or timezone.now()
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    code = DEMO_UNITS[0][0]
    unit = Unit.objects.get(code=code)
    managers = [users[f"cm_{code}1"], users[f"cm_{code}2"]]
    today = timezone.localdate(now)
    morning = services.create_meeting(
        kind=Meeting.Kind.MORNING,
        unit=unit,
        held_at=min(now, _local(today, 8, 30)),
        topic="客户经理晨会",
        chair=users[f"leader_{code}"],
        attendees=[*managers, users[f"front_{code}"], users[f"leader_{code}"]],
        user=supervisor,
        at=now,
    )
    services.write_minutes(
        morning,
        user=supervisor,
        minutes=MORNING_MINUTES,
        decisions="超期环节当日办结，办结后在系统中如实登记。",
        problems="部分客户反映勘查预约电话打不通。\n一户低压非居民客户资料反复补交。",
    )
    services.add_action_item(
        morning,
        user=supervisor,
        title="公布勘查预约专线并在网上国网同步",
        owner=managers[0],
        due_on=today + timedelta(days=3),
        at=now,
    )
    services.issue_minutes(morning, user=supervisor, at=now)
    done = [f"已生成会议记录：{morning}（纪要已印发）"]

    monday = today - timedelta(days=today.weekday())
    review = _waiting_scheme(unit, users, now)  # on the weekly agenda, decided there
    weekly = services.create_meeting(
        kind=Meeting.Kind.WEEKLY,
        unit=unit,
        held_at=min(now, _local(monday, 9)),
        topic="业扩周例会暨方案评审",
        chair=supervisor,
        attendees=[
            supervisor,
            users[f"leader_{code}"],
            *managers,
            users[f"pm_{code}"],
            users["approver_marketing"],
            users["approver_operations"],
            users["approver_dispatch"],
        ],
        user=supervisor,
        at=now,
    )
    services.add_action_item(
        weekly,
        user=supervisor,
        title="滞后配套工程提交赶工计划",
        owner=users[f"pm_{code}"],
        due_on=today + timedelta(days=5),
        at=now,
    )
    _decide(weekly, review, supervisor, users, now)
    done.append(f"已生成会议记录：{weekly}（记录中，集体决策 {review.application.number}）")
    return done


def _waiting_scheme(unit, users, now):
    """A high-voltage scheme of the unit submitted for approval (one accepted if none waits)."""
    app = (
        Application.objects.filter(
            unit=unit,
            state=State.SCHEME,
            customer_class__in=[CustomerClass.HV_SINGLE, CustomerClass.HV_DUAL],
            scheme_reviews__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    walker = Walker(customer_manager=users[f"cm_{unit.code}1"])
    if app is None:  # a small demo may have none waiting: accept one this morning
        app = new_application(
            user=users[f"front_{unit.code}"],
            unit=unit,
            customer_class=CustomerClass.HV_SINGLE,
            serial=90_001,
            customer_manager=walker.customer_manager,
            at=now - timedelta(hours=2),
        )
        app = walker.step(app, now - timedelta(hours=1))
    else:
        walker.customer_manager = app.customer_manager
    walker.draft_scheme(app, now)
    return submit_scheme(application=app, user=app.customer_manager, at=now)


def _decide(meeting, review, supervisor, users, now) -> None:
    """The scheme review group decides the scheme: each department through its approver."""
    approvers = [users[f"approver_{a.department}"] for a in review.approvals.all()]
    services.write_minutes(
        meeting,
        user=supervisor,
        minutes=WEEKLY_MINUTES,
        decisions=f"{review.application.number} 供电方案经集体决策同意，按方案答复客户。",
        attendees={*meeting.attendees.all(), *approvers},
    )
    approve = SchemeVote.Vote.APPROVE
    votes = [services.MemberVote(member, approve) for member in approvers]
    votes.append(services.MemberVote(supervisor, approve, "注意与线路检修计划衔接"))
    services.decide_scheme(meeting, review=review, votes=votes, user=supervisor, at=now)

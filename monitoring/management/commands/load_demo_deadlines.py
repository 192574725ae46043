"""Demo deadlines (事项时限): complaints, reports and meeting action items on demo applications.

Run after `load_demo` (scripts/demo does): idempotent, it adds nothing if demo deadlines exist.
A spread over the last weeks — answered on time, answered late, withdrawn, and open ones
overdue, in their warning window or running — so the sweep raises real alerts from them.
Complaints and reports are real records received through `monitoring.complaints` (with their
10-working-day clocks); action items are bare deadlines.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from applications import roles
from applications.models import Application
from monitoring import complaints, deadlines
from monitoring.models import Complaint, Deadline
from monitoring.models.policy import LimitUnit

_K, _CH, _CAT = Complaint.Kind, Complaint.Channel, Complaint.Category
# (kind, channel, category, what the customer said); {customer} and {number} are filled in.
COMPLAINTS = [
    (_K.COMPLAINT, _CH.HOTLINE_95598, _CAT.PROGRESS, "{customer}反映{number}办电进度慢"),
    (_K.COMPLAINT, _CH.HOTLINE_95598, _CAT.PROGRESS, "95598工单：{customer}催问送电时间"),
    (_K.COMPLAINT, _CH.CALL_OR_VISIT, _CAT.ATTITUDE, "{customer}来访：客户经理态度生硬"),
    (_K.COMPLAINT, _CH.APP, _CAT.CHARGES, "网上国网留言：{number}被要求另交“加急费”"),
    (_K.REPORT, _CH.CALL_OR_VISIT, _CAT.DESIGNATION, "来电举报：{number}被暗示指定施工单位"),
]
# A meeting's action item is done within 3 working days (a typical company rule).
ACTION_ITEM = ("周例会：催办{number}配套工程", (3, LimitUnit.WORKING_DAYS))
REPLIES = [
    "已核实并向客户当面致歉，明确办理时限",
    "已电话答复客户，工程已排期",
    "经核实情况不属实，已向客户说明",
]
FEEDBACK = [
    Complaint.Feedback.SATISFIED,
    Complaint.Feedback.SATISFIED,
    Complaint.Feedback.FAIRLY_SATISFIED,
]


class Command(BaseCommand):
    help = "载入演示事项时限（投诉举报、会议待办），在 load_demo 之后运行"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=40)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, count, seed, **options):
        kinds = [Deadline.Kind.COMPLAINT, Deadline.Kind.ACTION_ITEM]
        if Deadline.objects.filter(kind__in=kinds).exists():
            self.stdout.write("演示事项时限已存在，未重复载入。")
            return
        rng = random.Random(seed)
        now = timezone.now()
        apps = list(
            Application.objects.filter(customer_manager__isnull=False)
            .select_related("customer", "unit__parent", "customer_manager")
            .order_by("pk")[: count * 3]
        )
        with transaction.atomic():
            for app in rng.sample(apps, min(count, len(apps))):
                started = now - timedelta(days=rng.uniform(0.5, 24))
                if rng.random() < 0.3:
                    self.add_action_item(app, rng, started, now)
                else:
                    self.add_complaint(app, rng, started, now)
        self.stdout.write(f"已生成 {Deadline.objects.count()} 条事项时限。")

    def add_action_item(self, app, rng, started, now):
        label, limit = ACTION_ITEM
        deadline = deadlines.start(
            app,
            Deadline.Kind.ACTION_ITEM,
            key=Deadline.Kind.ACTION_ITEM,
            label=label.format(number=app.number),
            unit=app.unit,
            responsible=app.customer_manager,
            started_at=started,
            limit=limit,
            application=app,
        )
        if rng.random() < 0.5:
            # Done somewhere between the start and a few days after the due, never in the future.
            done = started + (deadline.due_at - started) * rng.uniform(0.3, 1.4)
            if done < now:
                deadlines.finish(app, key=Deadline.Kind.ACTION_ITEM, at=done)

    def add_complaint(self, app, rng, started, now):
        kind, channel, category, words = rng.choice(COMPLAINTS)
        report = kind == Complaint.Kind.REPORT
        complaint, _created = complaints.receive_complaint(
            kind=kind,
            channel=channel,
            external_ref=f"GD{app.pk:08d}" if channel == Complaint.Channel.HOTLINE_95598 else "",
            received_at=started,
            content=words.format(customer=app.customer.name, number=app.number),
            category=category,
            application=app,
            staff_concerned=app.customer_manager,
            **({"reporter_name": "陈先生", "reporter_phone": "13800000000"} if report else {}),
        )
        roll = rng.random()
        if roll < 0.1:
            complaints.withdraw(
                complaint, by=None, reason="客户表示问题已解决", at=started + (now - started) / 2
            )
            return
        assigner = _staff_with_role(roles.INSPECTOR if report else roles.SUPERVISOR, app.unit)
        if assigner is None or roll > 0.8:
            return  # still 待受理
        handler = assigner if report else app.customer_manager
        complaint = complaints.assign(complaint, by=assigner, handler=handler)
        due = deadlines.open_for(complaint).due_at
        replied = started + (due - started) * rng.uniform(0.2, 1.3)
        if roll > 0.6 or replied >= now:
            return  # 处理中
        complaint = complaints.reply(complaint, by=handler, text=rng.choice(REPLIES), at=replied)
        closed = replied + timedelta(hours=rng.uniform(2, 30))
        if closed < now and rng.random() < 0.7:  # the others still await the feedback call
            complaints.close(complaint, by=handler, feedback=rng.choice(FEEDBACK), at=closed)


def _staff_with_role(role: str, unit):
    """Someone of this role who acts for the unit: in it, or in the company above it."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True, groups__name=role, staff_profile__unit__in=[unit, unit.parent]
        )
        .order_by("staff_profile__unit__parent", "pk")
        .first()
    )

"""Demo deadlines (事项时限): complaints and meeting action items about the demo applications.

Run after `load_demo` (scripts/demo does): idempotent, it adds nothing if demo deadlines exist.
A spread over the last weeks — finished on time, finished late, cancelled, and open ones
overdue, in their warning window or running — so the sweep raises real alerts from them.
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from applications.models import Application
from monitoring import deadlines
from monitoring.models import Deadline
from monitoring.models.policy import LimitUnit

# (kind, label template, limit): a complaint is answered within 5 working days, an action item
# from the weekly business meeting within 3 (typical company rules; the services take any).
ITEMS = [
    (Deadline.Kind.COMPLAINT, "{customer}反映{number}办电进度慢", (5, LimitUnit.WORKING_DAYS)),
    (Deadline.Kind.ACTION_ITEM, "周例会：催办{number}配套工程", (3, LimitUnit.WORKING_DAYS)),
    (Deadline.Kind.COMPLAINT, "95598工单：{customer}催问送电时间", (24, LimitUnit.HOURS)),
]


class Command(BaseCommand):
    help = "载入演示事项时限（投诉处理、会议待办），在 load_demo 之后运行"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=40)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, count, seed, **options):
        if Deadline.objects.filter(kind__in=[kind for kind, _l, _m in ITEMS]).exists():
            self.stdout.write("演示事项时限已存在，未重复载入。")
            return
        rng = random.Random(seed)
        now = timezone.now()
        apps = list(
            Application.objects.filter(customer_manager__isnull=False)
            .select_related("customer", "unit", "customer_manager")
            .order_by("pk")[: count * 3]
        )
        with transaction.atomic():
            for app in rng.sample(apps, min(count, len(apps))):
                self.add(app, rng, now)
        self.stdout.write(f"已生成 {Deadline.objects.count()} 条事项时限。")

    def add(self, app, rng, now):
        kind, label, limit = rng.choice(ITEMS)
        started = now - timedelta(days=rng.uniform(0.5, 12))
        deadline = deadlines.start(
            app,
            kind,
            key=kind,
            label=label.format(customer=app.customer.name, number=app.number),
            unit=app.unit,
            responsible=app.customer_manager,
            started_at=started,
            limit=limit,
            application=app,
        )
        roll = rng.random()
        if roll < 0.1:
            deadlines.cancel(app, key=kind, at=started + (now - started) / 2, reason="客户撤回")
        elif roll < 0.6:
            # Done somewhere between the start and a few days after the due, never in the future.
            done = started + (deadline.due_at - started) * rng.uniform(0.3, 1.4)
            if done < now:
                deadlines.finish(app, key=kind, at=done)

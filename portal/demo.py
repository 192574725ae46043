"""Demo rows for the customer pages (called by `load_demo`'s signal): two applications made
online through the same service as /apply/, one in progress and one energized (ready to be
rated), with fixed phones so that anyone can try /progress/."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from applications.demo import Walker, resident_id
from applications.models import Application, StaffProfile
from applications.states import State

from .services.apply import apply_online

DEMO_PHONES = {"in_progress": "13900000001", "energized": "13900000002"}


@transaction.atomic
def load(*, customer_manager, now=None) -> list[str]:
    """Create the two demo applications once; returns what was done, in words."""
    if Application.objects.filter(customer__phone__in=DEMO_PHONES.values()).exists():
        return ["客户网页演示数据已存在，未重复载入。"]
    now = now or timezone.now()
    unit = StaffProfile.objects.get(user=customer_manager).unit
    StaffProfile.objects.filter(user=customer_manager, work_phone="").update(
        work_phone="0571-88886666"
    )
    walker = Walker(customer_manager=customer_manager)
    made = {}
    for serial, (key, phone) in enumerate(DEMO_PHONES.items(), start=9001):
        at = now - timedelta(days=2 if key == "in_progress" else 9)
        app = apply_online(
            unit=unit,
            customer_class="lv_resident",
            business_type="new",
            requested_capacity_kva=Decimal("10"),
            site_address=f"{unit.name}辖区网上路{serial}号",
            is_small_micro=False,
            name=f"网上客户{serial}",
            kind="person",
            id_type="resident_id",
            id_number=resident_id(serial),
            contact_name=f"网上客户{serial}",
            phone=phone,
            documents=[],
            at=at,
        )
        app.customer_manager = customer_manager
        app.save(update_fields=["customer_manager"])
        until = State.SCHEME if key == "in_progress" else State.ARCHIVE
        made[key] = walker.walk(app, until=until, start=at, gap=timedelta(hours=20))
    progress, energized = made["in_progress"], made["energized"]
    return [
        f"客户网页（/progress/）演示：工单 {progress.number} + 电话 {DEMO_PHONES['in_progress']}"
        f"（办理中）；工单 {energized.number} + 电话 {DEMO_PHONES['energized']}（已送电，可评价）。"
    ]

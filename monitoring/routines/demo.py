"""Demo routines (called by `load_demo` after the supervision demo): three 督办 items — one due
soon with a progress note, one overdue, one closed — two rewards, and a case handed over to 纪检;
all through the services people use, so the demo shows real rows and real clocks.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from applications.models import Application, Unit

from ..models import Reward, SupervisionCase, SupervisionItem, SupervisionLetter
from . import discipline, items, rewards


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


@transaction.atomic
def load(*, inspector, supervisor, now=None) -> list[str]:
    """Create the demo's routine rows once; returns what was done, in words."""
    if SupervisionItem.objects.exists():
        return ["督办演示数据已存在，未重复载入。"]
    now = now or timezone.now()
    today = timezone.localdate(now)
    cm_xihu, cm_yuhang = _user("cm_xihu1"), _user("cm_yuhang1")
    if cm_xihu is None or cm_yuhang is None:
        return ["未找到演示客户经理，未载入督办演示数据。"]
    done = []
    letter = SupervisionLetter.objects.exclude(number__isnull=True).first()
    soon = items.set_item(
        user=supervisor,
        title="西湖：客户重复往返问题整改督办",
        problem="意见书指出客户多次往返补交资料，请一次性告知并建立容缺受理台账。",
        owner=cm_xihu,
        due_date=today + timedelta(days=5),
        letter=letter,
        at=now - timedelta(days=2),
    )
    items.add_note(
        soon, cm_xihu, text="已梳理近一月到厅记录，台账初稿已完成。", at=now - timedelta(days=1)
    )
    late_app = Application.objects.filter(unit__code="yuhang").order_by("pk").first()
    items.set_item(
        user=supervisor,
        title="余杭：高压方案答复超期督办",
        problem="方案答复环节多件超期，请逐件说明原因并限期办结。",
        owner=cm_yuhang,
        due_date=today - timedelta(days=3),
        application=late_app,
        at=now - timedelta(days=10),
    )
    closed = items.set_item(
        user=supervisor,
        title="西湖：装表未告知客户问题督办",
        problem="装表后未及时告知客户，请规范告知流程。",
        owner=cm_xihu,
        due_date=today - timedelta(days=12),
        at=now - timedelta(days=20),
    )
    items.close_item(
        closed,
        cm_xihu,
        result="已建立装表短信告知，抽查10户均已告知。",
        at=now - timedelta(days=13),
    )
    done.append("督办事项3项（办理中2项，其中1项超期；已办结1项）")

    rewards.create_reward(
        user=supervisor,
        staff=cm_xihu,
        category=Reward.Category.TOP_SATISFACTION,
        points=Decimal("2"),
        amount=Decimal("300"),
        reason="本月回访满意率全市第一",
        evidence="本月满意率100%（回访均为4–5分）",
        evidence_url="/dashboard/",
        period=today,
        at=now,
    )
    linan = Unit.objects.filter(code="linan").first()
    if linan is not None:
        rewards.create_reward(
            user=supervisor,
            unit=linan,
            category=Reward.Category.ZERO_OVERDUE,
            points=Decimal("5"),
            amount=Decimal("1000"),
            reason="上季度全部环节零超期",
            evidence="上季度超期率0%（时限管控看板）",
            evidence_url="/dashboard/",
            period=today,
            at=now,
        )
    done.append("奖励记录2条")

    case = SupervisionCase.objects.filter(status=SupervisionCase.Status.OPEN).first()
    if case is not None:
        discipline.hand_over_case(
            case, inspector, reason="客户反映有人以加快办电为名索要费用，涉嫌违纪。", at=now
        )
        done.append("移交纪检线索1条（仅纪检可见）")
    return done

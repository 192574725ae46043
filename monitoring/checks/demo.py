"""Demo rows for random checks and the monthly summary (called by `load_demo`'s signal): one
纪检抽查 of 西湖's last 45 days with some results recorded and one disagreement turned into a
case, and a draft monthly summary of 西湖 for this month — through the services people use.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from applications.models import Application

from ..models import MonthlySummary, RandomCheck
from ..summary.services import generate_summary
from . import services

DEMO_SEED = 20261123


@transaction.atomic
def load(*, inspector, supervisor, now=None) -> list[str]:
    """Create the demo check and summary once; returns what was done, in words."""
    if RandomCheck.objects.exists() or MonthlySummary.objects.exists():
        return ["抽查与月度总结演示数据已存在，未重复载入。"]
    first = Application.objects.select_related("unit").order_by("pk").first()
    if first is None:
        return []
    now = now or timezone.now()
    today = timezone.localdate(now)
    unit = first.unit
    check = services.draw_check(
        user=inspector,
        kind=RandomCheck.Kind.INSPECTION,
        unit=unit,
        period_start=today - timedelta(days=45),
        period_end=today,
        sample_size=8,
        stratify_by=RandomCheck.Strata.CUSTOMER_CLASS,
        seed=DEMO_SEED,
        at=now,
    )
    items = list(check.items.order_by("pk"))
    for item in items[:4]:
        services.record_result(
            item, inspector, paper_result="agree", site_result="agree", notes="", at=now
        )
    if len(items) > 4:
        odd = services.record_result(
            items[4],
            inspector,
            paper_result="agree",
            site_result="disagree",
            notes="现场已立杆架线，系统仍在方案答复环节",
            at=now,
        )
        services.open_case(odd, inspector, at=now)
    summary = generate_summary(user=supervisor, unit=unit, month=today.replace(day=1), at=now)
    return [
        f"纪检抽查：{unit} 样本{len(items)}条（种子 {check.seed}），1条不一致已生成线索",
        f"月度总结草稿：{summary}",
    ]

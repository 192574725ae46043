"""The demo's random check and monthly summary, made through the services (once)."""

from monitoring.checks import demo
from monitoring.models import MonthlySummary, RandomCheck, SupervisionCase


def test_demo_check_and_summary(make_app, staff):
    for _i in range(10):
        make_app()
    lines = demo.load(inspector=staff["inspector"], supervisor=staff["supervisor"])
    check = RandomCheck.objects.get()
    assert (check.seed, check.items.count(), check.population_size) == (demo.DEMO_SEED, 8, 10)
    assert check.items.exclude(checked_at=None).count() == 5
    assert SupervisionCase.objects.filter(source="random_check").count() == 1
    summary = MonthlySummary.objects.get()
    assert summary.status == "draft"
    assert "纪检抽查" in summary.problems
    assert lines[0].startswith("纪检抽查：西湖供电服务中心 样本8条")
    assert demo.load(inspector=staff["inspector"], supervisor=staff["supervisor"]) == [
        "抽查与月度总结演示数据已存在，未重复载入。"
    ]

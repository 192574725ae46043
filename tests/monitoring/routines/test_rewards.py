"""Rewards next to assessments: recorded with evidence, voided with a reason, never deleted, and
totalled with the assessments per person and per unit per month (values counted by hand)."""

from datetime import date
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from applications.demo import make_staff
from applications.services.errors import TransitionRefused
from monitoring.models import Callback, Reward
from monitoring.models.supervision import NeverDeleted
from monitoring.routines import rewards
from monitoring.routines.rewards import Sums
from monitoring.supervision.assessments import create_assessment

from .conftest import local

MARCH = date(2026, 3, 15)
BAD_LINK = "依据链接须为站内地址（以 / 开头）或 http(s) 链接。"


def reward(by, *, staff=None, unit=None, points="1", amount="100", period=MARCH, **kwargs):
    fields = {
        "category": Reward.Category.TOP_SATISFACTION,
        "reason": "一季度满意率第一",
        "evidence": "一季度回访满意率100%（12户均为4–5分）",
        **kwargs,
    }
    return rewards.create_reward(
        user=by,
        staff=staff,
        unit=unit,
        points=D(points),
        amount=D(amount),
        period=period,
        at=local(2026, 3, 31, 16),
        **fields,
    )


def assess(by, who, points, amount):
    return create_assessment(
        user=by,
        staff=who,
        points=D(points),
        amount=D(amount),
        reason="装表未告知客户",
        period=MARCH,
        at=local(2026, 3, 20, 10),
    )


@pytest.fixture
def march(staff, unit, yuhang):
    """西湖: rewards 200 + 100 (客户经理甲), 50 (项目经理甲), 500 to the unit; assessments 150
    (客户经理甲), 300 (受理员甲); a voided 300 reward and an April one left out. 余杭: 80."""
    sup, cm = staff["supervisor"], staff["customer_manager"]
    reward(sup, staff=cm, points="2", amount="200")
    reward(sup, staff=cm, points="1", amount="100", category=Reward.Category.PRAISE)
    reward(sup, staff=staff["project_manager"], points="0", amount="50")
    reward(sup, unit=unit, points="5", amount="500", category=Reward.Category.ZERO_OVERDUE,
           evidence="一季度全部环节零超期")  # fmt: skip
    wrong = reward(sup, staff=staff["front_desk"], amount="300")
    rewards.void_reward(wrong, sup, reason="重复登记", at=local(2026, 4, 1, 9))
    reward(sup, staff=cm, amount="100", period=date(2026, 4, 2))
    assess(sup, cm, "1.5", "150")
    assess(sup, staff["front_desk"], "3", "300")
    reward(yuhang["supervisor"], staff=yuhang["cm"], points="1", amount="80")


def lines(standings) -> list[tuple]:
    return [
        (f"{s.period:%Y-%m}", s.unit, s.staff, s.rewards, s.assessments, s.net_amount)
        for s in standings
    ]


@pytest.mark.usefixtures("march")
def test_totals_per_person_and_unit_for_a_month():
    totals = rewards.standing(start=date(2026, 3, 1), end=date(2026, 3, 31))
    yuhang, xihu = "余杭供电公司", "西湖供电服务中心"
    assert lines(totals["per_person"]) == [
        ("2026-03", yuhang, "客户经理丙", Sums(1, D("1.0"), D("80.00")), Sums(), D("80.00")),
        (
            "2026-03",
            xihu,
            "客户经理甲",
            Sums(2, D("3.0"), D("300.00")),
            Sums(1, D("1.5"), D("150.00")),
            D("150.00"),
        ),
        ("2026-03", xihu, "受理员甲", Sums(), Sums(1, D("3.0"), D("300.00")), D("-300.00")),
        ("2026-03", xihu, "项目经理甲", Sums(1, D("0.0"), D("50.00")), Sums(), D("50.00")),
    ]
    # The unit's own reward (500) counts in its line only.
    assert lines(totals["per_unit"]) == [
        ("2026-03", yuhang, "", Sums(1, D("1.0"), D("80.00")), Sums(), D("80.00")),
        (
            "2026-03",
            xihu,
            "",
            Sums(4, D("8.0"), D("850.00")),
            Sums(2, D("4.5"), D("450.00")),
            D("400.00"),
        ),
    ]
    total = totals["total"]
    assert (total.rewards, total.assessments, total.net_amount) == (
        Sums(5, D("9.0"), D("930.00")),
        Sums(2, D("4.5"), D("450.00")),
        D("480.00"),
    )


@pytest.mark.usefixtures("march")
def test_totals_of_several_months_and_of_one_unit(unit):
    totals = rewards.standing(start=date(2026, 3, 1), end=date(2026, 4, 30), units=[unit])
    assert [(f"{s.period:%m}", s.rewards.amount) for s in totals["per_unit"]] == [
        ("03", D("850.00")),
        ("04", D("100.00")),
    ]
    assert totals["total"].rewards == Sums(5, D("9.0"), D("950.00"))


def test_a_voided_reward_keeps_who_when_why(staff):
    sup = staff["supervisor"]
    record = reward(sup, staff=staff["customer_manager"])
    with pytest.raises(TransitionRefused) as refused:
        rewards.void_reward(record, sup, reason=" ")
    assert refused.value.reasons == ["作废须说明原因。"]
    with pytest.raises(TransitionRefused) as refused:
        rewards.void_reward(record, staff["inspector"], reason="错误")
    assert refused.value.reasons == ["您没有“作废奖励记录”的权限。"]
    rewards.void_reward(record, sup, reason="依据有误", at=local(2026, 4, 1, 9))
    record.refresh_from_db()
    assert (record.status, record.voided_by, record.voided_at, record.void_reason) == (
        "void",
        sup,
        local(2026, 4, 1, 9),
        "依据有误",
    )
    for attempt in (record.delete, Reward.objects.all().delete):
        with pytest.raises(NeverDeleted):
            attempt()
    assert Reward.objects.count() == 1


@pytest.mark.parametrize(
    "who, change, expected",
    [
        ("customer_manager", {}, "您没有“登记奖励”的权限。"),
        ("inspector", {}, "您没有“登记奖励”的权限。"),
        ("supervisor", {"evidence": ""}, "请填写奖励依据（如满意率、零超期的统计）。"),
        ("supervisor", {"amount": "0", "points": "0"}, "加分和奖励金额不能都为零。"),
        ("supervisor", {"evidence_url": "javascript:alert(1)"}, BAD_LINK),
    ],
)  # fmt: skip
def test_reward_refusals(staff, who, change, expected):
    with pytest.raises(TransitionRefused) as refused:
        reward(staff[who], staff=staff["customer_manager"], **change)
    assert refused.value.reasons == [expected]


def test_a_leader_rewards_only_in_their_units(staff, yuhang):
    with pytest.raises(TransitionRefused) as refused:
        reward(yuhang["supervisor"], staff=staff["customer_manager"])
    assert refused.value.reasons == ["该记录属于西湖供电服务中心，您只能办理本单位的业务。"]


def test_evidence_links_to_the_callback_it_rests_on(staff, make_app):
    app = make_app("lv_resident", at=local(2026, 3, 2, 9))
    callback = Callback.objects.get(application=app, kind=Callback.Kind.FIRST)
    record = reward(
        staff["supervisor"],
        staff=staff["customer_manager"],
        category=Reward.Category.PRAISE,
        application=app,
        callback=callback,
        evidence="首次回访客户表扬办电快",
        evidence_url=f"/admin/monitoring/callback/{callback.pk}/change/",
    )
    assert (record.application, record.callback, record.unit) == (app, callback, app.unit)


@pytest.mark.usefixtures("march")
def test_the_totals_page_and_its_excel_are_formula_safe(client, staff, unit):
    sly = make_staff("sly", role=None, unit=unit, full_name='=HYPERLINK("http://x","点我")')
    reward(staff["supervisor"], staff=sly, amount="10")
    client.force_login(staff["supervisor"])
    url = reverse("admin:monitoring_reward_totals")
    page = client.get(url, {"start": "2026-03", "end": "2026-03"})
    assert page.status_code == 200
    assert "合计：奖励 6 次，940.00 元，加 10.0 分；考核 2 人次，450.00 元，扣 4.5 分" in (
        page.content.decode()
    )
    response = client.get(url, {"start": "2026-03", "end": "2026-03", "format": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[0] == ("期间", "单位", "人员", "奖励次数", "加分", "奖励金额（元）", "考核人次",
                       "扣分", "考核金额（元）", "奖惩相抵（元）")  # fmt: skip
    assert rows[1] == ("2026-03", "余杭供电公司", "客户经理丙", 1, 1, 80, 0, 0, 0, 80)
    assert ("2026-03", "西湖供电服务中心", '\'=HYPERLINK("http://x","点我")', 1, 1, 10, 0, 0, 0,
            10) in rows  # fmt: skip
    assert rows[-1] == ("合计", None, None, 6, 10, 940, 2, 4.5, 450, 490)


def test_only_reward_viewers_reach_the_totals(client, staff):
    client.force_login(staff["customer_manager"])
    assert client.get(reverse("admin:monitoring_reward_totals")).status_code == 403


def test_evidence_comes_from_the_rewarded_units_own_work(make_app, yuhang):
    xihu_app = make_app("lv_resident", at=local(2026, 3, 2, 9))
    with pytest.raises(TransitionRefused) as refused:
        reward(yuhang["supervisor"], staff=yuhang["cm"], application=xihu_app)
    assert refused.value.reasons == [f"{xihu_app}属于西湖供电服务中心，不能作为本奖励的依据。"]

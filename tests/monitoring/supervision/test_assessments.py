"""Assessments (考核): recorded from letters, voided not deleted, totals per person and unit per
period — the seed's "9 人次, 1590 元" reproduced from hand-made rows."""

from datetime import date
from decimal import Decimal as D

import pytest

from applications.services.errors import TransitionRefused
from monitoring.models import Assessment, SupervisionEvent
from monitoring.models.supervision import NeverDeleted
from monitoring.supervision import letters
from monitoring.supervision.assessments import (
    Total,
    assessment_totals,
    void_assessment,
)
from monitoring.supervision.summary import summary

from .conftest import assess, local

MARCH = date(2026, 3, 1)


def test_nine_person_times_1590_yuan(march):
    totals = assessment_totals(start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert totals["total"] == Total(None, "", "", 9, D("16.0"), D("1590.00"))
    assert totals["per_unit"] == [
        Total(MARCH, "余杭供电公司", "", 5, D("8.5"), D("840.00")),
        Total(MARCH, "西湖供电服务中心", "", 4, D("7.5"), D("750.00")),
    ]
    assert totals["per_person"] == [
        Total(MARCH, "余杭供电公司", "客户经理丙", 3, D("5.5"), D("540.00")),
        Total(MARCH, "余杭供电公司", "项目经理丁", 2, D("3.0"), D("300.00")),
        Total(MARCH, "西湖供电服务中心", "客户经理甲", 2, D("3.5"), D("350.00")),
        Total(MARCH, "西湖供电服务中心", "受理员甲", 1, D("3.0"), D("300.00")),
        Total(MARCH, "西湖供电服务中心", "项目经理甲", 1, D("1.0"), D("100.00")),
    ]


def test_totals_per_period_and_unit(march, unit):
    spring = assessment_totals(start=date(2026, 3, 1), end=date(2026, 4, 30), units=[unit])
    assert spring["total"] == Total(None, "", "", 5, D("8.5"), D("830.00"))
    assert [(t.period, t.count, t.amount) for t in spring["per_unit"]] == [
        (MARCH, 4, D("750.00")),
        (date(2026, 4, 1), 1, D("80.00")),
    ]


def test_the_dashboard_summary(march, unit, draft, staff):
    letters.issue_letter(draft, staff["inspector"], at=local(2026, 3, 4, 10))

    class March:
        start, end = date(2026, 3, 1), date(2026, 3, 31)

    figures = summary(units=[unit], period=March)
    assert (figures.letters_issued, figures.letters_open, figures.open_cases) == (1, 1, 0)
    assert figures.letters_by_category["线外流转"] == 1
    assert figures.letters_by_category["装表未告知"] == 0
    assert (figures.assessments, figures.assessment_amount) == (4, D("750.00"))
    everywhere = summary(period=March)
    assert (everywhere.assessments, everywhere.assessment_amount) == (9, D("1590.00"))


def test_an_assessment_is_voided_with_a_reason_never_deleted(staff):
    a = assess(staff["supervisor"], staff["customer_manager"], "2", "200")
    with pytest.raises(NeverDeleted):
        a.delete()
    with pytest.raises(NeverDeleted):
        Assessment.objects.filter(pk=a.pk).delete()
    with pytest.raises(TransitionRefused) as caught:
        void_assessment(a, staff["supervisor"], reason=" ")
    assert caught.value.reasons == ["作废须说明原因。"]
    with pytest.raises(TransitionRefused) as caught:
        void_assessment(a, staff["inspector"], reason="错了")
    assert caught.value.reasons == ["您没有“作废考核记录”的权限。"]
    a = void_assessment(a, staff["supervisor"], reason="责任认定有误", at=local(2026, 3, 22, 9))
    assert (a.status, a.voided_by, a.void_reason) == ("void", staff["supervisor"], "责任认定有误")
    assert list(SupervisionEvent.objects.filter(assessment=a).values_list("action", "note")) == [
        ("assessed", "装表未告知客户"),
        ("voided", "责任认定有误"),
    ]


def test_who_may_assess(staff, yuhang):
    for user, reason in [
        (staff["inspector"], "您没有“登记考核”的权限。"),
        (staff["customer_manager"], "您没有“登记考核”的权限。"),
        (staff["supervisor"], "该记录属于余杭供电公司，您只能办理本单位的业务。"),
    ]:
        with pytest.raises(TransitionRefused) as caught:
            assess(user, yuhang["cm"], "1", "100")
        assert caught.value.reasons == [reason]


def test_an_assessment_from_a_draft_letter_is_refused(draft, staff):
    with pytest.raises(TransitionRefused) as caught:
        assess(staff["supervisor"], staff["customer_manager"], "1", "100", letter=draft)
    assert caught.value.reasons == ["意见书“意见书草稿（线外流转）”是“草稿”，不能据此考核。"]
    letter = letters.issue_letter(draft, staff["inspector"], at=local(2026, 3, 4, 10))
    a = assess(staff["supervisor"], staff["customer_manager"], "1", "100", letter=letter)
    assert (a.letter, a.unit, a.period) == (
        letter,
        staff["customer_manager"].staff_profile.unit,
        MARCH,
    )
    # A letter with a valid assessment is voided only after it.
    with pytest.raises(TransitionRefused) as caught:
        letters.void_letter(letter, staff["inspector"], reason="撤回")
    assert caught.value.reasons == ["该意见书还有1条有效考核记录，请先作废考核。"]

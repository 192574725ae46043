"""Supervision letters: drafted from cases, numbered on issue, clocked, rectified, closed by the
issuer; voided with a reason, never deleted; numbers unique under concurrency (PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection

from applications.services.errors import TransitionRefused
from monitoring.models import Deadline, SupervisionCase, SupervisionEvent, SupervisionLetter
from monitoring.models.supervision import NeverDeleted
from monitoring.supervision import letters

from .conftest import draft_by, local

ISSUED_AT = local(2026, 3, 4, 10)


def refusal(call, *args, **kwargs) -> list[str]:
    with pytest.raises(TransitionRefused) as caught:
        call(*args, **kwargs)
    return caught.value.reasons


def test_a_draft_takes_its_cases_and_has_no_number_yet(draft, case, staff):
    case.refresh_from_db()
    assert (draft.status, draft.number, str(draft)) == ("draft", None, "意见书草稿（线外流转）")
    assert list(draft.cases.all()) == [case] and case.status == "in_letter"
    assert list(draft.responsible_staff.all()) == [staff["customer_manager"]]
    (event,) = draft.events.all()
    assert (event.action, event.actor, event.at) == (
        "drafted",
        staff["inspector"],
        local(2026, 3, 3, 9),
    )


def test_issuing_numbers_the_letter_and_starts_the_rectification_clock(draft, staff):
    letter = letters.issue_letter(draft, staff["inspector"], at=ISSUED_AT)
    assert (letter.number, letter.status, letter.issued_by) == (
        "JD-2026-001",
        "issued",
        staff["inspector"],
    )
    deadline = letters.rectification_deadline(letter)
    assert deadline.kind == Deadline.Kind.RECTIFICATION
    assert deadline.due_at == local(2026, 3, 21)  # 24:00 of 20 Mar
    assert deadline.outcome == Deadline.Outcome.OPEN
    assert deadline.unit == letter.unit and deadline.responsible == staff["customer_manager"]


def test_letters_are_numbered_in_order_per_year(draft, staff, unit):
    first = letters.issue_letter(draft, staff["inspector"], at=ISSUED_AT)
    second = draft_by(
        staff["supervisor"],
        unit=unit,
        responsible=[staff["project_manager"]],
        category="site_safety",
        findings="配电柜门未关。",
        at=ISSUED_AT,
    )
    second = letters.issue_letter(second, staff["supervisor"], at=ISSUED_AT)
    assert (first.number, second.number) == ("JD-2026-001", "JD-2026-002")


def test_the_whole_way_to_closure(draft, staff):
    cm, inspector = staff["customer_manager"], staff["inspector"]
    letter = letters.issue_letter(draft, inspector, at=ISSUED_AT)
    letter = letters.record_rectification(
        letter, cm, text="已约谈客户，补录申请来源", finished=False, at=local(2026, 3, 9, 10)
    )
    assert letter.status == "rectifying"
    letter = letters.record_rectification(
        letter, cm, text="完成整改，已组织班组学习", finished=True, at=local(2026, 3, 12, 16)
    )
    assert letter.status == "rectified"
    assert letter.rectification == (
        "[2026-03-09 10:00 客户经理甲] 已约谈客户，补录申请来源\n"
        "[2026-03-12 16:00 客户经理甲] 完成整改，已组织班组学习"
    )
    letter = letters.close_letter(letter, inspector, note="整改到位", at=local(2026, 3, 13, 9))
    assert (letter.status, letter.closed_by, letter.closing_note) == (
        "closed",
        inspector,
        "整改到位",
    )
    assert letters.rectification_deadline(letter).outcome == Deadline.Outcome.MET
    assert [e.action for e in letter.events.all()] == [
        "drafted",
        "issued",
        "rectifying",
        "rectified",
        "closed",
    ]


def test_closing_after_the_due_date_is_a_breach(draft, staff):
    letter = letters.issue_letter(draft, staff["inspector"], at=ISSUED_AT)
    letter = letters.record_rectification(
        letter, staff["customer_manager"], text="已整改", finished=True, at=local(2026, 3, 23, 9)
    )
    letter = letters.close_letter(letter, staff["inspector"], at=local(2026, 3, 23, 10))
    assert letters.rectification_deadline(letter).outcome == Deadline.Outcome.BREACHED


def test_only_the_issuer_closes_and_may_send_it_back(draft, staff, other_inspector):
    letter = letters.issue_letter(draft, staff["inspector"], at=ISSUED_AT)
    letter = letters.record_rectification(
        letter, staff["customer_manager"], text="已整改", finished=True, at=local(2026, 3, 9, 9)
    )
    assert refusal(letters.close_letter, letter, other_inspector) == [
        "意见书由纪检甲签发，只能由签发人验收关闭。"
    ]
    assert refusal(letters.close_letter, letter, staff["inspector"], accept=False) == [
        "退回整改须说明理由。"
    ]
    letter = letters.close_letter(
        letter, staff["inspector"], accept=False, note="未见学习记录", at=local(2026, 3, 10, 9)
    )
    assert letter.status == "rectifying"
    assert letter.events.last().note == "验收未通过：未见学习记录"


def test_who_may_draft(case, staff):
    def by(user):
        return draft_by(user, unit=case.unit, responsible=[staff["customer_manager"]], cases=[case])

    assert refusal(by, staff["customer_manager"]) == ["您没有“拟写监督意见书”的权限。"]
    assert refusal(by, staff["front_desk"]) == ["您没有“拟写监督意见书”的权限。"]
    assert by(staff["supervisor"]).status == "draft"


def test_a_draft_refuses_what_is_wrong(case, staff, other_unit):
    reasons = refusal(
        draft_by,
        staff["inspector"],
        unit=case.unit,
        responsible=[],
        findings=" ",
        rectification_due=date(2026, 3, 3),
        cases=[case],
    )
    assert reasons == [
        "请指定至少一名责任人。",
        "请填写监督发现。",
        "整改期限须晚于今天（2026-03-03）。",
    ]
    reasons = refusal(
        draft_by,
        staff["inspector"],
        unit=other_unit,
        responsible=[staff["customer_manager"]],
        cases=[case],
    )
    assert reasons == [
        "该记录属于余杭供电公司，您只能办理本单位的业务。",
        f"线索“{case}”属于西湖供电服务中心，与意见书的被监督单位不同。",
    ]


def test_a_case_goes_into_one_letter_only(draft, case, staff):
    case.refresh_from_db()
    assert refusal(
        draft_by,
        staff["inspector"],
        unit=case.unit,
        responsible=[staff["customer_manager"]],
        cases=[case],
    ) == [f"线索“{case}”已是“已出具意见书”，不能再写入意见书。"]


# --- Void, never delete -----------------------------------------------------------------------


def test_a_letter_is_never_deleted(draft):
    with pytest.raises(NeverDeleted):
        draft.delete()
    with pytest.raises(NeverDeleted):
        SupervisionLetter.objects.all().delete()
    assert SupervisionLetter.objects.count() == 1


def test_voiding_needs_a_reason_and_is_logged(draft, case, staff):
    letter = letters.issue_letter(draft, staff["inspector"], at=ISSUED_AT)
    assert refusal(letters.void_letter, letter, staff["inspector"], reason="") == [
        "作废须说明原因。"
    ]
    assert refusal(letters.void_letter, letter, staff["customer_manager"], reason="错了") == [
        "您没有“作废监督意见书”的权限。"
    ]
    at = local(2026, 3, 5, 11)
    letter = letters.void_letter(letter, staff["inspector"], reason="责任人认定有误", at=at)
    assert (letter.status, letter.voided_by, letter.voided_at, letter.void_reason) == (
        "void",
        staff["inspector"],
        at,
        "责任人认定有误",
    )
    assert letter.number == "JD-2026-001"  # the number stays used
    event = SupervisionEvent.objects.get(letter=letter, action="voided")
    assert (event.actor, event.at, event.note) == (staff["inspector"], at, "责任人认定有误")
    case.refresh_from_db()
    assert case.status == SupervisionCase.Status.CONFIRMED
    assert letters.rectification_deadline(letter).outcome == Deadline.Outcome.CANCELLED
    assert refusal(letters.void_letter, letter, staff["inspector"], reason="again") == [
        "意见书已是“已作废”，不能作废。"
    ]


# --- Numbers under concurrency -------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_issues_get_unique_gapless_numbers(staff, unit):
    workers = 6
    drafts = [
        draft_by(
            staff["inspector"],
            unit=unit,
            responsible=[staff["customer_manager"]],
            category="other",
            findings=f"抽查发现{i}",
            rectification_due=date(2031, 3, 20),
            at=local(2031, 3, 3, 9),
        )
        for i in range(workers)
    ]
    barrier = threading.Barrier(workers)

    def issue(letter):
        try:
            barrier.wait(15)
            return letters.issue_letter(letter, staff["inspector"], at=local(2031, 3, 4, 9)).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        numbers = [f.result(15) for f in [pool.submit(issue, d) for d in drafts]]

    assert sorted(numbers) == [f"JD-2031-{i:03d}" for i in range(1, workers + 1)]

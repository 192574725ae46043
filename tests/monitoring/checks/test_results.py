"""Recording each sampled application's result, and a disagreement becoming exactly one
supervision case; completing and voiding a check (never deleting it)."""

import pytest

from applications.services.errors import TransitionRefused
from monitoring.checks import services
from monitoring.models import RandomCheck, RandomCheckItem, SupervisionCase
from monitoring.models.supervision import NeverDeleted

from .conftest import accepted_in_march, draw, local

AT = local(2026, 4, 3, 10)


@pytest.fixture
def check(unit, staff):
    accepted_in_march(unit, 4, manager=staff["customer_manager"])
    return draw(staff["inspector"], unit, sample_size=3)


def first_item(check) -> RandomCheckItem:
    return check.items.order_by("pk").first()


def test_result_records_who_checked_when(check, staff):
    item = services.record_result(
        first_item(check), staff["inspector"], paper_result="agree", site_result="agree", at=AT
    )
    item.refresh_from_db()
    assert (item.paper_result, item.site_result, item.checked_by, item.checked_at) == (
        "agree",
        "agree",
        staff["inspector"],
        AT,
    )
    assert not item.disagrees


@pytest.mark.parametrize(
    ("paper", "site", "notes", "reason"),
    [
        ("pending", "agree", "", "请登记系统与纸质档案、系统与现场两项的核查结果。"),
        ("agree", "disagree", "  ", "不一致的须在核查说明中写明哪里不一致。"),
    ],
)
def test_incomplete_results_are_refused(check, staff, paper, site, notes, reason):
    with pytest.raises(TransitionRefused) as refused:
        services.record_result(
            first_item(check), staff["inspector"], paper_result=paper, site_result=site, notes=notes
        )
    assert refused.value.reasons == [reason]


def test_a_disagreement_becomes_exactly_one_case(check, staff):
    item = services.record_result(
        first_item(check),
        staff["inspector"],
        paper_result="agree",
        site_result="disagree",
        notes="现场已装表，系统仍在方案答复",
        at=AT,
    )
    case = services.open_case(item, staff["inspector"], at=AT)
    again = services.open_case(item, staff["inspector"], at=AT)  # clicked twice
    services.open_cases(check, staff["inspector"], at=AT)  # and "all disagreements"
    assert again == case
    assert SupervisionCase.objects.count() == 1
    case.refresh_from_db()
    assert case.source == "random_check"
    assert case.rule.code == "random_check"
    assert case.evidence_key == f"check_item:{item.pk}"
    assert (case.application, case.unit, case.responsible) == (
        item.application,
        item.application.unit,
        staff["customer_manager"],
    )
    assert case.status == "open"
    assert case.evidence_text == (
        "纪检抽查（2026-03-01～2026-03-31）：系统与现场不一致——现场已装表，系统仍在方案答复"
    )
    item.refresh_from_db()
    assert item.case == case
    # Once a case exists, the result it rests on stays as recorded.
    with pytest.raises(TransitionRefused) as refused:
        services.record_result(item, staff["inspector"], paper_result="agree", site_result="agree")
    assert refused.value.reasons == ["该明细已生成监督线索，结果不能再修改。"]


def test_agreement_opens_no_case(check, staff):
    item = services.record_result(
        first_item(check), staff["inspector"], paper_result="agree", site_result="agree"
    )
    with pytest.raises(TransitionRefused) as refused:
        services.open_case(item, staff["inspector"])
    assert refused.value.reasons == ["该明细未登记不一致，无需生成监督线索。"]
    assert not SupervisionCase.objects.exists()


def test_complete_needs_every_result(check, staff):
    items = list(check.items.order_by("pk"))
    services.record_result(items[0], staff["inspector"], paper_result="agree", site_result="agree")
    with pytest.raises(TransitionRefused) as refused:
        services.complete_check(check, staff["inspector"])
    assert refused.value.reasons == ["尚有2条明细未登记核查结果。"]
    for item in items[1:]:
        services.record_result(item, staff["inspector"], paper_result="agree", site_result="agree")
    done = services.complete_check(check, staff["inspector"], at=AT)
    assert (done.status, done.completed_by, done.completed_at) == (
        "completed",
        staff["inspector"],
        AT,
    )
    with pytest.raises(TransitionRefused) as refused:
        services.record_result(
            items[0], staff["inspector"], paper_result="agree", site_result="agree"
        )
    assert refused.value.reasons == ["该抽查已是“已完成”，不能登记结果。"]


def test_void_needs_a_reason_and_delete_is_refused(check, staff):
    with pytest.raises(TransitionRefused) as refused:
        services.void_check(check, staff["inspector"], reason=" ")
    assert refused.value.reasons == ["作废须说明原因。"]
    voided = services.void_check(check, staff["inspector"], reason="抽查期间选错", at=AT)
    assert (voided.status, voided.void_reason, voided.voided_by) == (
        "void",
        "抽查期间选错",
        staff["inspector"],
    )
    with pytest.raises(NeverDeleted):
        voided.delete()
    with pytest.raises(NeverDeleted):
        RandomCheck.objects.all().delete()
    with pytest.raises(NeverDeleted):
        RandomCheckItem.objects.all().delete()
    assert RandomCheck.objects.count() == 1


def test_others_may_not_record(check, staff):
    with pytest.raises(TransitionRefused) as refused:
        services.record_result(
            first_item(check), staff["supervisor"], paper_result="agree", site_result="agree"
        )
    assert refused.value.reasons == ["您没有“纪检抽查”的权限。"]

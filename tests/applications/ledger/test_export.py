"""Export then import changes nothing: hand-made and imported applications alike."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.ledger.formats import SafeXLSX
from applications.ledger.resources import ApplicationLedgerResource
from applications.ledger.xlsx import neutralise
from applications.models import Application, Customer, TransitionLog
from applications.services.lifecycle import perform_transition
from applications.states import State, SuspensionReason
from monitoring.models import StageClock

from . import factory as f

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Application.objects.order_by("pk").values()),
        list(Customer.objects.order_by("pk").values()),
        TransitionLog.objects.count(),
        Application.history.model.objects.count(),
        Customer.history.model.objects.count(),
        list(StageClock.objects.order_by("pk").values()),
    )


@pytest.fixture
def applications_of_every_kind(make_app, walker, staff, run_import):
    start = timezone.now() - timedelta(days=60)
    make_app("lv_resident", at=start)  # just accepted
    walker.walk(make_app("lv_business", at=start), until=State.SCHEME, start=start)
    walker.walk(make_app("hv_single", at=start), until=State.ARCHIVED, start=start)
    suspended = walker.walk(make_app("lv_resident", at=start), until=State.SCHEME, start=start)
    perform_transition(
        application=suspended,
        name="suspend",
        user=staff["supervisor"],
        reason=SuspensionReason.CUSTOMER_REQUEST,
        comment="客户要求暂缓",
        at=start + timedelta(days=3),
    )
    perform_transition(
        application=make_app("lv_business", at=start),
        name="cancel",
        user=staff["supervisor"],
        comment="客户撤回申请",
        at=start + timedelta(days=1),
    )
    outcome = run_import(
        f.xlsx(
            [
                f.row(101, note="客户备注：（加急）"),
                f.archived(102),
                f.business(103, state="暂停（供电方案答复）"),
                f.business(104, has_grid_works="是", state="竣工验收", project_manager="pm"),
            ]
        )
    )
    assert not outcome.errors, outcome.errors


def test_export_then_import_changes_nothing(applications_of_every_kind, run_import):
    dataset = ApplicationLedgerResource().export(Application.objects.all())
    data = SafeXLSX().export_data(dataset)
    before = snapshot()
    outcome = run_import(data)
    assert not outcome.errors, outcome.errors
    assert (outcome.created, outcome.updated) == ([], [])
    assert len(outcome.unchanged) == Application.objects.count() == 9
    assert snapshot() == before


def test_an_exported_file_is_a_ledger_people_can_read(applications_of_every_kind):
    dataset = ApplicationLedgerResource().export(Application.objects.order_by("number"))
    rows = {row[0]: dict(zip(dataset.headers, row, strict=True)) for row in dataset}
    imported = rows["XH-2026-00103"]
    assert imported["当前环节"] == "暂停（勘查及方案答复）"
    assert imported["用电类别"] == "低压非居民" and imported["证件类型"] == "统一社会信用代码"
    assert rows["XH-2026-00104"]["项目经理"] == "项目经理甲（pm）"
    assert rows["XH-2026-00102"]["装表日期"].isoformat() == "2026-03-06"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("西湖区", "西湖区"),
        (-5, -5),  # numbers are numbers, not text
    ],
)
def test_formula_injection_is_neutralised(value, written):
    assert neutralise(value) == written

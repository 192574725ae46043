"""Fixtures for supervision: Shanghai instants, a rule by code, a flagged callback, a case."""

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from applications import roles
from applications.demo import make_staff
from monitoring.callbacks import record_outcome
from monitoring.models import Callback, DetectionRule
from monitoring.supervision import detection, letters
from monitoring.supervision.assessments import create_assessment, void_assessment

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def rule(code: str) -> DetectionRule:
    return DetectionRule.objects.get(code=code)


def run(code: str, now) -> int:
    return detection.run_rules([code], now=now).get(code, 0)


@pytest.fixture
def applied_elsewhere(make_app, staff):
    """An application whose first callback found a customer denying they applied this way:
    flagged, so `off_system_suspected` has been sent (Mon 2 Mar 2026, reached at 10:00)."""
    app = make_app("lv_business", at=local(2026, 3, 2, 9))
    callback = Callback.objects.get(application=app, kind=Callback.Kind.FIRST)
    record_outcome(
        callback,
        staff["supervisor"],
        reached=True,
        at=local(2026, 3, 2, 10),
        customer_confirmed_applied=False,
    )
    return app


@pytest.fixture
def case(applied_elsewhere):
    return applied_elsewhere.supervision_cases.get()


@pytest.fixture
def other_inspector(unit):
    return make_staff("inspector2", role=roles.INSPECTOR, unit=unit, full_name="纪检乙")


def draft_by(user, *, unit, responsible, **fields):
    """A letter drafted by `user` on 3 Mar 2026, due 20 Mar, unless `fields` say otherwise."""
    fields = {
        "category": "off_system",
        "findings": "客户不确认本人以此方式申请。",
        "rectification_due": date(2026, 3, 20),
        "at": local(2026, 3, 3, 9),
        **fields,
    }
    return letters.draft_letter(user=user, unit=unit, responsible_staff=responsible, **fields)


@pytest.fixture
def draft(case, staff):
    """A draft letter by 纪检甲 from the case, naming 客户经理甲, rectification by 20 Mar."""
    return draft_by(
        staff["inspector"],
        unit=case.unit,
        responsible=[staff["customer_manager"]],
        cases=[case],
        requirements="核实申请来源，规范受理。",
    )


@pytest.fixture
def yuhang(other_unit):
    return {
        "supervisor": make_staff(
            "sup_y", role=roles.SUPERVISOR, unit=other_unit, full_name="主管乙"
        ),
        "cm": make_staff(
            "cm_y", role=roles.CUSTOMER_MANAGER, unit=other_unit, full_name="客户经理丙"
        ),
        "pm": make_staff(
            "pm_y", role=roles.PROJECT_MANAGER, unit=other_unit, full_name="项目经理丁"
        ),
    }


def assess(by, who, points, amount, period=date(2026, 3, 15), **kwargs):
    return create_assessment(
        user=by,
        staff=who,
        points=D(points),
        amount=D(amount),
        reason="装表未告知客户",
        period=period,
        at=local(2026, 3, 20, 10),
        **kwargs,
    )


@pytest.fixture
def march(staff, yuhang):
    """Nine valid assessments in March 2026 — 750 yuan in 西湖, 840 in 余杭 — plus a voided one
    and one in April, which the March totals leave out."""
    xihu = staff["supervisor"]
    assess(xihu, staff["customer_manager"], "2", "200")
    assess(xihu, staff["customer_manager"], "1.5", "150")
    assess(xihu, staff["project_manager"], "1", "100")
    assess(xihu, staff["front_desk"], "3", "300")
    wrong = assess(xihu, staff["front_desk"], "5", "500")
    void_assessment(wrong, xihu, reason="重复登记", at=local(2026, 3, 21, 9))
    assess(xihu, staff["customer_manager"], "1", "80", period=date(2026, 4, 2))
    sup_y = yuhang["supervisor"]
    assess(sup_y, yuhang["cm"], "2", "200")
    assess(sup_y, yuhang["cm"], "2", "200")
    assess(sup_y, yuhang["cm"], "1.5", "140")
    assess(sup_y, yuhang["pm"], "1.5", "150")
    assess(sup_y, yuhang["pm"], "1.5", "150")

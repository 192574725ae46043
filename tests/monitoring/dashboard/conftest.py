"""A small hand-made world for the dashboard tests: rows written directly, values known.

Applications and clocks are created with the ORM (not through the lifecycle) so every working
day, outcome and instant is chosen by the test and the expected figures can be written out.
`test_records.py` checks, through the real lifecycle, that connection records match the clocks.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from applications import roles
from applications.demo import make_staff
from applications.models import Application, Customer, Unit
from monitoring.dashboard.filters import Filters, Period
from monitoring.dashboard.records import refresh_connection_records
from monitoring.models import (
    Assessment,
    Callback,
    StageClock,
    SupervisionCase,
    SupervisionLetter,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
_serial = itertools.count(1)


def local(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


MARCH = Period(local(2026, 3, 1).date(), local(2026, 3, 31).date())
MARCH_2025 = Period(local(2025, 3, 1).date(), local(2025, 3, 31).date())


def filters(period=MARCH, baseline=None, **kwargs) -> Filters:
    return Filters(period=period, baseline=baseline or period.shifted(-1), **kwargs)


VOLTAGE = {"lv_resident": "220V", "lv_business": "380V", "hv_single": "10kV", "hv_dual": "10kV"}


def make_app(
    unit,
    *,
    customer_class="lv_business",
    small_micro=False,
    works=False,
    manager=None,
    accepted=None,
    energized=None,
    state=None,
    channel="counter",
) -> Application:
    n = next(_serial)
    customer = Customer.objects.create(
        name=f"测试客户{n}",
        kind="enterprise",
        id_type="credit_code",
        id_number=f"T{n:017d}",
        contact_name="联系人",
        phone="13800000000",
        address="测试路",
        unit=unit,
    )
    return Application.objects.create(
        number=f"T-{n:06d}",
        customer=customer,
        unit=unit,
        customer_class=customer_class,
        requested_capacity_kva=Decimal(80),
        supply_voltage=VOLTAGE[customer_class],
        site_address="测试路",
        channel=channel,
        is_small_micro=small_micro,
        has_grid_works=works,
        customer_manager=manager,
        accepted_at=accepted or local(2026, 2, 20, 9),
        state=state or ("archived" if energized else "scheme"),
        energized_at=energized,
    )


def make_clock(
    app,
    stage,
    *,
    started,
    stopped=None,
    days=None,
    outcome=None,
    limit=3,
    counts=None,
    responsible=None,
    due=None,
    warn=None,
    paused=False,
) -> StageClock:
    customer_time = stage in ("customer_design", "customer_construction", "customer_completion")
    counts = (not customer_time) if counts is None else counts
    if outcome is None:
        outcome = "open" if stopped is None else ("breached" if days and days > limit else "met")
    return StageClock.objects.create(
        application=app,
        stage=stage,
        unit=app.unit,
        customer_class=app.customer_class,
        responsible=responsible if responsible is not None else app.customer_manager,
        counts_against_company=counts,
        limit_value=None if customer_time else limit,
        started_at=started,
        stopped_at=stopped,
        elapsed_working_days=days,
        outcome=outcome,
        due_at=due
        if due is not None
        else (None if customer_time else started + timedelta(days=limit)),
        warn_at=warn,
        paused_at=started if paused else None,
    )


def energized_app(unit, total_days, *, energized, manager=None, late=False, **kwargs):
    """An energized application whose company stages add up to `total_days` working days.

    Its clocks: acceptance (0 days), scheme (total − 1), energize (1), plus customer time
    (7 days) and the archive (2 days), which connection time leaves out.
    """
    app = make_app(unit, manager=manager, energized=energized, **kwargs)
    start = app.accepted_at
    scheme_days = total_days - 1
    make_clock(app, "accept", started=start, stopped=start + timedelta(hours=2), days=0, limit=1)
    make_clock(
        app,
        "scheme",
        started=start,
        stopped=energized - timedelta(days=2),
        days=scheme_days,
        limit=3,
        outcome="breached" if late else "met",
    )
    make_clock(
        app,
        "customer_completion",
        started=start,
        stopped=energized - timedelta(days=1),
        days=7,
        outcome="met",
    )
    make_clock(
        app, "energize", started=energized - timedelta(days=1), stopped=energized, days=1, limit=2
    )
    make_clock(app, "archive", started=energized, stopped=energized + timedelta(days=2), days=2)
    return app


@pytest.fixture
def units(db):
    company = Unit.objects.create(code="hz", name="杭州市供电公司")
    return {
        "company": company,
        "xihu": Unit.objects.create(code="xihu", name="西湖供电服务中心", parent=company),
        "yuhang": Unit.objects.create(code="yuhang", name="余杭供电服务中心", parent=company),
    }


@pytest.fixture
def people(units):
    return {
        "supervisor": make_staff(
            "zhuguan", role=roles.SUPERVISOR, unit=units["company"], full_name="主管"
        ),
        "inspector": make_staff("jijian", role=roles.INSPECTOR, unit=units["company"]),
        "cm_xihu": make_staff(
            "cm_xihu", role=roles.CUSTOMER_MANAGER, unit=units["xihu"], full_name="西湖经理"
        ),
        "cm_yuhang": make_staff(
            "cm_yuhang", role=roles.CUSTOMER_MANAGER, unit=units["yuhang"], full_name="余杭经理"
        ),
        "front": make_staff("front_xihu", role=roles.FRONT_DESK, unit=units["xihu"]),
    }


@pytest.fixture
def seeds_split(units, people):
    """Seed 003's county, in March 2026: 148 small/micro firms energized, 67 with grid works
    (5 days × 59 + 4 days × 8 = 327 → 4.88) and 81 without (3 × 67 + 2 × 14 = 229 → 2.83),
    3.76 on average; no clock over its limit. March 2025: 29 firms, 5 × 17 + 4 × 12 = 133 →
    4.59, so the year-on-year change is −0.83. All in 西湖, customer manager cm_xihu."""
    cm, unit = people["cm_xihu"], units["xihu"]
    plan = [(True, 5, 59), (True, 4, 8), (False, 3, 67), (False, 2, 14)]
    for works, total, count in plan:
        for i in range(count):
            energized_app(
                unit,
                total,
                energized=local(2026, 3, 2 + i % 27, 15),
                manager=cm,
                small_micro=True,
                works=works,
            )
    for total, count in [(5, 17), (4, 12)]:
        for i in range(count):
            energized_app(
                unit,
                total,
                energized=local(2025, 3, 3 + i % 25, 15),
                accepted=local(2025, 2, 20, 9),
                manager=cm,
                small_micro=True,
            )
    refresh_connection_records()


def make_callback(app, kind, *, due, status="pending", satisfaction=None, reached=None, **extra):
    return Callback.objects.create(
        application=app,
        unit=app.unit,
        kind=kind,
        due_at=due,
        status=status,
        satisfaction=satisfaction,
        reached_at=reached,
        **extra,
    )


def make_case(unit, *, found, status="open", application=None, responsible=None):
    return SupervisionCase.objects.create(
        source="manual",
        unit=unit,
        application=application,
        responsible=responsible,
        evidence_text=f"证据{next(_serial)}",
        status=status,
        dismiss_reason="不属实" if status == "dismissed" else "",
        found_at=found,
    )


def make_letter(unit, *, by, category, status, issued=None, due, responsible=()):
    letter = SupervisionLetter.objects.create(
        number=None if status == "draft" else f"JD-T-{next(_serial):03d}",
        category=category,
        unit=unit,
        findings="监督发现",
        rectification_due=due,
        status=status,
        created_by=by,
        created_at=issued or local(2026, 3, 1),
        issued_by=None if issued is None else by,
        issued_at=issued,
        void_reason="重复出具" if status == "void" else "",
    )
    letter.responsible_staff.set(responsible)
    return letter


def make_assessment(unit, staff, *, by, period, points, amount, status="active"):
    return Assessment.objects.create(
        staff=staff,
        unit=unit,
        period=period,
        points=Decimal(points),
        amount=Decimal(amount),
        reason="考核事由",
        status=status,
        created_by=by,
        created_at=local(2026, 3, 20),
        void_reason="登记错误" if status == "void" else "",
    )


@pytest.fixture
def supervision_world(units, people):
    """Cases, letters and assessments of 西湖 and 余杭 around March 2026's edges.

    March, every unit: 3 cases open now (c1, c3, c4), 2 found in March (c1 at 00:00 on the 1st,
    c2 at 23:59 on the 31st); 3 letters issued in March (L1, L2 线外流转, L3 现场安全隐患; L4 void
    and L6 a draft are not), 3 open (L1, L3, and 余杭's L5 issued 1 April); 2 assessments
    (3.5 points, 300.50 元; a void one and February's are not counted).
    """
    xihu, yuhang = units["xihu"], units["yuhang"]
    sup, cm, cm_y = people["supervisor"], people["cm_xihu"], people["cm_yuhang"]
    cases = {
        "c1": make_case(xihu, found=local(2026, 3, 1), responsible=cm),
        "c2": make_case(xihu, found=local(2026, 3, 31, 23, 59), status="confirmed"),
        "c3": make_case(xihu, found=local(2026, 2, 28, 23, 59)),
        "c4": make_case(yuhang, found=local(2026, 4, 1), responsible=cm_y),
    }
    letter = {"by": sup}
    letters = {
        "L1": make_letter(xihu, **letter, category="off_system", status="issued",
                          issued=local(2026, 3, 1), due=date(2026, 3, 20), responsible=[cm]),
        "L2": make_letter(xihu, **letter, category="off_system", status="closed",
                          issued=local(2026, 3, 15, 12), due=date(2026, 3, 25), responsible=[cm]),
        "L3": make_letter(xihu, **letter, category="site_safety", status="rectifying",
                          issued=local(2026, 3, 31, 23, 59), due=date(2026, 4, 30),
                          responsible=[people["front"]]),
        "L4": make_letter(xihu, **letter, category="off_system", status="void",
                          issued=local(2026, 3, 10), due=date(2026, 3, 30), responsible=[cm]),
        "L5": make_letter(yuhang, **letter, category="one_document", status="rectified",
                          issued=local(2026, 4, 1), due=date(2026, 4, 15), responsible=[cm_y]),
        "L6": make_letter(xihu, **letter, category="other", status="draft",
                          due=date(2026, 3, 31), responsible=[cm]),
    }  # fmt: skip
    march, february = date(2026, 3, 1), date(2026, 2, 1)
    make_assessment(xihu, cm, by=sup, period=march, points="2.0", amount="200")
    make_assessment(yuhang, cm_y, by=sup, period=march, points="1.5", amount="100.50")
    make_assessment(xihu, cm, by=sup, period=march, points="5", amount="500", status="void")
    make_assessment(xihu, cm, by=sup, period=february, points="3", amount="300")
    return {**cases, **letters}

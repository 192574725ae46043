"""Fixtures for the routines: Shanghai instants, a leader's 督办 item, a second unit's staff.

The item is set Mon 2 Mar 2026 10:00 by 主管甲 for 客户经理甲, due Fri 6 Mar: due at 24:00 Fri
(stored as Sat 7 Mar 00:00), warned from 00:00 Fri 6 Mar (1 working day before).
"""

from datetime import date

import pytest

from applications import roles
from applications.demo import make_staff
from monitoring.routines import items
from tests.monitoring.supervision.conftest import (  # noqa: F401  (fixtures reused)
    applied_elsewhere,
    case,
    local,
)

TITLE = "西湖中心低压居民装表滞后问题"


@pytest.fixture
def item(staff, make_app):
    app = make_app("lv_resident", at=local(2026, 3, 2, 9))
    return items.set_item(
        user=staff["supervisor"],
        title=TITLE,
        problem="多户装表接电超过承诺时间，请查明原因并整改。",
        owner=staff["customer_manager"],
        due_date=date(2026, 3, 6),
        application=app,
        at=local(2026, 3, 2, 10),
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
    }

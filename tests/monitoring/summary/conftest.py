"""A hand-made month for the summary: 西湖 in March 2026 against February 2026 and March 2025.

Connection (西湖): March 2026 three applications energized at 4, 3 and 5 working days (one
with a late clock) → 4.00; February 2026 two at 6 and 2 → 4.00; March 2025 one at 7. 余杭 has
one in March 2026 (not 西湖's). The supervision rows are the dashboard tests' world.
"""

from datetime import date

import pytest

from monitoring import deadlines
from monitoring.complaints import receive_complaint
from monitoring.complaints import withdraw as withdraw_complaint
from monitoring.dashboard.records import refresh_connection_records
from monitoring.models import Deadline
from tests.monitoring.dashboard import conftest as dashboard_world
from tests.monitoring.dashboard.conftest import energized_app, local

# The dashboard tests' units, staff and supervision rows, reused as they are.
units = dashboard_world.units
people = dashboard_world.people
supervision_world = dashboard_world.supervision_world

MARCH = date(2026, 3, 1)


@pytest.fixture
def month_world(units, people, supervision_world):
    xihu, yuhang, cm = units["xihu"], units["yuhang"], people["cm_xihu"]
    march = [
        energized_app(
            xihu, days, energized=local(2026, 3, 10, 15), manager=cm, late=late,
            accepted=local(2026, 3, 2, 9),
        )
        for days, late in [(4, False), (3, False), (5, True)]
    ]  # fmt: skip
    for days in (6, 2):
        energized_app(
            xihu, days, energized=local(2026, 2, 12, 15), manager=cm,
            accepted=local(2026, 2, 2, 9),
        )  # fmt: skip
    energized_app(
        xihu, 7, energized=local(2025, 3, 12, 15), manager=cm, accepted=local(2025, 3, 2, 9)
    )
    energized_app(yuhang, 9, energized=local(2026, 3, 11, 15), accepted=local(2026, 3, 2, 9))
    refresh_connection_records()
    # Complaints about 西湖: two in March (one withdrawn: not counted), one in February.
    for day, withdraw in [(5, False), (6, True), (20, False)]:
        month = 2 if day == 20 else 3
        complaint, _created = receive_complaint(
            kind="complaint",
            channel="95598",
            received_at=local(2026, month, day, 10),
            content="办电慢",
            application=march[0],
            by=people["supervisor"],
        )
        if withdraw:
            withdraw_complaint(
                complaint, by=people["supervisor"], reason="客户撤回", at=local(2026, 3, 7)
            )
    # 督办 items of 西湖: one set in February and finished in March, one set in March and open,
    # one set and finished in March; 余杭's not counted.
    item = Deadline.Kind.SUPERVISION_ITEM
    start = {"kind": item, "responsible": cm}
    deadlines.start(
        xihu,
        key="a",
        label="整改线外流转",
        unit=xihu,
        started_at=local(2026, 2, 10),
        due_at=date(2026, 3, 20),
        **start,
    )
    deadlines.finish(xihu, key="a", at=local(2026, 3, 5))
    deadlines.start(
        xihu,
        key="b",
        label="清理在途工单",
        unit=xihu,
        started_at=local(2026, 3, 3),
        due_at=date(2026, 4, 30),
        **start,
    )
    deadlines.start(
        xihu,
        key="c",
        label="补齐档案",
        unit=xihu,
        started_at=local(2026, 3, 4),
        due_at=date(2026, 3, 10),
        **start,
    )
    deadlines.finish(xihu, key="c", at=local(2026, 3, 12))
    deadlines.start(yuhang, key="d", label="余杭事项", unit=yuhang,
                    started_at=local(2026, 3, 4), due_at=date(2026, 3, 10), **start)  # fmt: skip
    return supervision_world

"""On PostgreSQL outside a transaction the dashboard's queries run on two connections at once;
the page must be the same as when they run one after the other."""

import pytest
from django.test import RequestFactory, override_settings

from monitoring.dashboard.concurrent import can_run_in_parallel
from monitoring.dashboard.dashboard import build_dashboard
from monitoring.dashboard.records import refresh_connection_records

from .conftest import energized_app, filters, local, make_app, make_callback


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_and_serial_pages_are_the_same(units, people):
    cm = people["cm_xihu"]
    for total, works in [(3, True), (5, False), (4, True)]:
        app = energized_app(units["xihu"], total, energized=local(2026, 3, 9, 10), manager=cm,
                            works=works, late=total == 5, accepted=local(2026, 3, 2))  # fmt: skip
        make_callback(app, "satisfaction", due=local(2026, 3, 12), status="reached",
                      satisfaction=total, reached=local(2026, 3, 11))  # fmt: skip
    make_app(units["xihu"], manager=cm, state="scheme", accepted=local(2026, 3, 5))
    refresh_connection_records()

    def page():
        request = RequestFactory().get("/dashboard/")
        request.user = people["supervisor"]
        report = build_dashboard(user=request.user, request=request, filters=filters(),
                                 now=local(2026, 3, 20))  # fmt: skip
        return [t.as_lists() for t in report.tables]

    assert can_run_in_parallel()
    parallel = page()
    with override_settings(YEKUO_DASHBOARD_PARALLEL=False):
        assert not can_run_in_parallel()
        serial = page()
    assert parallel == serial
    assert parallel[3][-1][1:3] == [3, 4.0]  # connection: 3 energized, (3 + 5 + 4) ÷ 3

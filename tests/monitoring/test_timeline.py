"""The clock timeline on the application page: used, remaining and the traffic light."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from applications.states import State
from monitoring.timeline import clock_timeline, uncovered_due_warnings

SH = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def in_scheme(make_app, walker):
    # Accepted Mon 2026-03-02 09:00; acceptance finished Tue 03-03 09:00. lv_business scheme:
    # 3 working days from Tue → Wed 4 (1), Thu 5 (2), Fri 6 (3): due 03-07 00:00, warn 03-06.
    app = make_app("lv_business", at=local(2026, 3, 2, 9))
    return walker.walk(app, until=State.SCHEME, start=local(2026, 3, 2, 9))


def scheme_row(app, now):
    return clock_timeline(app, now)[-1]


def test_open_clock_counts_used_and_remaining_working_days(in_scheme):
    accept, scheme = clock_timeline(in_scheme, local(2026, 3, 4, 12))
    assert (accept.colour, accept.status) == ("green", "按期办结")
    assert scheme.clock.due_at == local(2026, 3, 7)
    assert (scheme.used_working_days, scheme.remaining_working_days) == (1, 2)
    assert scheme.colour == "green"


def test_amber_inside_the_warning_window_and_red_once_due(in_scheme):
    row = scheme_row(in_scheme, local(2026, 3, 6, 10))
    assert (row.colour, row.status, row.remaining_working_days) == ("amber", "临近到期", 0)
    row = scheme_row(in_scheme, local(2026, 3, 9, 10))  # Monday after the due Friday
    assert (row.colour, row.status, row.remaining_working_days) == ("red", "已超期", -1)


def test_suspended_clock_is_grey_and_counts_its_pause(in_scheme, staff):
    from applications.services.lifecycle import perform_transition

    perform_transition(
        application=in_scheme, name="suspend", user=staff["customer_manager"],
        reason="customer_request", comment="客户要求暂缓", at=local(2026, 3, 4, 10),
    )  # fmt: skip
    row = scheme_row(in_scheme, local(2026, 3, 9, 10))
    assert (row.colour, row.status) == ("grey", "暂停中")
    # Started Tue 3; Wed 4 used before the pause; Thu 5, Fri 6, Mon 9 are paused.
    assert row.used_working_days == 1


def test_due_date_in_an_uncovered_year_is_announced(make_app, walker):
    app = make_app("hv_single", at=local(2026, 12, 28, 9))
    walker.walk(app, until=State.SCHEME, start=local(2026, 12, 28, 9))
    warnings = uncovered_due_warnings(app)
    assert len(warnings) == 1 and "2027" in warnings[0]


def test_panel_renders_on_the_application_page(client, staff, in_scheme):
    client.force_login(staff["customer_manager"])
    page = client.get(reverse("admin:applications_application_change", args=[in_scheme.pk]))
    text = page.text
    assert "环节时限" in text and "勘查及方案答复" in text and "3个工作日" in text
    assert "yk-light" in text


def test_panel_hidden_without_clock_permission(client, unit, in_scheme):
    from applications.demo import make_staff

    outsider = make_staff("bare", role=None, unit=unit)
    outsider.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(outsider)
    page = client.get(reverse("admin:applications_application_change", args=[in_scheme.pk]))
    assert page.status_code == 200 and "环节时限" not in page.text


def test_finished_customer_time_is_grey_not_green(make_app, walker):
    app = make_app("hv_single", at=local(2026, 3, 2, 9))
    app = walker.walk(app, until=State.DESIGN_REVIEW, start=local(2026, 3, 2, 9))
    design = next(r for r in clock_timeline(app) if r.clock.stage == State.CUSTOMER_DESIGN)
    assert (design.colour, design.status) == ("grey", "客户时间，已结束")

"""The three ledgers: their filters, scoping and Excel export (values as a user reads them)."""

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications.states import State
from monitoring.admin.in_flight import working_days_left
from projects.models import Project

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def connect_first(make_project, make_app, walker, staff):
    energized = walker.walk(
        make_app(has_grid_works=False),
        until=State.ARCHIVE,
        start=datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI),
    )
    waiting = make_app()
    done = make_project(
        name="幸福路先接入工程", kind=Project.Kind.CONNECT_FIRST, applications=[energized]
    )
    open_ = make_project(
        name="文三路先接入工程", kind=Project.Kind.CONNECT_FIRST, applications=[waiting]
    )
    make_project(name="常规工程")  # not in this ledger
    return done, open_, energized, waiting


def test_connect_first_ledger_filters_by_energized(client, staff, connect_first):
    done, open_, _energized, _waiting = connect_first
    client.force_login(staff["supervisor"])
    url = reverse("admin:projects_connectfirstledger_changelist")

    everything = client.get(url)
    assert [p.number for p in everything.context["cl"].result_list] == [
        open_.number,
        done.number,
    ]
    yes = client.get(url, {"energized": "yes"})
    assert [p.number for p in yes.context["cl"].result_list] == [done.number]
    no = client.get(url, {"energized": "no"})
    assert [p.number for p in no.context["cl"].result_list] == [open_.number]


def test_connect_first_export_holds_what_the_list_shows(client, staff, connect_first):
    done, _open, energized, _waiting = connect_first
    client.force_login(staff["inspector"])

    rows = _sheet(
        client.get(reverse("admin:projects_connectfirstledger_export"), {"energized": "yes"})
    )

    assert rows[0] == [
        "工程编号",
        "工程名称",
        "供电单位",
        "项目经理",
        "工程状态",
        "形象进度(%)",
        "关联业扩申请",
        "户名",
        "是否已送电",
        "送电时间",
        "计划竣工",
        "实际竣工",
    ]
    energized_at = timezone.localtime(energized.energized_at).replace(tzinfo=None)
    assert rows[1:] == [
        [
            done.number,
            "幸福路先接入工程",
            "西湖供电服务中心",
            "项目经理甲",
            "设计中",
            0,
            energized.number,
            energized.customer.name,
            "是",
            energized_at,
            None,
            None,
        ]
    ]


def test_ahead_ledger_shows_whether_an_application_arrived(client, staff, make_project, make_app):
    waiting = make_project(
        name="科创园预推进",
        kind=Project.Kind.AHEAD,
        expected_customer='=HYPERLINK("http://x")',
        expected_demand_kva=800,
    )
    arrived = make_project(name="滨江预推进", kind=Project.Kind.AHEAD, applications=[make_app()])
    client.force_login(staff["customer_manager"])
    url = reverse("admin:projects_aheadledger_changelist")

    no = client.get(url, {"arrived": "no"})
    assert [p.number for p in no.context["cl"].result_list] == [waiting.number]
    yes = client.get(url, {"arrived": "yes"})
    assert [p.number for p in yes.context["cl"].result_list] == [arrived.number]

    rows = _sheet(client.get(reverse("admin:projects_aheadledger_export"), {"arrived": "no"}))
    assert rows[1][:10] == [
        waiting.number,
        "科创园预推进",
        "西湖供电服务中心",
        "项目经理甲",
        '\'=HYPERLINK("http://x")',  # formula injection neutralised
        800,
        "设计中",
        0,
        "否",
        None,
    ]


def test_in_flight_ledger_shows_the_running_clock(client, staff, make_app):
    app = make_app(at=datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI))
    archived_soon = make_app()
    archived_soon.state = State.CANCELLED
    archived_soon.save(update_fields=["state"])
    client.force_login(staff["supervisor"])

    page = client.get(reverse("admin:projects_inflightledger_changelist"))
    shown = list(page.context["cl"].result_list)
    assert [a.number for a in shown] == [app.number]
    clock = app.clocks.get(outcome="open")
    assert (shown[0].clock_stage, shown[0].clock_due_at) == (clock.stage, clock.due_at)

    rows = _sheet(client.get(reverse("admin:projects_inflightledger_export")))
    assert rows[0][:9] == [
        "工单编号",
        "户名",
        "供电单位",
        "用电类别",
        "当前环节",
        "计时环节",
        "环节开始时间",
        "到期时间",
        "剩余工作日（负数为超期）",
    ]
    assert rows[1][:6] == [
        app.number,
        app.customer.name,
        "西湖供电服务中心",
        "低压居民",
        "业务受理",
        "业务受理",
    ]
    assert rows[1][7] == timezone.localtime(clock.due_at).replace(tzinfo=None)


def test_working_days_left_counts_down_and_then_below_zero(db):
    monday_noon = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
    friday_end = datetime(2026, 11, 27, 23, 59, tzinfo=SHANGHAI)
    last_friday = datetime(2026, 11, 20, 17, 0, tzinfo=SHANGHAI)

    assert working_days_left(friday_end, now=monday_noon) == 4
    assert working_days_left(last_friday, now=monday_noon) == -1
    assert working_days_left(None, now=monday_noon) is None


def test_ledgers_are_scoped_to_the_unit(client, staff, other_unit, make_project):
    from applications import roles
    from applications.demo import make_staff

    make_project(kind=Project.Kind.AHEAD)
    outsider = make_staff("pm_yh", role=roles.PROJECT_MANAGER, unit=other_unit)
    client.force_login(outsider)

    page = client.get(reverse("admin:projects_aheadledger_changelist"))
    assert list(page.context["cl"].result_list) == []
    rows = _sheet(client.get(reverse("admin:projects_aheadledger_export")))
    assert rows[1:] == []


def test_a_user_without_the_ledger_permission_cannot_export(client, db):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("nobody", is_staff=True)
    client.force_login(nobody)

    assert client.get(reverse("admin:projects_aheadledger_export")).status_code == 403

"""Who hears of an alert, and the inbox and alert lists in the admin.

Escalation (DOMAIN.md §4): overdue → the responsible person and their supervisor; +2 working
days → the unit's leader; +5 → the marketing department. The clock is a low-voltage business
scheme started Mon 28 Sep 2026: warned 8 Oct, due 24:00 8 Oct, level 2 from 11 Oct, level 3
from 15 Oct (see test_escalation.py for the counting).
"""

from collections import defaultdict

import pytest
from django.urls import reverse

from applications import roles
from applications.demo import make_staff
from applications.models import SupplyScheme, SurveyRecord, Unit
from applications.services.approvals import submit_scheme
from applications.states import State
from monitoring.models import Alert, Notification
from monitoring.sweep import run_sweep

from .sweeping import ESCALATION, OVERDUE, WARNING, local, scheme_clock

WARN, DUE, LATE = local(2026, 10, 8), local(2026, 10, 9), local(2026, 10, 20)


@pytest.fixture
def people(staff, unit):
    """The unit's leader and the marketing department's head, besides the role fixtures."""
    leader = make_staff("leader", role=roles.SUPERVISOR, unit=unit, full_name="单位负责人")
    unit.leader = leader
    unit.save()
    marketing = make_staff(
        "marketing_head",
        role=roles.SUPERVISOR,
        unit=unit,
        full_name="营销部主任",
        department="marketing",
    )
    return {**staff, "leader": leader, "marketing_head": marketing}


@pytest.fixture
def app_and_clock(make_app, walker):
    return scheme_clock(make_app, walker, local(2026, 9, 28, 9))


def recipients() -> dict[tuple, set[str]]:
    found = defaultdict(set)
    for n in Notification.objects.select_related("alert", "recipient"):
        found[(n.alert.kind, n.alert.level)].add(n.recipient.username)
    return dict(found)


# --- Who hears of what --------------------------------------------------------------------------


def test_each_level_reaches_its_people(people, app_and_clock):
    run_sweep(WARN)
    assert recipients() == {(WARNING, 0): {"cm"}}
    run_sweep(DUE)
    assert recipients()[(OVERDUE, 1)] == {"cm", "supervisor"}
    run_sweep(local(2026, 10, 11))
    assert recipients()[(ESCALATION, 2)] == {"leader"}
    run_sweep(local(2026, 10, 15))
    # The marketing department's supervisors; its approver (also 'marketing') is not management.
    assert recipients()[(ESCALATION, 3)] == {"marketing_head"}
    assert len(recipients()) == 4


def test_notification_says_what_where_and_links_to_the_application(people, app_and_clock):
    app, _clock = app_and_clock
    run_sweep(DUE)

    note = Notification.objects.get(recipient=people["supervisor"])
    assert note.kind == OVERDUE and note.created_at == DUE and note.read_at is None
    assert note.title == f"超期告警：{app.number} 勘查及方案答复"
    assert note.body == (
        f"{app.customer.name}的业扩申请{app.number}（西湖供电服务中心）在“勘查及方案答复”环节"
        "已超过时限，请立即办理并说明超期原因。"
    )
    assert note.link == reverse("admin:applications_application_change", args=[app.pk])
    escalated = run_sweep(local(2026, 10, 11)).counts["notify_alerts"]
    assert escalated == 1
    assert Notification.objects.get(alert__level=2).title.startswith("超期升级（2级）：")


def test_a_station_without_a_leader_escalates_to_its_companys(people, unit, app_and_clock):
    company_leader = make_staff("company_leader", role=None, unit=unit, full_name="公司负责人")
    unit.parent = Unit.objects.create(code="hz", name="杭州市供电公司", leader=company_leader)
    unit.leader = None
    unit.save()

    run_sweep(local(2026, 10, 11))

    assert recipients()[(ESCALATION, 2)] == {"company_leader"}


def test_inactive_staff_get_nothing_and_an_alert_without_recipients_still_stands(
    people, app_and_clock, unit, caplog
):
    people["supervisor"].is_active = False
    people["supervisor"].save()
    unit.leader = None
    unit.save()

    run_sweep(local(2026, 10, 11))

    assert recipients()[(OVERDUE, 1)] == {"cm"}
    assert (ESCALATION, 2) not in recipients()
    assert Alert.objects.filter(level=2, notified_at__isnull=False).exists()
    assert "1 new alert(s)" in caplog.text and "have no recipient" in caplog.text


def test_an_undecided_approval_warns_its_departments_approvers(make_app, walker, staff):
    start = local(2026, 3, 2, 9)
    app = walker.walk(make_app("hv_single", at=start), until=State.SCHEME, start=start)
    cm = staff["customer_manager"]
    SurveyRecord.objects.create(application=app, leader=cm, surveyed_at=start)
    SupplyScheme.objects.create(
        application=app,
        supply_voltage="10kV",
        capacity_kva=800,
        supply_mode="single",
        metering_mode="high",
        connection_point="10kV幸福线12号杆",
    )
    submit_scheme(application=app, user=cm, at=local(2026, 3, 9, 10))

    run_sweep(local(2026, 3, 11))  # 48 hours before the approvals' due (24:00 Thu 12 Mar)

    by_department = {
        n.alert.clock.scheme_approval.department: n.recipient.username
        for n in Notification.objects.select_related("alert__clock__scheme_approval", "recipient")
    }
    assert by_department == {
        "marketing": "approver_marketing",
        "operations": "approver_operations",
        "dispatch": "approver_dispatch",
    }


# --- The inbox in the admin ---------------------------------------------------------------------


def inbox_url(**query):
    url = reverse("admin:monitoring_notification_changelist")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def action(client, url, name, objects):
    return client.post(
        url, {"action": name, "_selected_action": [o.pk for o in objects]}, follow=True
    )


def test_the_inbox_shows_only_ones_own_notifications_and_the_unread_count(
    client, people, app_and_clock
):
    run_sweep(DUE)  # cm: warning and overdue; supervisor: overdue
    cm = people["customer_manager"]
    client.force_login(cm)

    page = client.get(reverse("admin:index"))
    assert '<span id="unread-count"' in page.text and ">2</span>" in page.text
    assert "语言" in page.text  # the language switcher is still there

    listed = client.get(inbox_url()).context["cl"].result_list
    assert {n.recipient for n in listed} == {cm} and len(listed) == 2

    client.force_login(people["supervisor"])
    listed = client.get(inbox_url()).context["cl"].result_list
    assert [n.recipient for n in listed] == [people["supervisor"]]


def test_opening_a_notification_marks_it_read_and_goes_to_the_application(
    client, people, app_and_clock
):
    app, _clock = app_and_clock
    run_sweep(DUE)
    cm = people["customer_manager"]
    mine = Notification.objects.get(recipient=cm, kind=OVERDUE)
    theirs = Notification.objects.get(recipient=people["supervisor"])
    client.force_login(cm)

    response = client.get(reverse("admin:monitoring_notification_open", args=[mine.pk]))

    assert response.status_code == 302
    assert response.url == reverse("admin:applications_application_change", args=[app.pk])
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert ">1</span>" in client.get(reverse("admin:index")).text
    # Unread first: the warning (unread) is listed before the overdue notification just read.
    listed = client.get(inbox_url()).context["cl"].result_list
    assert [n.kind for n in listed] == [WARNING, OVERDUE]
    other = client.get(reverse("admin:monitoring_notification_open", args=[theirs.pk]))
    assert other.status_code == 404


def test_mark_read_and_acknowledge_in_the_inbox(client, people, app_and_clock):
    run_sweep(DUE)
    cm = people["customer_manager"]
    warning = Notification.objects.get(recipient=cm, kind=WARNING)
    overdue = Notification.objects.get(recipient=cm, kind=OVERDUE)
    client.force_login(cm)

    action(client, inbox_url(), "mark_read", [warning])
    action(client, inbox_url(), "acknowledge", [overdue])

    warning.refresh_from_db()
    overdue.refresh_from_db()
    assert warning.read_at is not None and warning.acknowledged_at is None
    assert overdue.read_at is not None and overdue.acknowledged_at is not None
    alert = overdue.alert
    alert.refresh_from_db()
    assert alert.acknowledged_by == cm  # the recipient took the alert in hand
    assert "unread-count" not in client.get(reverse("admin:index")).text
    assert client.get(inbox_url(read="unread")).context["cl"].result_count == 0


def test_any_staff_login_has_an_inbox(client, unit):
    clerk = make_staff("clerk", role=None, unit=unit, full_name="无角色员工")
    client.force_login(clerk)
    assert client.get(inbox_url()).status_code == 200


# --- The alert list in the admin ----------------------------------------------------------------


def test_alert_list_is_region_scoped_and_filters(client, people, app_and_clock, other_unit):
    run_sweep(LATE)
    alerts_url = reverse("admin:monitoring_alert_changelist")
    outsider = make_staff("cm_yuhang", role=roles.CUSTOMER_MANAGER, unit=other_unit)

    client.force_login(outsider)
    assert client.get(alerts_url).context["cl"].result_count == 0
    client.force_login(people["customer_manager"])
    assert client.get(alerts_url).context["cl"].result_count == 4
    client.force_login(people["inspector"])  # sees every unit (read only)
    assert client.get(alerts_url).context["cl"].result_count == 4
    filtered = client.get(alerts_url + "?kind=escalation&acknowledged=no")
    assert {a.level for a in filtered.context["cl"].result_list} == {2, 3}


def test_acknowledging_alerts_in_the_list(client, people, app_and_clock, other_unit):
    run_sweep(LATE)
    alerts_url = reverse("admin:monitoring_alert_changelist")
    overdue = Alert.objects.get(kind=OVERDUE)
    client.force_login(people["inspector"])  # read only: no actions at all
    assert client.get(alerts_url).context["action_form"] is None

    client.force_login(people["customer_manager"])
    action(client, alerts_url, "acknowledge", [overdue])
    action(client, alerts_url, "acknowledge", [overdue])  # a second click changes nothing

    overdue.refresh_from_db()
    assert overdue.acknowledged_by == people["customer_manager"]
    first = overdue.acknowledged_at
    client.force_login(people["supervisor"])
    action(client, alerts_url, "acknowledge", [overdue])
    overdue.refresh_from_db()
    assert (overdue.acknowledged_by, overdue.acknowledged_at) == (people["customer_manager"], first)
    unacknowledged = client.get(alerts_url + "?acknowledged=no").context["cl"].result_count
    assert unacknowledged == 3

    # A supervisor of another unit sees every alert but acts only in their own unit.
    elsewhere = make_staff("zhuguan_yuhang", role=roles.SUPERVISOR, unit=other_unit)
    client.force_login(elsewhere)
    assert client.get(alerts_url).context["cl"].result_count == 4
    warning = Alert.objects.get(kind=WARNING)
    page = action(client, alerts_url, "acknowledge", [warning])
    assert "1 条属于其他单位" in page.text
    warning.refresh_from_db()
    assert warning.acknowledged_at is None


@pytest.mark.parametrize(
    "role", ["front_desk", "customer_manager", "project_manager", "supervisor", "inspector"]
)
def test_alert_pages_render_for_each_role(client, people, app_and_clock, role):
    run_sweep(LATE)
    client.force_login(people[role])
    alert = Alert.objects.get(kind=OVERDUE)
    for url in [
        reverse("admin:index"),
        reverse("admin:monitoring_alert_changelist"),
        reverse("admin:monitoring_alert_change", args=[alert.pk]),
        inbox_url(),
    ]:
        assert client.get(url).status_code == 200, url
    deliveries = client.get(reverse("admin:monitoring_emaildelivery_changelist"))
    assert deliveries.status_code == (200 if role in ("supervisor", "inspector") else 403)

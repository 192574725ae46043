"""The sweep warns, alerts and escalates deadlines (事项时限) like stage clocks, once each.

A rectification started Wed 30 Sep 2026 10:00 with 3 working days: Thu 8, Fri 9, Sat 10 Oct
(make-up) → due 24:00 Sat 10 Oct (stored as Sun 11 Oct 00:00), warned from 00:00 Sat 10 Oct.
Overdue by 2 working days (Mon 12, Tue 13) → level 2 from 00:00 Wed 14 Oct; by 5 (Wed 14,
Thu 15, Fri 16) → level 3 from 00:00 Sat 17 Oct.
"""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from applications import roles
from applications.demo import make_staff
from monitoring import deadlines
from monitoring.models import Alert, Deadline, EmailDelivery, Notification
from monitoring.models.policy import LimitUnit
from monitoring.sweep import run_sweep

from .sweeping import ESCALATION, OVERDUE, WARNING, local

WARN, DUE = local(2026, 10, 10), local(2026, 10, 11)
LEVEL_2, LEVEL_3 = local(2026, 10, 14), local(2026, 10, 17)
SECOND = timedelta(seconds=1)
STEPS = ["raise_deadline_warnings", "raise_deadline_overdue", "raise_deadline_escalations"]
LABEL = "监督意见书 JD-2026-001"


@pytest.fixture
def app(make_app):
    return make_app("lv_business", at=local(2026, 9, 28, 9))


@pytest.fixture
def deadline(app, staff):
    return deadlines.start(
        app,
        Deadline.Kind.RECTIFICATION,
        label=LABEL,
        unit=app.unit,
        responsible=staff["customer_manager"],
        started_at=local(2026, 9, 30, 10),
        limit=(3, LimitUnit.WORKING_DAYS),
        application=app,
    )


def raised(deadline) -> set[tuple[str, int]]:
    return set(Alert.objects.filter(deadline=deadline).values_list("kind", "level"))


def counts(result) -> list[int]:
    return [result.counts[step] for step in STEPS]


def test_warning_overdue_and_escalations_each_come_at_their_instant(deadline):
    assert (deadline.warn_at, deadline.due_at) == (WARN, DUE)
    assert counts(run_sweep(WARN - SECOND)) == [0, 0, 0]
    assert counts(run_sweep(WARN)) == [1, 0, 0]
    assert counts(run_sweep(DUE - SECOND)) == [0, 0, 0]
    assert counts(run_sweep(DUE)) == [0, 1, 0]
    assert counts(run_sweep(LEVEL_2 - SECOND)) == [0, 0, 0]
    assert counts(run_sweep(LEVEL_2)) == [0, 0, 1]
    assert counts(run_sweep(LEVEL_3 - SECOND)) == [0, 0, 0]
    assert counts(run_sweep(LEVEL_3)) == [0, 0, 1]

    assert raised(deadline) == {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2), (ESCALATION, 3)}
    alert = Alert.objects.get(deadline=deadline, kind=WARNING)
    assert (alert.clock, alert.application, alert.unit) == (
        None,
        deadline.application,
        deadline.unit,
    )
    assert (alert.raised_at, alert.due_at) == (WARN, DUE)
    assert str(alert) == f"整改期限 {LABEL} 时限预警"


def test_a_rerun_raises_and_notifies_nothing_more(deadline):
    run_sweep(LEVEL_3)
    before = (Alert.objects.count(), Notification.objects.count(), EmailDelivery.objects.count())

    result = run_sweep(LEVEL_3 + timedelta(days=1))

    assert result.ok
    assert counts(result) == [0, 0, 0]
    assert result.counts["notify_alerts"] == 0
    assert (Alert.objects.count(), Notification.objects.count(), EmailDelivery.objects.count()) == (
        before
    )


def test_closed_deadlines_raise_nothing(app, deadline):
    deadlines.finish(app, at=local(2026, 10, 9, 10))
    other = deadlines.start(
        app, Deadline.Kind.COMPLAINT, key="complaint", label="投诉 TS-1", unit=app.unit,
        started_at=local(2026, 9, 30, 10), due_at=date(2026, 10, 9),
    )  # fmt: skip
    deadlines.cancel(app, key="complaint", at=local(2026, 10, 9, 11))

    run_sweep(LEVEL_3)

    assert Alert.objects.filter(deadline__in=[deadline, other]).count() == 0


def test_a_re_timed_deadline_is_judged_by_its_new_due(app, deadline, staff):
    run_sweep(DUE)
    assert raised(deadline) == {(WARNING, 0), (OVERDUE, 1)}

    # Extended on Mon 12 Oct to Fri 16 Oct: warned again from its 00:00, overdue after 24:00.
    deadlines.start(
        app,
        Deadline.Kind.RECTIFICATION,
        label=LABEL,
        unit=app.unit,
        responsible=staff["customer_manager"],
        started_at=local(2026, 10, 12, 9),
        due_at=date(2026, 10, 16),
        application=app,
    )
    assert counts(run_sweep(local(2026, 10, 15))) == [0, 0, 0]
    assert counts(run_sweep(local(2026, 10, 16))) == [1, 0, 0]
    assert counts(run_sweep(local(2026, 10, 17))) == [0, 1, 0]
    dues = Alert.objects.filter(deadline=deadline).values_list("kind", "due_at")
    assert sorted(dues) == sorted(
        [
            (WARNING, DUE),
            (OVERDUE, DUE),
            (WARNING, local(2026, 10, 17)),
            (OVERDUE, local(2026, 10, 17)),
        ]
    )


def test_notifications_reach_the_responsible_then_the_chain_by_unit(app, deadline, staff, unit):
    leader = make_staff("leader", role=roles.SUPERVISOR, unit=unit, full_name="中心主任")
    unit.leader = leader
    unit.save()
    cm, supervisor = staff["customer_manager"], staff["supervisor"]

    run_sweep(WARN)
    mine = Notification.objects.filter(alert__deadline=deadline)
    warning = mine.get(alert__kind=WARNING)
    assert warning.recipient == cm
    assert warning.title == f"时限预警：整改期限 {LABEL}"
    assert warning.body == (
        f"整改期限 {LABEL}（西湖供电服务中心）将于2026-10-11 00:00到期，请在到期前完成。"
    )
    # The subject is the application, whose admin page the notification opens.
    assert warning.link == reverse("admin:applications_application_change", args=[app.pk])

    run_sweep(DUE)
    overdue = mine.filter(alert__kind=OVERDUE)
    assert {n.recipient for n in overdue} == {cm, supervisor}
    assert overdue.first().body == (
        f"整改期限 {LABEL}（西湖供电服务中心）已于2026-10-11 00:00到期仍未完成，"
        "请立即办理并说明原因。"
    )

    run_sweep(LEVEL_2)
    escalation = mine.get(alert__kind=ESCALATION, alert__level=2)
    assert escalation.recipient == leader
    assert escalation.title == f"超期升级（2级）：整改期限 {LABEL}"


def test_a_subject_without_an_admin_page_links_to_the_deadline(unit, staff):
    # Any model can be a subject; a content type has no admin page of its own.
    subject = ContentType.objects.get_for_model(Deadline)
    deadline = deadlines.start(
        subject,
        Deadline.Kind.ACTION_ITEM,
        label="周例会：清理超期工单",
        unit=unit,
        responsible=staff["customer_manager"],
        started_at=local(2026, 9, 30, 10),
        due_at=date(2026, 10, 9),
    )

    run_sweep(local(2026, 10, 10))

    notifications = Notification.objects.filter(alert__deadline=deadline)
    assert {(n.kind, n.link) for n in notifications} == {
        (WARNING, reverse("admin:monitoring_deadline_change", args=[deadline.pk])),
        (OVERDUE, reverse("admin:monitoring_deadline_change", args=[deadline.pk])),
    }
    assert Alert.objects.filter(deadline=deadline, application=None).count() == 2


def test_stage_clock_and_deadline_alerts_are_notified_in_one_step(app, deadline, walker):
    walker.step(app, local(2026, 9, 28, 10))  # the scheme clock: due 24:00 Thu 8 Oct

    result = run_sweep(DUE)

    assert result.ok
    scheme = Notification.objects.filter(alert__clock__stage="scheme", recipient__username="cm")
    assert set(scheme.values_list("title", flat=True)) == {
        f"时限预警：{app.number} 勘查及方案答复",
        f"超期告警：{app.number} 勘查及方案答复",
    }
    assert Notification.objects.filter(alert__deadline=deadline).count() == 3  # cm; cm + sup.


# --- In the admin -----------------------------------------------------------------------------


def test_a_deadline_alert_reads_well_in_the_inbox_and_the_admin(client, app, deadline, staff):
    run_sweep(DUE)
    alert = Alert.objects.get(deadline=deadline, kind=OVERDUE)
    notification = Notification.objects.get(alert=alert, recipient=staff["customer_manager"])
    application_page = reverse("admin:applications_application_change", args=[app.pk])

    client.force_login(staff["customer_manager"])
    inbox = client.get(reverse("admin:monitoring_notification_changelist"))
    assert inbox.status_code == 200
    assert f"超期告警：整改期限 {LABEL}" in inbox.content.decode()
    opened = client.get(reverse("admin:monitoring_notification_open", args=[notification.pk]))
    assert (opened.status_code, opened.url) == (302, application_page)

    client.force_login(staff["supervisor"])
    alerts_page = client.get(reverse("admin:monitoring_alert_changelist"), {"source": "deadline"})
    assert alerts_page.status_code == 200
    page = alerts_page.content.decode()
    assert f'<a href="{application_page}">整改期限 {LABEL}</a>' in page
    assert "勘查及方案答复" not in page  # the application's own clock alerts are filtered out
    change = client.get(reverse("admin:monitoring_alert_change", args=[alert.pk]))
    assert change.status_code == 200


def test_the_deadline_list_is_scoped_to_the_unit_and_filters_overdue_now(
    client, app, deadline, staff, other_unit
):
    elsewhere = deadlines.start(
        other_unit, Deadline.Kind.SUPERVISION_ITEM, label="督办：余杭积压工单", unit=other_unit,
        started_at=local(2026, 9, 30, 10), due_at=date(2026, 10, 9),
    )  # fmt: skip
    url = reverse("admin:monitoring_deadline_changelist")

    client.force_login(staff["customer_manager"])
    page = client.get(url).content.decode()
    assert LABEL in page and elsewhere.label not in page
    change = "admin:monitoring_deadline_change"
    assert client.get(reverse(change, args=[elsewhere.pk])).status_code == 302  # not found
    assert client.get(reverse(change, args=[deadline.pk])).status_code == 200

    client.force_login(staff["supervisor"])  # sees every unit
    overdue = client.get(url, {"now_status": "overdue", "q": "督办"}).content.decode()
    assert elsewhere.label in overdue and LABEL not in overdue


def test_the_application_page_shows_its_deadlines(client, app, deadline, staff):
    client.force_login(staff["customer_manager"])
    page = client.get(reverse("admin:applications_application_change", args=[app.pk]))

    assert page.status_code == 200
    assert f"整改期限 {LABEL}" in page.content.decode()

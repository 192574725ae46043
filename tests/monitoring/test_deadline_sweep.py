"""The sweep warns, alerts and escalates deadlines (事项时限) like stage clocks, once each.

A rectification started Wed 30 Sep 2026 10:00 with 3 working days: Thu 8, Fri 9, Sat 10 Oct
(make-up) → due 24:00 Sat 10 Oct (stored as Sun 11 Oct 00:00), warned from 00:00 Sat 10 Oct.
Overdue by 2 working days (Mon 12, Tue 13) → level 2 from 00:00 Wed 14 Oct; by 5 (Wed 14,
Thu 15, Fri 16) → level 3 from 00:00 Sat 17 Oct.
"""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from applications import roles
from applications.demo import make_staff
from monitoring import deadlines, emails, sweep
from monitoring.models import Alert, Deadline, DeadlineEscalationStep, EmailDelivery, Notification
from monitoring.models.policy import LimitUnit
from monitoring.sweep import run_sweep

from .sweeping import ESCALATION, OVERDUE, WARNING, concurrent_sweeps, local

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


def test_notifications_reach_the_responsible_then_the_chain_by_unit(
    app, deadline, staff, unit, settings
):
    settings.YEKUO_SITE_URL = "https://yekuo.example.com"
    leader = make_staff("leader", role=roles.SUPERVISOR, unit=unit, full_name="中心主任")
    unit.leader = leader
    unit.save()
    cm, supervisor = staff["customer_manager"], staff["supervisor"]
    cm.email = "cm@example.com"
    cm.save()

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
    email = emails.message(warning.email)
    assert (email.to, email.subject) == (["cm@example.com"], warning.title)
    assert email.body == (
        f"{warning.body}\n\n到期时间：2026-10-11 00:00\n\nhttps://yekuo.example.com{warning.link}"
    )

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


def test_a_deadline_nobody_holds_warns_the_units_leader(app, unit):
    leader = make_staff("leader", role=roles.SUPERVISOR, unit=unit, full_name="中心主任")
    unit.leader = leader
    unit.save()
    unheld = deadlines.start(
        app,
        Deadline.Kind.COMPLAINT,
        label="投诉 TS-1",
        unit=unit,
        started_at=local(2026, 9, 30, 10),
        limit=(3, LimitUnit.WORKING_DAYS),
    )

    run_sweep(DUE)

    assert {
        (n.alert.kind, n.recipient) for n in Notification.objects.filter(alert__deadline=unheld)
    } == {(WARNING, leader), (OVERDUE, leader)}


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


def test_the_deadlines_escalation_steps_are_their_own_and_editable(deadline):
    steps = DeadlineEscalationStep.objects.values_list("level", "overdue_working_days", "target")
    assert list(steps) == [(1, 0, "responsible"), (2, 2, "unit_leader"), (3, 5, "marketing")]
    # Escalate to the leader after 1 working day (Mon 12 Oct) instead of 2.
    DeadlineEscalationStep.objects.filter(level=2).update(overdue_working_days=1)

    assert counts(run_sweep(local(2026, 10, 13) - SECOND)) == [1, 1, 0]
    assert counts(run_sweep(local(2026, 10, 13))) == [0, 0, 1]


def test_a_failing_step_is_made_up_by_the_next_sweep(deadline, monkeypatch):
    def raise_deadline_overdue(now):
        raise RuntimeError("database hiccup")

    steps = [
        raise_deadline_overdue if s is sweep.raise_deadline_overdue else s
        for s in sweep.SWEEP_STEPS
    ]
    monkeypatch.setattr(sweep, "SWEEP_STEPS", steps)
    result = run_sweep(LEVEL_3)
    assert result.failed == {"raise_deadline_overdue": "RuntimeError: database hiccup"}
    assert raised(deadline) == {(WARNING, 0), (ESCALATION, 2), (ESCALATION, 3)}

    monkeypatch.undo()
    assert counts(run_sweep(LEVEL_3)) == [0, 1, 0]
    assert Alert.objects.get(deadline=deadline, kind=OVERDUE).notifications.count() == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_raise_and_notify_each_deadline_once(unit, staff):
    cm = staff["customer_manager"]
    cm.email = "cm@example.com"
    cm.save()
    unit.leader = make_staff("leader", role=None, unit=unit, full_name="单位负责人")
    unit.save()
    for day in range(8):  # due 24:00 Mon 21 Sep … Mon 28 Sep: fully escalated by Sat 17 Oct
        with transaction.atomic():  # as every caller does (the services lock the open row)
            deadlines.start(
                unit, Deadline.Kind.SUPERVISION_ITEM, key=f"item-{day}", label=f"督办事项{day}",
                unit=unit, responsible=cm, started_at=local(2026, 9, 1, 9),
                due_at=date(2026, 9, 21 + day),
            )  # fmt: skip

    results = concurrent_sweeps([LEVEL_3 + SECOND * (i % 2) for i in range(4)])

    assert sum(sum(counts(result)) for result in results) == 8 * 4
    assert Alert.objects.filter(deadline__isnull=False).count() == 8 * 4
    # Warning → cm; overdue → cm, supervisor; level 2 → leader; level 3: no marketing staff.
    assert sum(result.counts["notify_alerts"] for result in results) == 8 * 4
    assert Notification.objects.count() == 8 * 4
    assert EmailDelivery.objects.count() == 8 * 2
    assert counts(run_sweep(LEVEL_3)) == [0, 0, 0]


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


def test_supervisors_edit_the_deadlines_escalation_steps_apart_from_the_policies(client, staff):
    client.force_login(staff["supervisor"])
    page = client.get(reverse("admin:monitoring_deadlineescalationstep_changelist"))

    assert page.status_code == 200
    assert page.context["cl"].result_count == 3  # the policy-less steps only
    client.force_login(staff["customer_manager"])
    assert (
        client.get(reverse("admin:monitoring_deadlineescalationstep_changelist")).status_code == 403
    )


def test_the_demo_deadlines_load_once(make_app, unit):
    for serial in range(6):
        make_app("lv_business", at=local(2026, 11, 2 + serial, 9))
    out = StringIO()

    call_command("load_demo_deadlines", count=6, stdout=out)
    call_command("load_demo_deadlines", count=6, stdout=out)

    assert Deadline.objects.count() == 6
    assert out.getvalue().splitlines() == [
        "已生成 6 条事项时限。",
        "演示事项时限已存在，未重复载入。",
    ]

"""Callbacks (回访): created on the right working day, retried, and flagging 线外流转.

Dates are counted by hand from the State Council arrangement for 2026: Spring Festival 15–23 Feb
off, Sat 14 Feb a make-up workday. A callback "due the 13th" is due at 24:00 on the 13th, shown
as the 14th's 00:00 in Shanghai.
"""

import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from applications import roles
from applications.demo import make_staff
from applications.services.errors import TransitionRefused
from applications.services.lifecycle import perform_transition
from applications.states import State
from monitoring.callbacks import create_due_date_callbacks, record_outcome
from monitoring.models import Callback, CustomerStep, StageClock
from monitoring.signals import off_system_suspected
from monitoring.sweep import run_sweep
from tests.applications.test_concurrency import TIMEOUT, wait_until_blocked_on_a_lock

S, Kind, Status = State, Callback.Kind, Callback.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def callback_of(app, kind):
    return Callback.objects.get(application=app, kind=kind)


def scheme_clock(app):
    return StageClock.objects.get(application=app, stage=S.SCHEME, scheme_approval__isnull=True)


@pytest.fixture
def suspicions():
    """Every `off_system_suspected` sent during the test, as the kwargs it carried."""
    sent = []

    def listen(sender, **kwargs):
        sent.append(kwargs)

    off_system_suspected.connect(listen, dispatch_uid="test.suspicions")
    yield sent
    off_system_suspected.disconnect(dispatch_uid="test.suspicions")


@pytest.fixture
def in_scheme(make_app, walker):
    """A low-voltage business application in its scheme stage from Thu 12 Feb 15:00, due
    24:00 Tue 24 Feb (3 working days: Fri 13, Sat 14 make-up, Tue 24)."""
    app = make_app("lv_business", at=local(2026, 2, 12, 9))
    return walker.step(app, local(2026, 2, 12, 15))


# --- Created at the right working day ---------------------------------------------------------


def test_first_callback_is_due_the_same_working_day(make_app, staff, unit):
    app = make_app("lv_resident", at=local(2026, 2, 13, 10))  # Friday

    callback = callback_of(app, Kind.FIRST)
    assert callback.due_at == local(2026, 2, 14)  # 24:00 on Fri 13
    assert callback.try_at_text() == "2026-02-13 24:00"
    assert (callback.status, callback.attempts, callback.unit) == (Status.PENDING, 0, unit)
    # The customer manager's own work is being checked: their supervisor calls.
    assert callback.assigned_to == staff["supervisor"]


def test_first_callback_of_a_holiday_acceptance_is_due_the_next_working_day(make_app):
    app = make_app("lv_resident", at=local(2026, 2, 15, 10))  # Sunday, Spring Festival

    assert callback_of(app, Kind.FIRST).due_at == local(2026, 2, 25)  # 24:00 on Tue 24


def test_first_callback_may_be_allowed_a_working_day_more(make_app, settings):
    settings.YEKUO_FIRST_CALLBACK_WORKING_DAYS = 1
    app = make_app("lv_resident", at=local(2026, 2, 13, 10))

    assert callback_of(app, Kind.FIRST).due_at == local(2026, 2, 15)  # Sat 14 is a workday


def test_callbacks_fall_to_the_customer_manager_without_a_supervisor(make_app, unit):
    lone = make_staff("cm2", role=roles.CUSTOMER_MANAGER, unit=unit, full_name="客户经理乙")
    app = make_app("lv_resident", customer_manager=lone, at=local(2026, 2, 13, 10))

    assert callback_of(app, Kind.FIRST).assigned_to == lone


def test_a_callback_made_before_a_customer_manager_is_named_gets_one(make_app, walker, staff):
    app = make_app("lv_resident", customer_manager=None, at=local(2026, 2, 13, 10))
    assert callback_of(app, Kind.FIRST).assigned_to is None

    app.customer_manager = staff["customer_manager"]
    app.save(update_fields=["customer_manager"])
    walker.step(app, local(2026, 2, 13, 11))

    assert callback_of(app, Kind.FIRST).assigned_to == staff["supervisor"]


def test_due_date_callback_is_created_on_the_due_day_not_before(in_scheme, staff, unit):
    clock = scheme_clock(in_scheme)
    assert clock.due_at == local(2026, 2, 25)

    assert create_due_date_callbacks(local(2026, 2, 23, 23, 59)) == 0
    assert create_due_date_callbacks(local(2026, 2, 24, 0, 5)) == 1

    callback = callback_of(in_scheme, Kind.DUE_DATE)
    assert (callback.clock, callback.due_at, callback.status) == (clock, clock.due_at, "pending")
    assert (callback.unit, callback.assigned_to) == (unit, staff["supervisor"])
    assert (callback.attempts, callback.comments, callback.suspected_off_system) == (0, "", False)


def test_due_date_step_run_twice_creates_one_callback(in_scheme):
    now = local(2026, 2, 24, 8)
    assert create_due_date_callbacks(now) == 1
    assert create_due_date_callbacks(now) == 0
    assert create_due_date_callbacks(now + timedelta(days=3)) == 0  # after downtime, still once

    assert Callback.objects.filter(application=in_scheme, kind=Kind.DUE_DATE).count() == 1


def test_the_sweep_runs_the_due_date_step(in_scheme):
    result = run_sweep(local(2026, 2, 24, 0, 5))

    assert result.ok and result.counts["create_due_date_callbacks"] == 1
    assert run_sweep(local(2026, 2, 24, 0, 10)).counts["create_due_date_callbacks"] == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_create_one_callback(in_scheme):
    now, holding, release, created = local(2026, 2, 24, 8), threading.Event(), threading.Event(), {}

    def sweep(name, hold):
        try:
            with transaction.atomic():
                created[name] = create_due_date_callbacks(now)
                if hold:  # keep the first insert uncommitted while the second one runs
                    holding.set()
                    assert release.wait(TIMEOUT)
        finally:
            connection.close()

    first = threading.Thread(target=sweep, args=("first", True), daemon=True)
    first.start()
    assert holding.wait(TIMEOUT)
    second = threading.Thread(target=sweep, args=("second", False), daemon=True)
    second.start()
    try:
        wait_until_blocked_on_a_lock()  # the second waits on the unique index, not skipping it
    finally:
        release.set()
        first.join(TIMEOUT)
        second.join(TIMEOUT)

    assert created == {"first": 1, "second": 0}
    assert Callback.objects.filter(application=in_scheme, kind=Kind.DUE_DATE).count() == 1


def test_a_sweep_after_downtime_creates_what_became_due(in_scheme):
    assert create_due_date_callbacks(local(2026, 3, 2, 8)) == 1
    assert callback_of(in_scheme, Kind.DUE_DATE).due_at == local(2026, 2, 25)


def test_no_due_date_callback_for_a_paused_clock(in_scheme, staff):
    perform_transition(
        application=in_scheme,
        name="suspend",
        user=staff["customer_manager"],
        at=local(2026, 2, 13, 10),
        comment="客户申请暂缓",
        reason="customer_request",
    )

    assert create_due_date_callbacks(local(2026, 2, 24, 8)) == 0


def test_no_due_date_callback_for_a_closed_clock(in_scheme, walker):
    app = walker.step(in_scheme, local(2026, 2, 13, 10))  # scheme replied early
    assert app.state == S.CUSTOMER_COMPLETION

    assert create_due_date_callbacks(local(2026, 2, 24, 8)) == 0

    assert not Callback.objects.filter(clock=scheme_clock(app)).exists()


def test_no_due_date_callback_for_the_24_hour_acceptance(make_app):
    app = make_app("lv_business", at=local(2026, 2, 12, 9))  # due 13 Feb 09:00, in hours

    assert create_due_date_callbacks(local(2026, 2, 20, 8)) == 0
    assert not Callback.objects.filter(application=app, kind=Kind.DUE_DATE).exists()


def test_leaving_the_stage_cancels_its_due_date_callback(in_scheme, walker):
    create_due_date_callbacks(local(2026, 2, 24, 8))

    walker.step(in_scheme, local(2026, 2, 24, 10))

    callback = callback_of(in_scheme, Kind.DUE_DATE)
    assert (callback.status, callback.closed_at) == (Status.CANCELLED, local(2026, 2, 24, 10))
    assert callback.cancel_reason == "回访前已离开该环节"
    assert callback_of(in_scheme, Kind.FIRST).status == Status.PENDING


def test_satisfaction_callback_after_energization(make_app, walker):
    app = make_app("lv_resident", at=local(2026, 3, 5, 9))
    app = walker.walk(app, until=S.ENERGIZE, start=app.accepted_at, gap=timedelta(hours=4))
    assert not Callback.objects.filter(application=app, kind=Kind.SATISFACTION).exists()

    app = walker.step(app, local(2026, 3, 6, 15))  # energized Friday
    assert app.state == S.ARCHIVE

    callback = callback_of(app, Kind.SATISFACTION)
    assert callback.due_at == local(2026, 3, 10)  # 24:00 on Monday 9 March
    walker.step(app, local(2026, 3, 9, 10))  # archived: still one satisfaction callback
    assert Callback.objects.filter(application=app, kind=Kind.SATISFACTION).count() == 1


def test_cancelling_the_application_cancels_pending_callbacks(in_scheme, staff):
    create_due_date_callbacks(local(2026, 2, 24, 8))
    first = callback_of(in_scheme, Kind.FIRST)
    record_outcome(first, staff["supervisor"], reached=True, customer_confirmed_applied=True)

    perform_transition(
        application=in_scheme,
        name="cancel",
        user=staff["supervisor"],
        at=local(2026, 2, 24, 11),
        comment="客户撤回申请",
    )

    due = callback_of(in_scheme, Kind.DUE_DATE)
    assert (due.status, due.cancel_reason) == (Status.CANCELLED, "申请已撤销")
    assert callback_of(in_scheme, Kind.FIRST).status == Status.REACHED


# --- Unreached customers ----------------------------------------------------------------------


def test_unreached_customer_is_retried_next_working_day_then_unreachable(make_app, staff):
    app = make_app("lv_resident", at=local(2026, 2, 13, 9))
    callback, caller = callback_of(app, Kind.FIRST), staff["supervisor"]

    callback = record_outcome(callback, caller, reached=False, at=local(2026, 2, 13, 15))
    assert (callback.status, callback.attempts) == (Status.UNREACHED, 1)
    assert callback.next_try_at == local(2026, 2, 14, 9)  # Sat 14: a make-up workday
    assert callback.try_at_text() == "2026-02-14 09:00"

    callback = record_outcome(callback, caller, reached=False, at=local(2026, 2, 14, 9, 30))
    assert callback.next_try_at == local(2026, 2, 24, 9)  # after the Spring Festival

    callback = record_outcome(callback, caller, reached=False, at=local(2026, 2, 24, 9, 10))
    assert (callback.status, callback.attempts) == (Status.UNREACHABLE, 3)
    assert (callback.next_try_at, callback.closed_at) == (None, local(2026, 2, 24, 9, 10))

    with pytest.raises(TransitionRefused, match="无法联系"):
        record_outcome(callback, caller, reached=False)


# --- Progress compared with the system --------------------------------------------------------


def test_customer_further_than_the_system_is_flagged(in_scheme, staff, suspicions):
    create_due_date_callbacks(local(2026, 2, 24, 8))
    callback = callback_of(in_scheme, Kind.DUE_DATE)

    callback = record_outcome(
        callback,
        staff["supervisor"],
        reached=True,
        at=local(2026, 2, 24, 10),
        customer_reported_step=CustomerStep.ENERGIZE,
        satisfaction=4,
    )

    assert callback.status == Status.REACHED and callback.reached_at == local(2026, 2, 24, 10)
    assert (callback.system_state, callback.system_step) == (S.SCHEME, CustomerStep.SCHEME)
    assert callback.progress_matches is False and callback.suspected_off_system
    assert (
        callback.suspicion_reason == "客户反映现场已到“⑤ 投运送电”，系统仍在“② 供电方案确定及答复”"
    )
    (sent,) = suspicions
    assert (sent["callback"], sent["application"]) == (callback, in_scheme)
    assert sent["reasons"] == [callback.suspicion_reason]
    assert sent["actor"] == staff["supervisor"]


def test_work_without_an_application_is_flagged(make_app, staff, suspicions):
    app = make_app("lv_business", at=local(2026, 2, 13, 9))

    callback = record_outcome(
        callback_of(app, Kind.FIRST),
        staff["supervisor"],
        reached=True,
        customer_confirmed_applied=True,
        customer_reported_step=CustomerStep.NO_APPLICATION,
    )

    assert callback.suspected_off_system
    assert callback.suspicion_reason == "客户反映未办理申请即已开工"
    assert len(suspicions) == 1


def test_an_off_record_request_is_flagged(make_app, staff, suspicions):
    app = make_app("lv_business", at=local(2026, 2, 13, 9))

    callback = record_outcome(
        callback_of(app, Kind.FIRST),
        staff["supervisor"],
        reached=True,
        customer_confirmed_applied=True,
        off_record_request=True,
        off_record_detail="要求找指定施工队",
    )

    assert callback.suspected_off_system and callback.progress_matches is None
    assert callback.suspicion_reason == "客户反映有线外要求：要求找指定施工队"
    assert suspicions[0]["reasons"] == ["客户反映有线外要求：要求找指定施工队"]


def test_matching_progress_is_not_flagged(in_scheme, staff, suspicions):
    create_due_date_callbacks(local(2026, 2, 24, 8))

    callback = record_outcome(
        callback_of(in_scheme, Kind.DUE_DATE),
        staff["supervisor"],
        reached=True,
        customer_reported_step=CustomerStep.SCHEME,
        comments="方案已收到",
    )

    assert callback.progress_matches is True and not callback.suspected_off_system
    assert (callback.suspicion_reason, callback.comments) == ("", "方案已收到")
    assert suspicions == []


def test_a_customer_behind_the_system_is_a_mismatch_but_not_off_system(in_scheme, staff):
    create_due_date_callbacks(local(2026, 2, 24, 8))

    callback = record_outcome(
        callback_of(in_scheme, Kind.DUE_DATE),
        staff["supervisor"],
        reached=True,
        customer_reported_step=CustomerStep.ACCEPT,
    )

    assert callback.progress_matches is False and not callback.suspected_off_system


def test_work_going_on_during_a_suspension_is_flagged(in_scheme, staff, suspicions):
    create_due_date_callbacks(local(2026, 2, 24, 8))
    app = perform_transition(
        application=in_scheme,
        name="suspend",
        user=staff["customer_manager"],
        at=local(2026, 2, 24, 9),
        comment="等待客户设备",
        reason="customer_equipment",
    )

    callback = record_outcome(
        callback_of(app, Kind.DUE_DATE),
        staff["supervisor"],
        reached=True,
        customer_reported_step=CustomerStep.DESIGN_CHECK,
    )

    assert callback.system_state == S.SUSPENDED and callback.system_step == CustomerStep.SCHEME
    assert callback.suspected_off_system and len(suspicions) == 1


def test_energized_customer_agrees_with_an_archiving_application(make_app, walker, staff):
    app = make_app("lv_resident", at=local(2026, 3, 5, 9))
    app = walker.walk(app, until=S.ARCHIVE, start=app.accepted_at, gap=timedelta(hours=4))

    callback = record_outcome(
        callback_of(app, Kind.SATISFACTION),
        staff["supervisor"],
        reached=True,
        customer_reported_step=CustomerStep.ENERGIZED,
        satisfaction=5,
    )

    assert callback.progress_matches is True and not callback.suspected_off_system
    assert callback.satisfaction == 5


# --- Who may record, and what ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "reason"),
    [
        ("inspector", "您没有“登记回访结果”的权限。"),
        ("front_desk", "您没有“登记回访结果”的权限。"),
        ("customer_manager", "您是该申请的客户经理，回访核实的正是您经办的工作，应由主管甲回访。"),
    ],
)
def test_who_may_not_record(make_app, staff, role, reason):
    callback = callback_of(make_app("lv_resident"), Kind.FIRST)

    with pytest.raises(TransitionRefused) as refused:
        record_outcome(callback, staff[role], reached=False)

    assert refused.value.reasons == [reason]
    assert Callback.objects.get(pk=callback.pk).attempts == 0


def test_staff_of_another_unit_may_not_record(make_app, other_unit):
    outsider = make_staff("cm_yuhang", role=roles.CUSTOMER_MANAGER, unit=other_unit)
    callback = callback_of(make_app("lv_resident"), Kind.FIRST)

    with pytest.raises(
        TransitionRefused, match="该申请属于西湖供电服务中心，您只能办理本单位的业务"
    ):
        record_outcome(callback, outsider, reached=False)


def test_a_customer_manager_records_callbacks_assigned_to_them(make_app, unit, staff):
    lone = make_staff("cm2", role=roles.CUSTOMER_MANAGER, unit=unit, full_name="客户经理乙")
    other_app = make_app("lv_resident", customer_manager=lone)  # no supervisor: lone calls
    callback = callback_of(other_app, Kind.FIRST)

    callback = record_outcome(callback, lone, reached=True, customer_confirmed_applied=True)

    assert (callback.status, callback.recorded_by) == (Status.REACHED, lone)


@pytest.mark.parametrize(
    ("kind_answers", "reason"),
    [
        ({"satisfaction": 6}, "满意度须为1至5分（5分最满意）。"),
        ({"satisfaction": 0}, "满意度须为1至5分（5分最满意）。"),
        ({}, "受理回访须记录客户是否确认本人以此方式申请。"),
        (
            {"customer_confirmed_applied": True, "off_record_request": True},
            "请说明客户反映的线外要求。",
        ),
    ],
)
def test_wrong_answers_are_refused(make_app, staff, kind_answers, reason):
    callback = callback_of(make_app("lv_resident"), Kind.FIRST)

    with pytest.raises(TransitionRefused) as refused:
        record_outcome(callback, staff["supervisor"], reached=True, **kind_answers)

    assert reason in refused.value.reasons


def test_a_due_date_callback_needs_the_reported_progress(in_scheme, staff):
    create_due_date_callbacks(local(2026, 2, 24, 8))

    with pytest.raises(TransitionRefused, match="到期日回访须记录客户反映的现场进度"):
        record_outcome(callback_of(in_scheme, Kind.DUE_DATE), staff["supervisor"], reached=True)


# --- Admin ------------------------------------------------------------------------------------


def _due_on(callback, day):
    Callback.objects.filter(pk=callback.pk).update(
        due_at=datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=SHANGHAI)
    )


@pytest.fixture
def three_callbacks(make_app):
    """First callbacks due yesterday, today and tomorrow (relative to the real today)."""
    today = timezone.localdate()
    apps = {}
    for name, offset in [("yesterday", -1), ("today", 0), ("tomorrow", 1)]:
        app = make_app("lv_resident")
        _due_on(callback_of(app, Kind.FIRST), today + timedelta(days=offset))
        apps[name] = app
    return apps


def changelist(client, **params):
    return client.get(reverse("admin:monitoring_callback_changelist"), params)


def test_callers_start_from_their_callbacks_due_today_or_earlier(client, staff, three_callbacks):
    client.force_login(staff["supervisor"])

    page = changelist(client)

    assert page.status_code == 200 and "我的今日回访" in page.text
    assert three_callbacks["yesterday"].number in page.text
    assert three_callbacks["today"].number in page.text
    assert three_callbacks["tomorrow"].number not in page.text
    everything = changelist(client, todo="all", assignee="all").text
    assert all(app.number in everything for app in three_callbacks.values())


@pytest.mark.parametrize(
    ("todo", "shown"),
    [("today", {"today"}), ("overdue", {"yesterday"}), ("due", {"yesterday", "today"})],
)
def test_the_today_filter(client, staff, three_callbacks, todo, shown):
    client.force_login(staff["inspector"])

    page = changelist(client, todo=todo)

    assert page.status_code == 200
    assert {name for name, app in three_callbacks.items() if app.number in page.text} == shown


def test_a_retry_is_to_do_on_its_day(client, staff, three_callbacks):
    callback = callback_of(three_callbacks["tomorrow"], Kind.FIRST)
    Callback.objects.filter(pk=callback.pk).update(
        status=Status.UNREACHED,
        attempts=1,
        next_try_at=datetime.combine(timezone.localdate(), time(9), tzinfo=SHANGHAI),
    )
    client.force_login(staff["supervisor"])

    assert three_callbacks["tomorrow"].number in changelist(client, todo="today").text


def test_inspectors_see_every_callback_and_cannot_record(client, staff, three_callbacks):
    client.force_login(staff["inspector"])
    callback = callback_of(three_callbacks["today"], Kind.FIRST)

    page = changelist(client)
    assert "我的今日回访" not in page.text
    assert all(app.number in page.text for app in three_callbacks.values())
    change = client.get(reverse("admin:monitoring_callback_change", args=[callback.pk]))
    assert change.status_code == 200 and "登记回访结果" not in change.text
    record = client.get(reverse("admin:monitoring_callback_record", args=[callback.pk]))
    assert "您没有“登记回访结果”的权限。" in record.text and 'name="reached"' not in record.text


def test_other_units_callbacks_are_not_found(client, make_app, other_unit):
    outsider = make_staff("cm_yuhang", role=roles.CUSTOMER_MANAGER, unit=other_unit)
    callback = callback_of(make_app("lv_resident"), Kind.FIRST)
    client.force_login(outsider)

    assert callback.application.number not in changelist(client, todo="all", assignee="all").text
    page = client.get(reverse("admin:monitoring_callback_record", args=[callback.pk]))
    assert page.status_code == 404


def test_record_page_shows_the_phone_and_step_and_records(client, staff, in_scheme, suspicions):
    create_due_date_callbacks(local(2026, 2, 24, 8))
    callback = callback_of(in_scheme, Kind.DUE_DATE)
    url = reverse("admin:monitoring_callback_record", args=[callback.pk])
    client.force_login(staff["supervisor"])

    page = client.get(url)
    assert page.status_code == 200
    assert in_scheme.customer.phone in page.text and "② 供电方案确定及答复" in page.text

    response = client.post(
        url,
        {
            "reached": "1",
            "customer_confirmed_applied": "unknown",
            "customer_reported_step": "energize",
            "satisfaction": "3",
            "comments": "电表已装",
        },
    )

    assert response.status_code == 302
    callback.refresh_from_db()
    assert (callback.status, callback.satisfaction, callback.suspected_off_system) == (
        Status.REACHED,
        3,
        True,
    )
    assert len(suspicions) == 1
    assert "疑似线外流转" in client.get(response.url).text


def test_record_page_shows_the_service_refusal(client, staff, make_app):
    callback = callback_of(make_app("lv_resident"), Kind.FIRST)
    client.force_login(staff["supervisor"])

    page = client.post(
        reverse("admin:monitoring_callback_record", args=[callback.pk]), {"reached": "1"}
    )

    assert page.status_code == 200
    assert "受理回访须记录客户是否确认本人以此方式申请。" in page.text


def test_application_page_lists_its_callbacks_and_flags(client, staff, make_app):
    app = make_app("lv_business")
    record_outcome(
        callback_of(app, Kind.FIRST),
        staff["supervisor"],
        reached=True,
        customer_confirmed_applied=True,
        off_record_request=True,
        off_record_detail="要求购买指定电表箱",
    )
    client.force_login(staff["customer_manager"])

    page = client.get(reverse("admin:applications_application_change", args=[app.pk]))

    assert page.status_code == 200
    assert "受理回访" in page.text and "已回访" in page.text
    assert "疑似线外流转：客户反映有线外要求：要求购买指定电表箱" in page.text


@pytest.mark.parametrize("role", ["customer_manager", "supervisor", "inspector"])
def test_callback_pages_render_for_each_role(client, staff, make_app, role):
    callback = callback_of(make_app("lv_resident"), Kind.FIRST)
    client.force_login(staff[role])

    for url in [
        reverse("admin:monitoring_callback_changelist"),
        reverse("admin:monitoring_callback_change", args=[callback.pk]),
        reverse("admin:monitoring_callback_record", args=[callback.pk]),
    ]:
        assert client.get(url).status_code == 200, url

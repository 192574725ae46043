"""Stage clocks follow the lifecycle: due dates, pauses, returns, outcomes, approvals.

Dates are counted by hand from the State Council arrangements for 2026:
- Spring Festival: 15–23 Feb off; Sat 14 Feb is a make-up workday.
- National Day: 1–7 Oct off; Sat 10 Oct is a make-up workday (Sun 11 Oct is off).
Day limits end at 24:00 of the N-th working day after the start day, shown as the next day's
00:00 in Shanghai.
"""

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry

from applications.models import SupplyScheme, SurveyRecord
from applications.services.approvals import decide_approval, submit_scheme
from applications.services.lifecycle import perform_transition
from applications.states import State
from monitoring.clocks import process_elapsed_working_days
from monitoring.models import ClockPause, StageClock, TimeLimitPolicy

S = State
OPEN, MET, BREACHED = StageClock.Outcome.OPEN, StageClock.Outcome.MET, StageClock.Outcome.BREACHED
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def stage_clocks(app):
    return list(StageClock.objects.filter(application=app, scheme_approval__isnull=True))


def clock_of(app, stage):
    return StageClock.objects.get(application=app, stage=stage, scheme_approval__isnull=True)


def suspend(app, user, at):
    return perform_transition(
        application=app,
        name="suspend",
        user=user,
        at=at,
        comment="客户申请暂缓",
        reason="customer_request",
    )


def resume(app, user, at):
    return perform_transition(application=app, name="resume", user=user, at=at)


def test_acceptance_clock_runs_24_calendar_hours(make_app, staff, unit):
    app = make_app("lv_resident", at=local(2026, 3, 2, 9))

    (clock,) = stage_clocks(app)
    assert clock.stage == S.ACCEPT and clock.outcome == OPEN
    assert clock.limit_display() == "24小时"
    assert clock.due_at == local(2026, 3, 3, 9)
    assert clock.warn_at == local(2026, 3, 3, 3)  # shipped warning: the last 25%, 6 hours
    assert clock.responsible == staff["customer_manager"]
    assert (clock.unit, clock.customer_class) == (unit, "lv_resident")
    assert clock.policy.effective_from.isoformat() == "2024-01-01"


def test_scheme_clock_is_due_across_the_spring_festival(make_app, walker):
    # Thu 12 Feb + 3: Fri 13 (1), Sat 14 make-up (2), 15–23 off, Tue 24 (3) → 24:00 on the 24th.
    app = make_app("lv_business", at=local(2026, 2, 12, 9))
    app = walker.step(app, local(2026, 2, 12, 15))

    accept = clock_of(app, S.ACCEPT)
    assert (accept.outcome, accept.stopped_at, accept.elapsed_working_days) == (
        MET,
        local(2026, 2, 12, 15),
        0,
    )
    scheme = clock_of(app, S.SCHEME)
    assert scheme.started_at == local(2026, 2, 12, 15)
    assert scheme.due_at == local(2026, 2, 25)
    assert scheme.warn_at == local(2026, 2, 24)  # 1 working day before: the due day's start


def test_suspension_over_national_day_moves_due_by_the_paused_working_days(make_app, walker, staff):
    cm = staff["customer_manager"]
    app = make_app("lv_business", at=local(2026, 9, 28, 9))
    app = walker.step(app, local(2026, 9, 28, 10))
    clock = clock_of(app, S.SCHEME)
    # Mon 28 Sep + 3: Tue 29 (1), Wed 30 (2), 1–7 Oct off, Thu 8 Oct (3).
    assert (clock.due_at, clock.warn_at) == (local(2026, 10, 9), local(2026, 10, 8))

    app = suspend(app, cm, local(2026, 9, 30, 11))
    clock.refresh_from_db()
    assert clock.paused_at == local(2026, 9, 30, 11)
    pause = ClockPause.objects.get(clock=clock)
    assert (pause.resumed_at, pause.reason) == (None, "customer_request")

    app = resume(app, cm, local(2026, 10, 9, 10))
    clock.refresh_from_db()
    # Paused: working days after Wed 30 Sep up to Fri 9 Oct = Thu 8, Fri 9 = 2.
    pause.refresh_from_db()
    assert (pause.resumed_at, pause.paused_working_days) == (local(2026, 10, 9, 10), 2)
    assert clock.paused_at is None and clock.paused_working_days == 2
    # 3 + 2 = 5: Thu 8 Oct (3), Fri 9 (4), Sat 10 make-up (5) → 24:00 on Sat 10 Oct.
    assert (clock.due_at, clock.warn_at) == (local(2026, 10, 11), local(2026, 10, 10))

    walker.step(app, local(2026, 10, 10, 15))
    clock.refresh_from_db()
    # Working days after 28 Sep up to 10 Oct: 29, 30 Sep, 8, 9, 10 Oct = 5, less 2 paused.
    assert (clock.outcome, clock.elapsed_working_days) == (MET, 3)


def test_same_day_suspend_and_resume_moves_nothing(make_app, walker, staff):
    cm = staff["customer_manager"]
    app = make_app("lv_business", at=local(2026, 9, 28, 9))
    app = walker.step(app, local(2026, 9, 28, 10))
    before = clock_of(app, S.SCHEME)

    app = suspend(app, cm, local(2026, 9, 29, 9))
    resume(app, cm, local(2026, 9, 29, 17))

    after = clock_of(app, S.SCHEME)
    assert (after.due_at, after.warn_at) == (before.due_at, before.warn_at)
    assert after.paused_working_days == 0
    assert after.paused_duration == timedelta(hours=8)
    assert ClockPause.objects.get(clock=after).paused_working_days == 0


def test_hour_limit_moves_by_the_paused_hours(make_app, staff):
    cm = staff["customer_manager"]
    app = make_app("lv_resident", at=local(2026, 3, 2, 9))
    app = suspend(app, cm, local(2026, 3, 2, 12))
    resume(app, cm, local(2026, 3, 4, 12))  # 48 hours later (2 working days, irrelevant here)

    clock = clock_of(app, S.ACCEPT)
    assert clock.due_at == local(2026, 3, 5, 9)
    assert clock.warn_at == local(2026, 3, 5, 3)


def test_return_closes_the_clock_as_returned_and_starts_a_fresh_one(make_app, walker, staff):
    start = local(2026, 3, 2, 9)
    app = make_app("hv_single", at=start)
    app = walker.walk(app, until=S.DESIGN_REVIEW, start=start)
    back_at = local(2026, 3, 9, 10)  # Mon

    app = perform_transition(
        application=app,
        name="return_to",
        user=staff["customer_manager"],
        at=back_at,
        comment="供电方案需调整接入点",
        target=S.SCHEME,
    )

    review = StageClock.objects.get(application=app, stage=S.DESIGN_REVIEW)
    assert (review.outcome, review.stopped_at) == (StageClock.Outcome.RETURNED, back_at)
    schemes = StageClock.objects.filter(
        application=app, stage=S.SCHEME, scheme_approval__isnull=True
    ).order_by("started_at")
    assert [c.outcome for c in schemes] == [MET, OPEN]
    fresh = schemes.last()
    assert fresh.started_at == back_at
    # hv_single scheme: 10 working days after Mon 9 Mar → Mon 23 Mar, due 24:00.
    assert fresh.due_at == local(2026, 3, 24)


@pytest.mark.parametrize(
    ("finished_at", "outcome"),
    [
        (local(2026, 3, 4, 23, 59), MET),
        (local(2026, 3, 5, 0, 0), MET),  # exactly at due is on time
        (local(2026, 3, 5, 0, 1), BREACHED),
    ],
)
def test_met_or_breached_by_the_due_instant(make_app, walker, finished_at, outcome):
    # lv_resident scheme: 2 working days after Mon 2 Mar → Wed 4 Mar, due 24:00.
    app = make_app("lv_resident", at=local(2026, 3, 2, 9))
    app = walker.step(app, local(2026, 3, 2, 10))
    assert clock_of(app, S.SCHEME).due_at == local(2026, 3, 5)

    walker.step(app, finished_at)

    clock = clock_of(app, S.SCHEME)
    assert (clock.outcome, clock.stopped_at) == (outcome, finished_at)
    assert clock.elapsed_working_days == (2 if finished_at.day == 4 else 3)


def test_customer_time_clocks_are_measured_but_never_breach(make_app, walker):
    start = local(2026, 3, 2, 9)
    app = make_app("hv_single", at=start)
    app = walker.walk(app, until=S.CUSTOMER_DESIGN, start=start)
    design = clock_of(app, S.CUSTOMER_DESIGN)
    assert (design.due_at, design.warn_at, design.counts_against_company) == (None, None, False)
    assert design.limit_display() == "不限"

    walker.step(app, local(2026, 6, 1, 10))  # the customer's designer took three months

    design.refresh_from_db()
    assert design.outcome == MET
    assert design.elapsed_working_days > 50


def test_cancel_closes_every_open_clock_and_ends_the_pause(make_app, walker, staff):
    app = make_app("lv_business", at=local(2026, 9, 28, 9))
    app = walker.step(app, local(2026, 9, 28, 10))
    app = suspend(app, staff["customer_manager"], local(2026, 9, 30, 11))

    perform_transition(
        application=app,
        name="cancel",
        user=staff["supervisor"],
        at=local(2026, 10, 9, 10),
        comment="客户撤回申请",
    )

    clock = clock_of(app, S.SCHEME)
    assert clock.outcome == StageClock.Outcome.CANCELLED
    assert clock.paused_at is None and clock.paused_working_days == 2
    assert ClockPause.objects.get(clock=clock).resumed_at == local(2026, 10, 9, 10)
    assert not StageClock.objects.filter(application=app, outcome=OPEN).exists()


def test_a_full_walk_gives_one_clock_per_stage_in_order(make_app, walker, staff):
    start = local(2026, 3, 2, 9)
    app = make_app("hv_single", at=start)

    app = walker.walk(app, until=S.ARCHIVED, start=start)

    clocks = stage_clocks(app)
    assert [c.stage for c in clocks] == list(app.path)
    assert all(c.outcome == MET for c in clocks)
    for earlier, later in pairwise(clocks):
        assert earlier.stopped_at == later.started_at
    counting = {c.stage for c in clocks if c.counts_against_company}
    assert counting == set(app.path) - {
        S.CUSTOMER_DESIGN,
        S.CUSTOMER_CONSTRUCTION,
        S.CUSTOMER_COMPLETION,
    }
    approvals = StageClock.objects.filter(application=app, stage="scheme_approval")
    assert {c.scheme_approval.department for c in approvals} == {
        "marketing",
        "operations",
        "dispatch",
    }
    assert {c.responsible for c in approvals} == {
        staff["approvers"][d] for d in ("marketing", "operations", "dispatch")
    }
    assert not StageClock.objects.filter(application=app, outcome=OPEN).exists()


def test_each_approver_has_a_clock_of_its_own(make_app, walker, staff):
    start = local(2026, 3, 2, 9)
    app = make_app("hv_single", at=start)
    app = walker.walk(app, until=S.SCHEME, start=start)
    # The walker would approve at once; prepare the scheme and decide by hand instead.
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
    review = submit_scheme(application=app, user=cm, at=local(2026, 3, 9, 10))

    approval_clocks = StageClock.objects.filter(application=app, stage="scheme_approval")
    clocks = {c.scheme_approval.department: c for c in approval_clocks}
    assert set(clocks) == {"marketing", "operations", "dispatch"}
    marketing = clocks["marketing"]
    # 3 working days after Mon 9 Mar → Thu 12 Mar, due 24:00; warning 48 hours before.
    assert (marketing.due_at, marketing.warn_at) == (local(2026, 3, 13), local(2026, 3, 11))
    assert marketing.responsible is None

    approvals = {a.department: a for a in review.approvals.all()}
    decide_approval(
        approval=approvals["marketing"],
        user=staff["approvers"]["marketing"],
        approve=True,
        at=local(2026, 3, 10, 9),
    )
    decide_approval(
        approval=approvals["dispatch"],
        user=staff["approvers"]["dispatch"],
        approve=False,
        comment="接入点负载已满",
        at=local(2026, 3, 16, 9),
    )

    for clock in clocks.values():
        clock.refresh_from_db()
    assert (clocks["marketing"].outcome, clocks["marketing"].responsible) == (
        MET,
        staff["approvers"]["marketing"],
    )
    assert clocks["dispatch"].outcome == BREACHED
    # The rejection withdrew the operations approval: its clock is cancelled, not judged.
    assert clocks["operations"].outcome == StageClock.Outcome.CANCELLED
    assert clocks["operations"].stopped_at == local(2026, 3, 16, 9)
    assert clock_of(app, S.SCHEME).outcome == OPEN


def test_process_time_leaves_out_suspensions_and_customer_time(make_app, walker, staff):
    app = make_app("lv_business", at=local(2026, 9, 28, 9))
    app = walker.step(app, local(2026, 9, 28, 10))  # → scheme
    app = suspend(app, staff["customer_manager"], local(2026, 9, 30, 11))
    app = resume(app, staff["customer_manager"], local(2026, 10, 9, 10))  # 2 days paused
    app = walker.step(app, local(2026, 10, 10, 10))  # → customer completion (customer time)
    app = walker.step(app, local(2026, 10, 16, 10))  # → completion inspection
    app = walker.step(app, local(2026, 10, 19, 10))  # → energize
    app = walker.step(app, local(2026, 10, 20, 10))  # energized → archive
    assert app.state == S.ARCHIVE

    # Working days 28 Sep → 20 Oct: 29, 30 Sep, 8, 9, 10, 12–16, 19, 20 Oct = 12;
    # less 2 paused and the customer's 12–16 Oct (5) = 5.
    assert process_elapsed_working_days(app) == 5
    assert process_elapsed_working_days(app, include_customer_time=True) == 10


def test_admin_lists_clocks_and_reapplies_the_current_policy(admin_client, make_app, walker):
    app = make_app("lv_business", at=local(2026, 3, 2, 9))
    app = walker.step(app, local(2026, 3, 2, 10))
    clock = clock_of(app, S.SCHEME)
    TimeLimitPolicy.objects.create(
        effective_from=local(2026, 3, 3).date(),
        customer_class="lv_business",
        stage=S.SCHEME,
        limit_value=2,
        warn_before_value=1,
    )

    response = admin_client.get("/admin/monitoring/stageclock/?outcome=open")
    assert response.status_code == 200
    assert app.number in response.content.decode()

    response = admin_client.post(
        "/admin/monitoring/stageclock/",
        {"action": "reapply_current_policy", "_selected_action": [clock.pk]},
        follow=True,
    )
    assert "已按现行标准重新计算 1 个时限" in response.content.decode()
    clock.refresh_from_db()
    assert clock.limit_value == 2 and clock.due_at == local(2026, 3, 5)
    assert LogEntry.objects.filter(object_id=str(clock.pk)).exists()


def test_reapply_action_is_hidden_without_the_permission(client, make_app, staff):
    make_app("lv_business", at=local(2026, 3, 2, 9))
    client.force_login(staff["customer_manager"])  # sees clocks, may not re-apply policies

    response = client.get("/admin/monitoring/stageclock/")

    assert response.status_code == 200
    assert "reapply_current_policy" not in response.content.decode()

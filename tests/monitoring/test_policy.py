"""Time-limit standards: shipped defaults, versions by date, legal ceilings, re-applying."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from applications.services.errors import TransitionRefused
from applications.states import State
from monitoring.clocks import policy_for, process_limit_for, reapply_policy
from monitoring.models import ProcessLimitPolicy, StageClock, TimeLimitPolicy

pytestmark = pytest.mark.django_db
S = State
SHANGHAI = ZoneInfo("Asia/Shanghai")
SHIPPED = date(2024, 1, 1)


def local(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def limit(customer_class, stage, on=date(2026, 3, 2)):
    policy = policy_for(customer_class, stage, on)
    return None if policy is None else (policy.limit_value, policy.limit_unit)


def test_shipped_defaults_of_domain_section_4a():
    assert {c: limit(c, S.ACCEPT) for c in ("lv_resident", "hv_dual")} == {
        "lv_resident": (24, "hours"),
        "hv_dual": (24, "hours"),
    }
    classes = ("lv_resident", "lv_business", "hv_single", "hv_dual")
    assert [limit(c, S.SCHEME)[0] for c in classes] == [2, 3, 10, 20]
    approval = policy_for("hv_single", "scheme_approval", date(2026, 3, 2))
    assert (approval.limit_value, approval.warn_before_value, approval.warn_unit) == (
        3,
        48,
        "hours",
    )
    assert limit("hv_single", S.DESIGN_REVIEW) == (5, "working_days")
    assert limit("hv_dual", S.MIDDLE_INSPECTION) == (3, "working_days")
    assert [limit(c, S.COMPLETION_INSPECTION)[0] for c in ("lv_business", "hv_single")] == [3, 5]
    assert limit("hv_single", S.CONTRACT) == (3, "working_days")
    assert {limit(c, S.ENERGIZE)[0] for c in ("lv_resident", "lv_business", "hv_dual")} == {2}
    assert limit("lv_resident", S.ARCHIVE) == (5, "working_days")
    grid = policy_for("lv_resident", S.GRID_WORKS, date(2026, 3, 2))
    assert (grid.limit_value, grid.small_job_limit_value) == (15, 5)
    assert limit("hv_dual", S.GRID_WORKS) == (30, "working_days")
    for stage in (S.CUSTOMER_DESIGN, S.CUSTOMER_CONSTRUCTION, S.CUSTOMER_COMPLETION):
        customer_time = policy_for("hv_single", stage, date(2026, 3, 2))
        assert customer_time.limit_value is None
        assert customer_time.counts_against_company is False
    steps = policy_for("lv_business", S.SCHEME, date(2026, 3, 2)).escalation_steps.all()
    assert [(s.level, s.overdue_working_days, s.target) for s in steps] == [
        (1, 0, "responsible"),
        (2, 2, "unit_leader"),
        (3, 5, "marketing"),
    ]


def test_every_shipped_default_passes_its_own_validation():
    policies = TimeLimitPolicy.objects.filter(effective_from=SHIPPED)
    assert policies.count() == 38  # 13 stages × the classes that go through them
    for policy in policies:
        policy.full_clean()


def test_process_limits_prefer_the_small_micro_row():
    on = date(2026, 3, 2)
    whole = ProcessLimitPolicy.Kind.WHOLE_PROCESS
    steps = ProcessLimitPolicy.Kind.COMPANY_STEPS

    def days(customer_class, kind, small_micro=False):
        return process_limit_for(
            customer_class=customer_class, kind=kind, on=on, small_micro=small_micro
        ).working_days

    assert days("lv_resident", whole) == 5
    assert days("lv_business", whole) == 15
    assert days("lv_business", whole, small_micro=True) == 10
    assert [days(c, steps) for c in ("lv_business", "hv_single", "hv_dual")] == [6, 22, 32]
    assert process_limit_for(customer_class="hv_single", kind=whole, on=on) is None


def test_the_latest_version_in_force_on_the_day_applies():
    TimeLimitPolicy.objects.create(
        effective_from=date(2026, 6, 1), customer_class="lv_business", stage=S.SCHEME, limit_value=2
    )
    assert limit("lv_business", S.SCHEME, on=date(2026, 5, 31)) == (3, "working_days")
    assert limit("lv_business", S.SCHEME, on=date(2026, 6, 1)) == (2, "working_days")
    assert policy_for("lv_business", S.SCHEME, date(2023, 12, 31)) is None


def test_a_company_limit_above_the_legal_ceiling_is_refused():
    # 《供电监管办法》: supply scheme reply for other low-voltage customers within 8 working days.
    too_long = TimeLimitPolicy(
        effective_from=date(2026, 6, 1), customer_class="lv_business", stage=S.SCHEME, limit_value=9
    )
    with pytest.raises(ValidationError) as refused:
        too_long.full_clean()
    message = refused.value.message_dict["limit_value"][0]
    assert "《供电监管办法》（办理用电业务期限）" in message
    assert "不超过8个工作日" in message

    too_long.limit_value = 8
    too_long.full_clean()  # the ceiling itself is allowed
    in_hours = TimeLimitPolicy(
        effective_from=date(2026, 6, 1),
        customer_class="hv_single",
        stage=S.ENERGIZE,
        limit_unit="hours",
        limit_value=7 * 24 + 1,
        warn_before_value=None,
    )
    with pytest.raises(ValidationError, match="不超过7个工作日"):
        in_hours.full_clean()


def test_warnings_need_a_limit_and_a_sensible_size():
    base = {"effective_from": date(2026, 6, 1), "customer_class": "hv_single"}
    with pytest.raises(ValidationError, match="未设时限的环节不能设置预警"):
        TimeLimitPolicy(**base, stage=S.CUSTOMER_DESIGN, warn_before_value=1).full_clean()
    with pytest.raises(ValidationError, match="1到99"):
        TimeLimitPolicy(
            **base, stage=S.CONTRACT, limit_value=3, warn_before_value=120, warn_unit="percent"
        ).full_clean()
    with pytest.raises(ValidationError, match="提前预警应短于时限"):
        TimeLimitPolicy(**base, stage=S.CONTRACT, limit_value=3, warn_before_value=3).full_clean()
    with pytest.raises(ValidationError, match="只有高压客户"):
        TimeLimitPolicy(
            effective_from=date(2026, 6, 1),
            customer_class="lv_business",
            stage="scheme_approval",
            limit_value=3,
        ).full_clean()


def _supervisor_who_may_reapply(staff):
    user = staff["supervisor"]
    user.user_permissions.add(Permission.objects.get(codename="reapply_policy"))
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def _scheme_clock(make_app, walker):
    app = make_app("lv_business", at=local(2026, 3, 2, 9))
    app = walker.step(app, local(2026, 3, 2, 10))  # Mon: scheme 3 days → due 24:00 Thu 5 Mar
    return StageClock.objects.get(application=app, stage=S.SCHEME)


def test_open_clocks_keep_their_policy_until_a_supervisor_reapplies(make_app, walker, staff):
    clock = _scheme_clock(make_app, walker)
    old_policy = clock.policy
    stricter = TimeLimitPolicy.objects.create(
        effective_from=date(2026, 3, 3),
        customer_class="lv_business",
        stage=S.SCHEME,
        limit_value=2,
        warn_before_value=1,
    )
    clock.refresh_from_db()
    assert (clock.policy, clock.due_at) == (old_policy, local(2026, 3, 6))

    supervisor = _supervisor_who_may_reapply(staff)
    reapply_policy(clock, supervisor, on=date(2026, 3, 3))

    clock.refresh_from_db()
    assert clock.policy == stricter and clock.limit_value == 2
    # 2 working days after Mon 2 Mar → Wed 4 Mar, due 24:00; warning at the start of Wed.
    assert (clock.due_at, clock.warn_at) == (local(2026, 3, 5), local(2026, 3, 4))
    assert clock.policy_reapplied_by == supervisor and clock.policy_reapplied_at is not None


def test_reapplying_needs_the_permission_and_an_open_clock(make_app, walker, staff):
    clock = _scheme_clock(make_app, walker)
    with pytest.raises(TransitionRefused, match="重新计算时限"):
        reapply_policy(clock, staff["customer_manager"])

    accept = StageClock.objects.get(application=clock.application, stage=S.ACCEPT)
    with pytest.raises(TransitionRefused, match="已结束"):
        reapply_policy(accept, _supervisor_who_may_reapply(staff))


def test_changing_a_policy_never_rewrites_finished_clocks(make_app, walker):
    clock = _scheme_clock(make_app, walker)
    walker.step(clock.application, local(2026, 3, 4, 10))
    clock.refresh_from_db()
    finished = (clock.outcome, clock.limit_value, clock.due_at, clock.elapsed_working_days)
    assert finished == (StageClock.Outcome.MET, 3, local(2026, 3, 6), 2)

    TimeLimitPolicy.objects.filter(pk=clock.policy_id).update(limit_value=1)
    TimeLimitPolicy.objects.create(
        effective_from=date(2026, 3, 1), customer_class="lv_business", stage=S.SCHEME, limit_value=1
    )

    clock.refresh_from_db()
    assert (clock.outcome, clock.limit_value, clock.due_at, clock.elapsed_working_days) == finished


def test_admin_offers_the_default_escalation_and_freezes_used_policies(
    admin_client, make_app, walker
):
    response = admin_client.get("/admin/monitoring/timelimitpolicy/add/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="escalation_steps-TOTAL_FORMS" value="3"' in page
    assert 'name="escalation_steps-2-overdue_working_days" value="5"' in page

    clock = _scheme_clock(make_app, walker)
    response = admin_client.get(f"/admin/monitoring/timelimitpolicy/{clock.policy_id}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="limit_value"' not in page  # read-only once a clock ran under it
    assert "新增一条更晚生效的标准" in page

"""The random draw: proportional strata with the largest-remainder rule, reproducible from the
recorded seed and population, and recorded so that it cannot be rewritten."""

import pytest

from applications.models import ImmutableRecord
from applications.services.errors import TransitionRefused
from monitoring.checks import sampling, services
from monitoring.models import RandomCheck

from .conftest import accepted_in_march, draw, local, raw_app


def test_allocation_is_proportional_with_largest_remainders():
    # 10 of 30: 6.67, 2.33, 1.00 → 6, 2, 1 and the missing one to the largest remainder.
    assert sampling.allocate({"a": 20, "b": 7, "c": 3}, 10) == {"a": 7, "b": 2, "c": 1}
    # 5 of 10: 3.0, 1.5, 0.5 → 3, 1, 0; remainders tie (5 and 5): the smaller key first.
    assert sampling.allocate({"in_flight": 6, "energized": 3, "cancelled": 1}, 5) == {
        "in_flight": 3,
        "energized": 1,
        "cancelled": 1,
    }
    # A sample as big as the population (or bigger) takes everything.
    assert sampling.allocate({"a": 2, "b": 1}, 5) == {"a": 2, "b": 1}


def test_draw_is_a_function_of_population_and_seed():
    population = {"b": [9, 3, 7, 1], "a": [10, 20, 30]}
    first = sampling.draw(population, 4, seed=42)
    assert first == sampling.draw({"a": [30, 10, 20], "b": [1, 3, 7, 9]}, 4, seed=42)
    assert [len(first["a"]), len(first["b"])] == [2, 2]
    assert set(first["a"]) <= {10, 20, 30} and set(first["b"]) <= {1, 3, 7, 9}


def test_check_draws_per_class_and_records_everything(by_class, unit, staff):
    check = draw(staff["inspector"], unit, stratify_by="customer_class")
    assert check.population_size == 30
    assert check.allocation == {"hv_single": 1, "lv_business": 2, "lv_resident": 7}
    assert {k: sorted(v) for k, v in check.population.items()} == {
        key: sorted(a.pk for a in apps) for key, apps in by_class.items()
    }
    items = list(check.items.all())
    assert len(items) == 10
    for item in items:
        assert item.application.customer_class == item.stratum
        assert item.application.pk in check.population[item.stratum]
    assert check.seed == 20260301
    assert "受理时间在 2026-03-01 至 2026-03-31" in check.population_rule
    assert "按用电类别" in check.population_rule


def test_redraw_from_recorded_seed_gives_the_same_sample(by_class, unit, staff):
    check = draw(staff["inspector"], unit, stratify_by="customer_class")
    sample = sorted(check.items.values_list("application_id", flat=True))
    assert services.draw_verified(check)
    assert sorted(pk for ids in services.redraw(check).values() for pk in ids) == sample
    # Drawn again over the same data with the same seed: the same applications.
    again = draw(staff["inspector"], unit, stratify_by="customer_class")
    assert sorted(again.items.values_list("application_id", flat=True)) == sample
    # Another seed draws another sample (the sizes per class stay).
    other = draw(staff["inspector"], unit, stratify_by="customer_class", seed=7)
    assert sorted(other.items.values_list("application_id", flat=True)) != sample
    assert other.allocation == check.allocation


def test_a_seed_is_chosen_and_recorded_when_none_is_given(by_class, unit, staff):
    check = draw(staff["inspector"], unit, seed=None, sample_size=5)
    assert 0 <= check.seed < 2**31
    assert check.allocation == {"all": 5}
    assert services.draw_verified(check)


def test_stage_reached_and_grid_works_strata(unit, staff):
    accepted_in_march(unit, 6, works=True)  # in flight (scheme)
    accepted_in_march(unit, 3, energized=local(2026, 3, 30, 15))
    accepted_in_march(unit, 1, state="cancelled", works=True)
    by_stage = draw(staff["inspector"], unit, stratify_by="stage_reached", sample_size=5)
    assert by_stage.allocation == {"cancelled": 1, "energized": 1, "in_flight": 3}
    by_works = draw(staff["inspector"], unit, stratify_by="grid_works", sample_size=3)
    # 7 with works, 3 without: 2.1 and 0.9 → 2 and 0, the missing one to the remainder 0.9.
    assert by_works.allocation == {"with_works": 2, "without_works": 1}


def test_sample_bigger_than_population_takes_all(unit, staff):
    apps = accepted_in_march(unit, 3)
    check = draw(staff["inspector"], unit, sample_size=10)
    assert sorted(check.items.values_list("application_id", flat=True)) == [a.pk for a in apps]


def test_recorded_draw_cannot_be_rewritten(by_class, unit, staff):
    check = draw(staff["inspector"], unit)
    check.seed = 1
    with pytest.raises(ImmutableRecord):
        check.save()
    check.refresh_from_db()
    check.population = {"all": [1, 2, 3]}
    with pytest.raises(ImmutableRecord):
        check.save()


@pytest.mark.parametrize(
    ("who", "kind", "reason"),
    [
        ("customer_manager", "inspection", "您没有“纪检抽查”的权限。"),
        ("inspector", "marketing", "您没有“营销专项检查”的权限。"),
        ("supervisor", "marketing", "营销专项检查须由营销部主管开展。"),
    ],
)
def test_who_may_draw(by_class, unit, staff, who, kind, reason):
    with pytest.raises(TransitionRefused) as refused:
        draw(staff[who], unit, kind=kind)
    assert refused.value.reasons == [reason]
    assert not RandomCheck.objects.exists()


def test_marketing_supervisor_runs_marketing_checks(by_class, unit, marketing_supervisor):
    check = draw(marketing_supervisor, unit, kind="marketing")
    assert check.get_kind_display() == "营销专项检查"


def test_inspector_acts_only_in_their_unit(by_class, other_unit, staff):
    with pytest.raises(TransitionRefused) as refused:
        draw(staff["inspector"], other_unit)
    assert refused.value.reasons == ["该记录属于余杭供电公司，您只能办理本单位的业务。"]


def test_empty_population_is_refused(unit, staff):
    raw_app(unit, accepted=local(2026, 2, 10))
    with pytest.raises(TransitionRefused) as refused:
        draw(staff["inspector"], unit)
    assert refused.value.reasons == ["西湖供电服务中心在抽查期间内没有受理的业扩申请。"]

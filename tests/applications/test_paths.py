"""Every customer class walks its own path from acceptance to archive, and the log shows it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import Inspection, TransitionLog
from applications.states import State

S = State
START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


@pytest.mark.parametrize(
    ("customer_class", "extra", "expected"),
    [
        ("lv_resident", {}, [S.ACCEPT, S.SCHEME, S.ENERGIZE, S.ARCHIVE]),
        (
            "lv_resident",
            {"has_grid_works": True},
            [S.ACCEPT, S.SCHEME, S.GRID_WORKS, S.ENERGIZE, S.ARCHIVE],
        ),
        (
            "lv_business",
            {},
            [S.ACCEPT, S.SCHEME, S.CUSTOMER_COMPLETION, S.COMPLETION_INSPECTION, S.ENERGIZE,
             S.ARCHIVE],
        ),
        (
            "hv_single",
            {},
            [S.ACCEPT, S.SCHEME, S.CUSTOMER_DESIGN, S.DESIGN_REVIEW, S.CUSTOMER_CONSTRUCTION,
             S.MIDDLE_INSPECTION, S.CUSTOMER_COMPLETION, S.COMPLETION_INSPECTION, S.CONTRACT,
             S.ENERGIZE, S.ARCHIVE],
        ),
        (
            "hv_single",
            {"design_review_required": False, "middle_inspection_required": False},
            [S.ACCEPT, S.SCHEME, S.CUSTOMER_DESIGN, S.CUSTOMER_CONSTRUCTION,
             S.COMPLETION_INSPECTION, S.CONTRACT, S.ENERGIZE, S.ARCHIVE],
        ),
        (
            "hv_dual",
            {"has_grid_works": True, "capacity": 4000},
            [S.ACCEPT, S.SCHEME, S.CUSTOMER_DESIGN, S.DESIGN_REVIEW, S.CUSTOMER_CONSTRUCTION,
             S.MIDDLE_INSPECTION, S.CUSTOMER_COMPLETION, S.COMPLETION_INSPECTION, S.CONTRACT,
             S.ENERGIZE, S.ARCHIVE],
        ),
    ],
)  # fmt: skip
def test_each_class_walks_its_path_to_the_archive(
    make_app, walker, customer_class, extra, expected
):
    app = make_app(customer_class, at=START, **extra)
    assert app.number.startswith("YK-2026-")
    assert list(app.path) == expected

    app = walker.walk(app, until=S.ARCHIVED, start=START)

    assert app.state == S.ARCHIVED
    visited = list(
        TransitionLog.objects.filter(application=app)
        .order_by("at", "pk")
        .values_list("to_state", flat=True)
    )
    assert visited == [*expected, S.ARCHIVED]
    assert app.energized_at is not None and app.archived_at is not None
    inspections = set(Inspection.objects.filter(application=app).values_list("kind", flat=True))
    assert inspections == {s for s in expected if s.endswith(("review", "inspection"))}


def test_log_records_actor_time_and_states(make_app, walker, staff):
    app = make_app("lv_resident", at=START)
    walker.walk(app, until=S.SCHEME, start=START)
    first, second = TransitionLog.objects.filter(application=app).order_by("at")
    assert (first.from_state, first.to_state, first.actor) == ("", S.ACCEPT, staff["front_desk"])
    assert (second.from_state, second.to_state) == (S.ACCEPT, S.SCHEME)
    assert second.actor == staff["customer_manager"]
    assert second.at == START + timedelta(days=1)
    assert second.transition_label == "完成受理"


def test_numbers_are_sequential_per_year(make_app):
    first, second = make_app(at=START), make_app(at=START)
    assert first.number == "YK-2026-000001"
    assert second.number == "YK-2026-000002"
    next_year = make_app(at=START.replace(year=2027))
    assert next_year.number == "YK-2027-000001"

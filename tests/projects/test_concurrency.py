"""Two draws of the same stock at once: the second waits for the first's row lock and is then
refused for what is left — consigned stock never goes below zero (PostgreSQL, real threads)."""

import threading
from decimal import Decimal

import pytest

from applications.services.errors import TransitionRefused
from projects import signals
from projects.services.materials import draw_materials
from tests.applications.test_concurrency import TIMEOUT, in_thread, wait_until_blocked_on_a_lock


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_draws_never_take_stock_below_zero(make_project, staff, stock):
    stock.quantity, stock.threshold = Decimal("100"), Decimal("50")
    stock.save()
    project, pm = make_project(), staff["project_manager"]
    holding, release = threading.Event(), threading.Event()

    def hold(sender, **kwargs):
        # Inside the first draw's transaction: stock locked, 30 left, not committed yet.
        holding.set()
        assert release.wait(TIMEOUT), "never released"

    signals.stock_below_threshold.connect(hold, dispatch_uid="test-draw-hold", weak=False)
    results, threads = {}, []
    draw = lambda: draw_materials(user=pm, project=project, lines=[(stock, Decimal("70"))])  # noqa: E731
    try:
        threads.append(in_thread(results, "first", draw))
        assert holding.wait(TIMEOUT), "the first draw never reached its signal"
        threads.append(in_thread(results, "second", draw))
        wait_until_blocked_on_a_lock()
        assert "second" not in results
    finally:
        release.set()
        for thread in threads:
            thread.join(TIMEOUT)
        signals.stock_below_threshold.disconnect(dispatch_uid="test-draw-hold")

    assert not isinstance(results["first"], Exception)
    assert isinstance(results["second"], TransitionRefused)
    assert results["second"].reasons == ["电力电缆3×70库存不足：现有 30.00 米，需领用 70 米。"]
    stock.refresh_from_db()
    assert stock.quantity == Decimal("30.00")
    assert project.requisitions.count() == 1

"""Two people, one application: the second to act is told who got there first.

The PostgreSQL tests use real threads, each with its own connection, and make the race
deterministic: the first transition is held open (inside its transaction, after the row lock)
until the second is seen waiting on that lock in pg_stat_activity.
"""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from applications import roles
from applications.demo import make_staff, new_application
from applications.models import Application, TransitionLog
from applications.services import TransitionRefused
from applications.services.lifecycle import perform_transition
from applications.services.numbering import next_application_number
from applications.signals import application_transitioned
from applications.states import State

S = State
START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))
FIRST_AT = timezone.make_aware(timezone.datetime(2026, 3, 10, 14, 30))
SECOND_AT = FIRST_AT + timedelta(minutes=1)
TIMEOUT = 15  # seconds; only reached if something is broken


@pytest.fixture
def second_cm(unit):
    return make_staff("cm2", role=roles.CUSTOMER_MANAGER, unit=unit, full_name="客户经理乙")


@pytest.fixture
def scheme_ready(make_app, walker):
    """A low-voltage application in the scheme stage with survey and scheme done."""
    app = walker.walk(make_app("lv_resident", at=START), until=S.SCHEME, start=START)
    walker.prepare(app, START)
    app.refresh_from_db()
    return app


def overtaken(actor: str, action: str, state: str, at=FIRST_AT) -> str:
    return (
        f"该申请已被{actor}于{timezone.localtime(at):%Y-%m-%d %H:%M}办理（{action}），"
        f"当前环节为“{state}”。请刷新页面后再办理。"
    )


# --- Without threads (any database) -----------------------------------------------------------


def test_stale_screen_is_refused_naming_who_did_what(scheme_ready, staff, second_cm):
    cm = staff["customer_manager"]
    perform_transition(
        application=scheme_ready, name="advance", user=cm, expected_state=S.SCHEME, at=FIRST_AT
    )

    # 客户经理乙 still has the scheme stage on screen and presses the same button.
    with pytest.raises(TransitionRefused) as caught:
        perform_transition(
            application=scheme_ready,
            name="advance",
            user=second_cm,
            expected_state=S.SCHEME,
            at=SECOND_AT,
        )
    assert caught.value.reasons == [overtaken("客户经理甲", "答复供电方案", "装表接电")]
    scheme_ready.refresh_from_db()
    assert scheme_ready.state == S.ENERGIZE
    assert TransitionLog.objects.filter(application=scheme_ready, from_state=S.SCHEME).count() == 1


def test_stale_screen_after_a_suspension(scheme_ready, staff, second_cm):
    perform_transition(
        application=scheme_ready,
        name="suspend",
        user=staff["supervisor"],
        reason="customer_request",
        comment="客户来电要求暂缓。",
        at=FIRST_AT,
    )
    with pytest.raises(TransitionRefused) as caught:
        perform_transition(
            application=scheme_ready, name="advance", user=second_cm, expected_state=S.SCHEME
        )
    assert caught.value.reasons == [overtaken("主管甲", "暂停", "暂停（客户原因）")]


def test_actor_without_a_full_name_is_named_by_login(scheme_ready, unit, second_cm):
    nameless = make_staff("zhangwei", role=roles.CUSTOMER_MANAGER, unit=unit)
    perform_transition(application=scheme_ready, name="advance", user=nameless, at=FIRST_AT)
    with pytest.raises(TransitionRefused) as caught:
        perform_transition(
            application=scheme_ready, name="advance", user=second_cm, expected_state=S.SCHEME
        )
    assert caught.value.reasons == [overtaken("zhangwei", "答复供电方案", "装表接电")]


def test_current_expected_state_goes_through(scheme_ready, staff):
    app = perform_transition(
        application=scheme_ready,
        name="advance",
        user=staff["customer_manager"],
        expected_state=S.SCHEME,
    )
    assert app.state == S.ENERGIZE


def test_stale_object_without_expected_state_acts_on_the_fresh_row(scheme_ready, staff):
    """The service re-reads the row under lock: a stale in-memory object cannot skip rules."""
    cm = staff["customer_manager"]
    stale = Application.objects.get(pk=scheme_ready.pk)
    perform_transition(application=scheme_ready, name="advance", user=cm, at=FIRST_AT)
    assert stale.state == S.SCHEME  # still what this screen shows
    with pytest.raises(TransitionRefused) as caught:
        perform_transition(application=stale, name="advance", user=cm)  # now at energize
    assert caught.value.reasons == ["缺少必填信息：电能表资产号。"]


# --- PostgreSQL: real threads and row locks -----------------------------------------------------
# transaction=True so each thread sees committed rows; serialized_rollback=True because the
# flush after a transactional test would otherwise wipe the roles and policies the migrations
# loaded, for the transactional tests that follow.


def in_thread(results: dict, key: str, work: Callable[[], object]) -> threading.Thread:
    """Run `work` in a thread with its own connection; keep its result or exception."""

    def run():
        try:
            results[key] = work()
        except Exception as exc:  # the refusal is the expected outcome of one thread
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=key, daemon=True)
    thread.start()
    return thread


def wait_until_blocked_on_a_lock(count: int = 1) -> None:
    deadline = time.monotonic() + TIMEOUT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited on the row lock")


def race(app, first: dict, second: dict) -> dict:
    """Start `first`, hold it inside its transaction, start `second`, see it block, release.

    Each dict holds perform_transition's keyword arguments (without `application`).
    """
    holding, release = threading.Event(), threading.Event()
    first_actor = first["user"]

    def hold(sender, actor, **kwargs):
        # Runs inside the first transaction, after the row lock and the state change.
        if actor == first_actor and not holding.is_set():
            holding.set()
            assert release.wait(TIMEOUT), "never released"

    application_transitioned.connect(hold, dispatch_uid="test-race-hold", weak=False)
    results: dict = {}
    threads = []
    try:
        threads.append(
            in_thread(results, "first", lambda: perform_transition(application=app, **first))
        )
        assert holding.wait(TIMEOUT), "the first transition never reached its signal"
        threads.append(
            in_thread(results, "second", lambda: perform_transition(application=app, **second))
        )
        wait_until_blocked_on_a_lock()
        assert "second" not in results  # really blocked, not finished
    finally:
        release.set()
        for thread in threads:
            thread.join(TIMEOUT)
        application_transitioned.disconnect(dispatch_uid="test-race-hold")
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_transition_at_once_one_wins_the_other_is_told(scheme_ready, staff, second_cm):
    cm = staff["customer_manager"]
    results = race(
        scheme_ready,
        {"name": "advance", "user": cm, "expected_state": S.SCHEME, "at": FIRST_AT},
        {"name": "advance", "user": second_cm, "expected_state": S.SCHEME, "at": SECOND_AT},
    )

    winner, loser = results["first"], results["second"]
    assert isinstance(winner, Application) and winner.state == S.ENERGIZE
    assert isinstance(loser, TransitionRefused)
    assert loser.reasons == [overtaken("客户经理甲", "答复供电方案", "装表接电")]
    assert "已被客户经理甲" in loser.message

    scheme_ready.refresh_from_db()
    assert scheme_ready.state == S.ENERGIZE
    moves = TransitionLog.objects.filter(application=scheme_ready, from_state=S.SCHEME)
    assert list(moves.values_list("to_state", "actor__username")) == [(S.ENERGIZE, "cm")]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_suspension_racing_an_advance_wins_and_the_advance_is_told(scheme_ready, staff, second_cm):
    results = race(
        scheme_ready,
        {
            "name": "suspend",
            "user": staff["supervisor"],
            "reason": "customer_request",
            "comment": "客户来电要求暂缓。",
            "expected_state": S.SCHEME,
            "at": FIRST_AT,
        },
        {"name": "advance", "user": second_cm, "expected_state": S.SCHEME, "at": SECOND_AT},
    )
    assert results["first"].state == S.SUSPENDED
    assert isinstance(results["second"], TransitionRefused)
    assert results["second"].reasons == [overtaken("主管甲", "暂停", "暂停（客户原因）")]
    scheme_ready.refresh_from_db()
    assert (scheme_ready.state, scheme_ready.suspended_from) == (S.SUSPENDED, S.SCHEME)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_numbers_are_unique_and_gapless():
    year, workers, per_worker = 2031, 8, 5  # a year with no sequence row yet: both race to make it
    barrier = threading.Barrier(workers)

    def work():
        try:
            barrier.wait(TIMEOUT)
            return [next_application_number(year) for _ in range(per_worker)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = [f.result(TIMEOUT) for f in [pool.submit(work) for _ in range(workers)]]

    numbers = [n for batch in batches for n in batch]
    assert len(set(numbers)) == len(numbers) == workers * per_worker
    assert sorted(numbers) == [f"YK-{year}-{i:06d}" for i in range(1, len(numbers) + 1)]
    for batch in batches:  # each caller sees its own numbers increase
        assert batch == sorted(batch)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_acceptances_get_distinct_numbers(unit, staff):
    workers = 6
    barrier = threading.Barrier(workers)

    def work(serial):
        try:
            barrier.wait(TIMEOUT)
            return new_application(
                user=staff["front_desk"],
                unit=unit,
                customer_class="lv_resident",
                serial=serial,
                customer_manager=staff["customer_manager"],
                at=START,
            ).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        numbers = list(pool.map(work, range(1, workers + 1), timeout=TIMEOUT))

    assert sorted(numbers) == [f"YK-2026-{i:06d}" for i in range(1, workers + 1)]
    assert Application.objects.count() == workers

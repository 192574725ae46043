"""Races on PostgreSQL with real threads, each with its own connection: two deliveries of the
same create, and a change committed out of id order. The first transaction is held open
(inside its transaction, after the application's row is written) until the other is seen."""

import threading

import pytest
from django.db import transaction

from applications.models import Application
from applications.signals import application_transitioned
from tests.applications.test_concurrency import TIMEOUT, in_thread, wait_until_blocked_on_a_lock

from .conftest import application_body, calling

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def hold_first(holding: threading.Event, release: threading.Event):
    """A receiver that parks the thread named "first" inside its acceptance transaction."""

    def hold(sender, **kwargs):
        if threading.current_thread().name == "first":
            holding.set()
            assert release.wait(TIMEOUT), "never released"

    application_transitioned.connect(hold, dispatch_uid="test-api-hold", weak=False)


def test_two_deliveries_of_one_create_make_one_application(make_system, unit):
    _client, raw = make_system()
    body = application_body(unit)
    holding, release = threading.Event(), threading.Event()
    hold_first(holding, release)
    results, threads = {}, []
    post = lambda: calling(raw).post("/api/v1/applications/", body, format="json")  # noqa: E731
    try:
        threads.append(in_thread(results, "first", post))
        assert holding.wait(TIMEOUT), "the first call never reached acceptance"
        threads.append(in_thread(results, "second", post))
        wait_until_blocked_on_a_lock()  # the second waits on the idempotency key's index
        assert "second" not in results
    finally:
        release.set()
        for thread in threads:
            thread.join(TIMEOUT)
        application_transitioned.disconnect(dispatch_uid="test-api-hold")

    first, second = results["first"], results["second"]
    assert (first.status_code, second.status_code) == (201, 200), (first.json(), second.json())
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["number"] == second.json()["number"]
    assert Application.objects.count() == 1


def test_a_change_committed_late_is_never_skipped(hotline, make_app):
    earlier, later = make_app(), make_app()
    holding, release = threading.Event(), threading.Event()

    def read(cursor=None):
        params = {"cursor": cursor} if cursor else {}
        return hotline.get("/api/v1/changes/", params).json()

    def edit_and_hold():
        with transaction.atomic():
            earlier.note = "客户补充说明"
            earlier.save()  # its change row takes the smaller id
            holding.set()
            assert release.wait(TIMEOUT), "never released"

    caught_up = read()["next_cursor"]
    results, threads = {}, []
    try:
        threads.append(in_thread(results, "first", edit_and_hold))
        assert holding.wait(TIMEOUT)
        later.note = "另一处修改"
        later.save()  # commits first, with a larger id
        while_open = read(caught_up)
    finally:
        release.set()
        for thread in threads:
            thread.join(TIMEOUT)

    # While the earlier transaction ran, the later change was held back: handing it out
    # would have moved the client's cursor past the earlier one for good.
    assert while_open["changes"] == []
    assert while_open["next_cursor"] == caught_up
    after = read(caught_up)
    assert [c["number"] for c in after["changes"]] == [earlier.number, later.number]

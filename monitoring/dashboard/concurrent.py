"""Run a page's independent aggregate queries on two database connections at once.

The dashboard's heaviest queries (the P90 per stage, the judged clocks, the trend, the
callbacks) each scan a different index; on PostgreSQL they run in two threads, each with its
own connection, so the page waits for the longer half rather than for the sum. Inside a
transaction (tests, or a caller's atomic block) another connection would not see its data, and
SQLite has no use for it: there everything runs in order, in this thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import translation


def can_run_in_parallel(using: str = DEFAULT_DB_ALIAS) -> bool:
    connection = connections[using]
    return (
        getattr(settings, "YEKUO_DASHBOARD_PARALLEL", True)
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def run_in_two(first: list[Callable], second: list[Callable], *, parallel: bool) -> list:
    """Results of `first + second`, in that order; `second` in a worker thread if parallel."""
    if not parallel:
        return [job() for job in first + second]
    results: dict[int, object] = {}
    failure: list[BaseException] = []
    language = translation.get_language()  # active per thread: the worker must use the caller's

    def worker():
        try:
            with translation.override(language):
                for i, job in enumerate(second):
                    results[len(first) + i] = job()
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=worker, name="dashboard-queries")
    thread.start()
    try:
        for i, job in enumerate(first):
            results[i] = job()
    finally:
        thread.join()
    if failure:
        raise failure[0]
    return [results[i] for i in range(len(first) + len(second))]

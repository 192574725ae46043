"""The garbage collector pause around imports: restored afterwards, also when nested,
overlapping across threads, or when the block raises."""

import gc
import threading

import pytest

from applications.ledger import collector


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_enabled_after():
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_exception_restores_the_collector():
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("disk full")
    assert gc.isenabled()


def test_nested_pauses_resume_only_at_the_outermost():
    with collector.paused():
        with collector.paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_pauses_in_two_threads_resume_when_both_end():
    first_in, second_done = threading.Event(), threading.Event()

    def second():
        first_in.wait()
        with collector.paused():
            pass
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with collector.paused():
        first_in.set()
        second_done.wait()
        assert not gc.isenabled()  # the other thread's block ended first: still paused
    thread.join()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


@pytest.mark.django_db
def test_the_import_runs_with_the_collector_paused(run_import, monkeypatch):
    from applications.ledger import bulk

    from . import factory as f

    seen = []
    original = bulk.LedgerWriter.write_chunk

    def spy(self, rows, **prepared):
        seen.append(gc.isenabled())
        return original(self, rows, **prepared)

    monkeypatch.setattr(bulk.LedgerWriter, "write_chunk", spy)
    run_import(f.xlsx([f.row(1)]))
    assert seen == [False]
    assert gc.isenabled()

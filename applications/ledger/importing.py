"""The one entry point of a ledger import: read, validate, write, announce.

The admin's preview, the admin's confirm, the background job and the benchmark all call
`import_ledger`. A file with errors writes nothing unless `skip_errors`; what is written is
written in one transaction, so an error anywhere leaves the database as it was.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Application, ImportJob
from ..signals import applications_imported
from . import sql, validate
from .bulk import LedgerWriter, StaleLedger, WriteResult
from .collector import paused
from .columns import APPLICATION_COLUMNS, METERING_COLUMNS, Column
from .metering import MeteringLedgerValidator, MeteringResult, MeteringWriter
from .reader import LedgerFileError, Table, read_table
from .rows import Checked, RowError, Validated
from .validate import ApplicationLedgerValidator

Kind = ImportJob.Kind
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LedgerKind:
    columns: tuple[Column, ...]
    validator: type
    writer: type
    writer_result: type
    announces: bool  # sends `applications_imported` (its rows set applications' stages)


KINDS: dict[str, LedgerKind] = {
    Kind.APPLICATIONS: LedgerKind(
        APPLICATION_COLUMNS, ApplicationLedgerValidator, LedgerWriter, WriteResult, True
    ),
    Kind.METERING: LedgerKind(
        METERING_COLUMNS, MeteringLedgerValidator, MeteringWriter, MeteringResult, False
    ),
}


def register(kind: str, spec: LedgerKind) -> None:
    """Another app's ledger (e.g. projects' progress), imported like these two."""
    KINDS[kind] = spec


class ImportRefused(Exception):
    """The import wrote nothing; the message says why, in Chinese."""


@dataclass
class ImportOutcome:
    validated: Validated
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    written: bool  # rows were written (committed, unless a dry run)
    dry_run: bool

    @property
    def rows_total(self) -> int:
        return self.validated.rows_total

    @property
    def errors(self) -> list[RowError]:
        return self.validated.errors

    @property
    def error_row_count(self) -> int:
        return self.validated.error_row_count

    def status_of(self) -> dict[str, str]:
        """Application number → 'new' / 'update' / 'skip' (import-export's words)."""
        status = dict.fromkeys(self.unchanged, "skip")
        status.update(dict.fromkeys(self.updated, "update"))
        status.update(dict.fromkeys(self.created, "new"))
        return status


@paused()
def read(kind: str, data: bytes, *, expected: str = "") -> Table:
    return read_table(data, columns=KINDS[kind].columns, expected=expected)


@paused()
def import_ledger(
    *,
    kind: str,
    table: Table,
    user,
    reason: str,
    skip_errors: bool = False,
    dry_run: bool = False,
    write: bool = True,
    job_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    writing: Callable[[], None] | None = None,
    now: datetime | None = None,
) -> ImportOutcome:
    """Validate `table` and, if it may be written, write it in one transaction.

    `dry_run` writes and rolls back (the preview's exact counts); `write=False` only validates
    (the preview of a file too big to write twice in a request). `progress(done, total)` is
    called as rows are validated and `writing()` once validation is over; neither may use the
    import's transaction (they record a job's progress for others to see).

    On PostgreSQL a file of several chunks is pipelined: a thread validates chunk k+1 (pure
    Python, and its COPY data: `staging_data`) while this one writes chunk k (mostly the
    database working, Python waiting), so the import costs about the longer of the two rather
    than their sum. Elsewhere everything is validated first (before the transaction, so
    progress is visible), then written.
    A file with errors and no `skip_errors` is not written: in the pipeline, writing stops at
    the first error and what was written rolls back.
    """
    spec = KINDS[kind]
    now = now or timezone.now()
    started = time.perf_counter()
    validator = spec.validator(user=user, now=now, progress=progress)
    validator.prepare(table)
    pipelined = write and sql.is_postgres() and len(table.rows) > validate.CHUNK_ROWS
    writer = spec.writer(
        present=frozenset(table.columns), user=user, now=now, reason=reason, job_id=job_id
    )
    # Leaving the block stops the validating thread, if any (it ends by itself when done).
    with ExitStack() as background:
        if pipelined:
            parts = background.enter_context(
                _validated_in_background(validator, writer, progress, writing)
            )
        else:
            validated = validator.validate_prepared()
            _log_validated(kind, validated, started)
            if not (write and validated.rows and (skip_errors or not validated.errors)):
                return ImportOutcome(validated, [], [], [], written=False, dry_run=dry_run)
            if writing:
                writing()
            parts = [(Checked(rows=validated.rows), None)]
        written, written_cpu = time.perf_counter(), time.thread_time()
        cache: dict = {}  # the listeners', for the whole import (see `applications.signals`)
        result = spec.writer_result()
        checked: list[Checked] = []
        refused = False
        try:
            with transaction.atomic():
                writer.begin(n for n in validator.numbers if n)
                for part, staged in parts:
                    checked.append(part)
                    refused = refused or (bool(part.errors) and not skip_errors)
                    if not refused:
                        _write(spec, writer, part, staged, result, user, now, cache)
                writer.finish()
                if refused or dry_run:
                    transaction.set_rollback(True)
        except StaleLedger as exc:
            raise ImportRefused(
                _("工单%(number)s在校验后已被他人办理，本次导入未作任何修改，请重新导入。")
                % {"number": exc.args[0]}
            ) from exc
    if pipelined:
        validated = validator.result(checked)
        _log_validated(kind, validated, started)
    # The writing thread's own CPU: the rest of its time it waited for the database.
    logger.info(
        "%s ledger: wrote %s rows in %.2f s (writing thread's CPU %.2f s)%s",
        kind,
        len(validated.rows),
        time.perf_counter() - written,
        time.thread_time() - written_cpu,
        " (rolled back)" if refused or dry_run else "",
    )
    if refused:
        return ImportOutcome(validated, [], [], [], written=False, dry_run=dry_run)
    return ImportOutcome(
        validated, result.created, result.updated, result.unchanged, written=True, dry_run=dry_run
    )


def _write(spec: LedgerKind, writer, checked: Checked, staged, result, user, now, cache) -> None:
    """Good rows, a chunk at a time; monitoring hears of each chunk's applications at once.

    `staged`: the writer's `staging_data` of these rows (one chunk), made by the validating
    thread; else the writer stages each chunk itself.
    """
    rows, size = checked.rows, validate.CHUNK_ROWS
    if staged is not None:
        pieces = [(rows, staged)]
    else:
        pieces = [(rows[start : start + size], None) for start in range(0, len(rows), size)]
    for chunk, data in pieces:
        part = writer.write_chunk(chunk) if data is None else writer.write_chunk(chunk, staged=data)
        result.extend(part)
        if spec.announces and part.lifecycle_ids:
            announced = time.perf_counter()
            applications_imported.send(
                sender=Application,
                application_ids=part.lifecycle_ids,
                created_ids=part.created_ids,
                actor=user,
                at=now,
                cache=cache,
            )
            logger.debug(
                "%s applications announced in %.2f s",
                len(part.lifecycle_ids),
                time.perf_counter() - announced,
            )


def _log_validated(kind: str, validated: Validated, started: float) -> None:
    logger.info(
        "%s ledger: validated %s rows in %.2f s, %s rows with errors",
        kind,
        validated.rows_total,
        time.perf_counter() - started,
        validated.error_row_count,
    )


_DONE = object()
SWITCH_INTERVAL = 0.0005  # seconds (sys.setswitchinterval) while the pipeline runs


@contextmanager
def _validated_in_background(
    validator, writer, progress, writing
) -> Iterator[Iterator[tuple[Checked, bytes | None]]]:
    """A worker thread validating the chunks, started at once (the writer's `begin` and the
    first chunk's validation overlap); yields an iterator of (chunk's verdict, its good rows'
    `writer.staging_data`), ready as they come (at most two ahead). Leaving the block stops
    the worker.

    The worker reads no database (`prepare` did, in this thread); it writes only through
    `progress`/`writing` (a job's progress, on the thread's own autocommit connection, closed
    when it ends).
    """
    results: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    language = translation.get_language()
    total = len(validator.table.rows)

    def put(item) -> bool:
        while not stop.is_set():
            try:
                results.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            with translation.override(language):
                done = 0
                for chunk in validator.chunks():
                    checked = validator.validate_chunk(chunk)
                    # Formatted here: the writing thread, which the database waits for, sends.
                    staged = writer.staging_data(checked.rows) if checked.rows else None
                    if not put((checked, staged)):
                        return
                    done += len(chunk)
                    if progress:
                        progress(done, total)
                if writing:
                    writing()
            put(_DONE)
        except BaseException as exc:  # handed to the writing thread, which raises it
            put(exc)
        finally:
            connections.close_all()  # this thread's own connections only

    def handed_over() -> Iterator[tuple[Checked, bytes | None]]:
        while (item := results.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    worker = threading.Thread(target=work, name="ledger-validation", daemon=True)
    # Two busy threads hand the GIL over every 5 ms by default; the writing thread releases it
    # at each network write of a COPY and would then wait that long to get it back.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    worker.start()
    try:
        yield handed_over()
    finally:
        stop.set()
        worker.join(timeout=60)
        sys.setswitchinterval(interval)


def import_reason(filename: str, job_id: int | None = None) -> str:
    """History change reason and log comment: which file (and job) did it."""
    job = f"#{job_id}" if job_id else ""
    return f"台账导入{job}：{filename}"


__all__ = ["ImportOutcome", "ImportRefused", "LedgerFileError", "import_ledger", "read"]

"""The one entry point of a ledger import: read, validate, write, announce.

The admin's preview, the admin's confirm, the background job and the benchmark all call
`import_ledger`. A file with errors writes nothing unless `skip_errors`; what is written is
written in one transaction, so an error anywhere leaves the database as it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Application, ImportJob
from ..signals import applications_imported
from .bulk import LedgerWriter, StaleLedger, WriteResult
from .columns import APPLICATION_COLUMNS, METERING_COLUMNS, Column
from .metering import MeteringLedgerValidator, MeteringResult, MeteringWriter
from .reader import LedgerFileError, Table, read_table
from .validate import CHUNK_ROWS, ApplicationLedgerValidator, RowError, Validated

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


def read(kind: str, data: bytes, *, expected: str = "") -> Table:
    return read_table(data, columns=KINDS[kind].columns, expected=expected)


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
    called as rows are validated and `writing()` once before the write starts: validation
    runs before the transaction opens, so a job's progress is visible while it runs.
    """
    spec = KINDS[kind]
    now = now or timezone.now()
    started = time.perf_counter()
    validator = spec.validator(user=user, now=now, progress=progress)
    validated = validator.validate(table)
    logger.info(
        "%s ledger: validated %s rows in %.2f s, %s rows with errors",
        kind,
        validated.rows_total,
        time.perf_counter() - started,
        validated.error_row_count,
    )
    if not (write and validated.rows and (skip_errors or not validated.errors)):
        return ImportOutcome(validated, [], [], [], written=False, dry_run=dry_run)
    if writing:
        writing()
    started = time.perf_counter()
    writer = spec.writer(
        present=validated.present, user=user, now=now, reason=reason, job_id=job_id
    )
    result = spec.writer_result()
    try:
        with transaction.atomic():
            writer.begin(n for n in validator.numbers if n)
            rows = validated.rows
            for start in range(0, len(rows), CHUNK_ROWS):
                part = writer.write_chunk(rows[start : start + CHUNK_ROWS])
                result.extend(part)
                if spec.announces and part.lifecycle_ids:
                    # Monitoring starts the chunk's clocks in this same transaction.
                    announced = time.perf_counter()
                    applications_imported.send(
                        sender=Application,
                        application_ids=part.lifecycle_ids,
                        created_ids=part.created_ids,
                        actor=user,
                        at=now,
                    )
                    logger.debug(
                        "%s applications announced in %.2f s",
                        len(part.lifecycle_ids),
                        time.perf_counter() - announced,
                    )
            writer.finish()
            if dry_run:
                transaction.set_rollback(True)
            committing = time.perf_counter()
        logger.debug("committed in %.2f s", time.perf_counter() - committing)
    except StaleLedger as exc:
        raise ImportRefused(
            _("工单%(number)s在校验后已被他人办理，本次导入未作任何修改，请重新导入。")
            % {"number": exc.args[0]}
        ) from exc
    logger.info(
        "%s ledger: wrote %s rows in %.2f s%s",
        kind,
        len(validated.rows),
        time.perf_counter() - started,
        " (dry run, rolled back)" if dry_run else "",
    )
    return ImportOutcome(
        validated, result.created, result.updated, result.unchanged, written=True, dry_run=dry_run
    )


def import_reason(filename: str, job_id: int | None = None) -> str:
    """History change reason and log comment: which file (and job) did it."""
    job = f"#{job_id}" if job_id else ""
    return f"台账导入{job}：{filename}"


__all__ = ["ImportOutcome", "ImportRefused", "LedgerFileError", "import_ledger", "read"]

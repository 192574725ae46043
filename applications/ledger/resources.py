"""django-import-export resources of the ledgers, with the Chinese headers of real ledgers.

The admin keeps import-export's flow — upload, preview (dry run), confirm, errors — and its
export action; what happens inside is ours:

- `import_data` runs `importing.import_ledger` on the `Table` our formats read, and returns an
  import-export `Result` whose totals and preview rows come from the set-based writer (a dry run
  writes and rolls back, so the preview's new / updated / unchanged are exact). Files above the
  background threshold are only validated in the preview; counts come with the job's summary.
- `export` builds the dataset from one query (`export.application_rows`) instead of one
  attribute walk per field and row.

Import-export's default row-by-row path would save each row (~500 rows/s, LIBS.md); ours writes
the whole file in a handful of statements.
"""

from __future__ import annotations

import tablib
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.results import Result, RowResult

from ..models import ImportJob
from .cells import code_or_blank
from .columns import APPLICATION_COLUMNS, METERING_COLUMNS, Column
from .export import application_rows, metering_rows
from .importing import ImportOutcome, import_ledger, import_reason, read
from .jobs import background_threshold
from .normalise import display
from .reader import Table

PREVIEW_ROWS = 200


def declared_fields(columns: tuple[Column, ...]) -> dict[str, Field]:
    """One import-export Field per ledger column, named by key, headed in Chinese."""
    return {c.key: Field(attribute=c.key, column_name=c.header) for c in columns}


class LedgerResult(Result):
    """import-export's Result, carrying our outcome for the preview template."""

    def __init__(self, outcome: ImportOutcome, *, background: bool):
        super().__init__()
        self.outcome = outcome
        self.background = background
        self.total_rows = outcome.rows_total
        table = outcome.validated.table
        self.diff_headers = [_("行号"), *table.headers]
        self.totals[RowResult.IMPORT_TYPE_NEW] = len(outcome.created)
        self.totals[RowResult.IMPORT_TYPE_UPDATE] = len(outcome.updated)
        self.totals[RowResult.IMPORT_TYPE_SKIP] = len(outcome.unchanged)
        self.totals[RowResult.IMPORT_TYPE_INVALID] = outcome.error_row_count
        status = outcome.status_of()
        number_index = table.columns["number"]
        for row_no, cells in table.rows:
            if len(self.rows) >= PREVIEW_ROWS:
                break
            number = code_or_blank(cells[number_index])
            kind = status.get(number)
            if kind is None:
                continue
            row = RowResult()
            row.import_type = kind
            row.diff = [row_no, *(display(c) for c in cells)]
            self.rows.append(row)

    # Row errors are ours (shown by our template, with the "skip bad rows" choice); telling
    # import-export about them would hide the confirm form.
    def has_validation_errors(self) -> bool:
        return False


class LedgerResource(resources.Resource):
    kind: str = ""
    columns: tuple[Column, ...] = ()
    # Rows carry customers' personal data: exports are masked per user and logged.
    personal_data = False

    def __init__(self, **kwargs):
        super().__init__()

    @classmethod
    def get_display_name(cls) -> str:
        return str(ImportJob.Kind(cls.kind).label)

    def get_user_visible_fields(self):
        return list(self.fields.values())

    def get_export_order(self):
        return [c.key for c in self.columns]

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs) -> LedgerResult:
        """Validate (and, unless the file is big, write and roll back) for the preview."""
        table = dataset if isinstance(dataset, Table) else self._table_from_dataset(dataset)
        user = kwargs["user"]
        background = len(table.rows) > background_threshold()
        outcome = import_ledger(
            kind=self.kind,
            table=table,
            user=user,
            reason=import_reason(kwargs.get("file_name") or ""),
            skip_errors=True,
            dry_run=dry_run,
            write=not (dry_run and background),
        )
        request = kwargs.get("request")
        if request is not None:
            request.ledger_outcome = outcome
        return LedgerResult(outcome, background=background)

    def _table_from_dataset(self, dataset: tablib.Dataset) -> Table:
        """A tablib dataset (e.g. from `export()`) read like a file."""
        from .xlsx import write_rows

        return read(self.kind, write_rows("data", dataset.headers, dataset), expected="xlsx")

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        selected = kwargs.get("export_fields") or [c.key for c in self.columns]
        keys = [c.key for c in self.columns if c.key in selected]
        headers = [self.fields[k].column_name for k in keys]
        dataset = tablib.Dataset(headers=headers, title=self.get_display_name())
        for values in self.rows(queryset, masked=kwargs.get("mask_personal_data", False)):
            dataset.append([values[k] for k in keys])
        return dataset

    def rows(self, queryset, *, masked: bool):
        raise NotImplementedError


class _ApplicationRows:
    personal_data = True

    def rows(self, queryset, *, masked: bool):
        return application_rows(queryset, masked=masked)


class _MeteringRows:
    def rows(self, queryset, *, masked: bool):
        return metering_rows(queryset)  # meters and dates only: nothing personal


# Built with type() so that import-export's metaclass sees one declared Field per column.
ApplicationLedgerResource = type(
    "ApplicationLedgerResource",
    (_ApplicationRows, LedgerResource),
    {
        "__module__": __name__,
        "__doc__": "业扩台账: applications with their customers, upserted by 工单编号.",
        "kind": ImportJob.Kind.APPLICATIONS,
        "columns": APPLICATION_COLUMNS,
        **declared_fields(APPLICATION_COLUMNS),
    },
)
MeteringLedgerResource = type(
    "MeteringLedgerResource",
    (_MeteringRows, LedgerResource),
    {
        "__module__": __name__,
        "__doc__": "装表记录: meters per application, upserted by (工单编号, 电能表资产号).",
        "kind": ImportJob.Kind.METERING,
        "columns": METERING_COLUMNS,
        **declared_fields(METERING_COLUMNS),
    },
)

"""django-import-export file formats for ledgers.

Import: the user may pick xlsx, xls or csv (import-export's guess from the extension), but the
file is read by what its bytes are (`reader.sniff`), with calamine instead of import-export's
openpyxl reader (≈ 12× faster, LIBS.md), and csv with encoding detection instead of a fixed
UTF-8. `create_dataset` returns our `Table` (it has a length, which is all the admin asks of a
dataset) for the resource's `import_data`; a file that cannot be read raises `LedgerFileError`,
shown on the upload form in Chinese.

Export: .xlsx written by `xlsx.SheetWriter` (formula injection neutralised, dates as dates).
"""

from __future__ import annotations

from import_export.formats import base_formats

from .columns import Column
from .reader import Table, read_table
from .xlsx import write_rows


class _LedgerFormat:
    columns: tuple[Column, ...] = ()
    expected = ""

    def is_binary(self) -> bool:
        return True  # even csv: the bytes are decoded by `reader`, which detects GBK

    def get_read_mode(self) -> str:
        return "rb"

    def can_export(self) -> bool:
        return False

    def create_dataset(self, in_stream, **kwargs) -> Table:
        return read_table(bytes(in_stream), columns=self.columns, expected=self.expected)


class LedgerXLSX(_LedgerFormat, base_formats.XLSX):
    expected = "xlsx"


class LedgerXLS(_LedgerFormat, base_formats.XLS):
    expected = "xls"

    @classmethod
    def is_available(cls) -> bool:
        return True  # read with calamine: no xlrd needed

    def can_import(self) -> bool:
        return True

    def get_title(self) -> str:
        return "xls"


class LedgerCSV(_LedgerFormat, base_formats.CSV):
    expected = "csv"


def import_formats(columns: tuple[Column, ...]) -> list[type]:
    """The import formats of one ledger, bound to its columns."""
    return [
        type(base.__name__, (base,), {"columns": columns})
        for base in (LedgerXLSX, LedgerXLS, LedgerCSV)
    ]


class SafeXLSX(base_formats.XLSX):
    """Export to .xlsx with formula injection neutralised (see `xlsx`)."""

    def can_import(self) -> bool:
        return False

    def export_data(self, dataset, **kwargs) -> bytes:
        return write_rows(dataset.title or "导出", dataset.headers or [], dataset)

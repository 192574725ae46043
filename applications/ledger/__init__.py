"""Ledger import and export (台账导入导出): Excel files in, applications out, nothing lost.

The pipeline, one module per step:

- `reader`     bytes → a `Table`: which file it really is (xlsx, xls, csv in UTF-8 or GBK), the
               header row (even under title rows or merged cells), the data rows with their
               Excel row numbers; `formulas` finds cells holding a formula without a value;
- `columns`    the Chinese headers real ledgers use and the fields they fill;
- `stages`     legacy stage names (业务受理, 竣工验收, 暂停…) → the lifecycle's states per class;
- `normalise`  one cell → one value (dates, capacities, voltages, codes, yes/no), or why not;
               `cells` combines them (required, bounded, memoised), `ids` checks ID numbers;
- `validate`   a `Table` → `rows`: good rows and `RowError`s (Excel row, column, reason in
               Chinese), with `directory` (units and staff by name) and `existing` (what the
               database already holds for the file's numbers);
- `bulk`       good rows → the database, chunk by chunk in one transaction, set-based (COPY
               into a staging table, then INSERT … ON CONFLICT / UPDATE … FROM on PostgreSQL,
               the same SQL with executemany on SQLite; `sql` holds the differences), changes
               logged by `history`;
- `importing`  the one entry point: read, validate, write, announce (`applications_imported`);
- `jobs`       the same as a django-q2 job with progress, for big files;
- `metering`   the metering-record ledger (装表记录);
- `export`, `xlsx`  applications as ledger rows; workbooks written safely (formula injection
               neutralised), the error workbook;
- `resources`, `formats`  django-import-export's resources and file formats, so the admin keeps
               its upload → preview → confirm flow and its export.
"""

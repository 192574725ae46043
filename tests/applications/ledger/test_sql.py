"""The set-based writers' SQL helpers: staging loads, array literals, YK numbers in a ledger."""

import threading
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from applications.ledger import bulk, sql
from applications.models import ApplicationNumberSequence
from applications.states import CustomerClass

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
COLUMNS = [
    ("row_no", "integer", "integer"),
    ("id", "bigint", "bigint"),
    ("label", "varchar(20)", "varchar(20)"),
    ("note", "text", "text"),
    ("amount", "numeric(10, 1)", "decimal"),
    ("flag", "boolean", "bool"),
    ("at", "timestamptz", "datetime"),
    ("day", "date", "date"),
]


NOTE = '引号" 反斜杠\\ 逗号, {括号}'
AT = datetime(2026, 3, 2, 8, 30, tzinfo=TZ)
ROWS = [
    (
        1,
        9_000_000_001,
        CustomerClass.LV_RESIDENT,
        NOTE,
        Decimal("315.5"),
        True,
        AT,
        date(2026, 3, 2),
    ),
    (2, None, "", None, None, False, None, None),
]


def loaded_back(data: bytes | None = None) -> list[tuple]:
    """ROWS through a staging table: as rows, or as `data` (what `copy_data` made of them)."""
    sql.create_staging("test_stage", COLUMNS)
    try:
        sql.load_staging("test_stage", COLUMNS, iter(ROWS), data=data)
        names = ", ".join(c for c, _pg, _lite in COLUMNS)
        return sql.fetch(f"SELECT {names} FROM test_stage ORDER BY row_no")
    finally:
        sql.drop_staging("test_stage")


def test_a_staging_table_gives_back_every_kind_of_value_it_was_loaded_with():
    first, second = loaded_back()
    assert first[:6] == ROWS[0][:6]
    # PostgreSQL gives the instant back; SQLite the naive UTC time Django stores.
    assert first[6] == (AT if sql.is_postgres() else datetime(2026, 3, 2, 0, 30))
    assert str(first[7]) == "2026-03-02"
    assert second[1:6] == (None, "", None, None, False)
    assert second[6:] == (None, None)


@pytest.mark.postgres_only
def test_copy_data_made_in_another_thread_loads_the_same_rows():
    source = sql.copy_source()
    made = {}
    worker = threading.Thread(target=lambda: made.update(data=sql.copy_data(COLUMNS, ROWS, source)))
    worker.start()
    worker.join()
    assert loaded_back(made["data"]) == loaded_back()
    assert loaded_back(sql.copy_data(COLUMNS, [], source)) == []


def test_only_postgresql_has_a_source_for_copy_data():
    assert (sql.copy_source() is None) == (not sql.is_postgres())


@pytest.mark.postgres_only
def test_an_array_literal_of_any_text_reaches_postgresql_as_the_same_list():
    texts = ['a"b', "c\\d", "e,f", "{g}", " h ", "NULL", "", "工单 1"]
    assert sql.fetch("SELECT %s::text[]", (sql.array_literal(texts),))[0][0] == texts
    ids = [3, 1, 2]
    assert sql.fetch("SELECT %s::bigint[]", (sql.array_literal(ids),))[0][0] == ids
    mixed = [1, None, 2]
    assert sql.fetch("SELECT %s::bigint[]", (sql.array_literal(mixed),))[0][0] == mixed
    assert sql.fetch("SELECT %s::text[]", (sql.array_literal([]),))[0][0] == []


def test_array_literals_are_written_as_postgresql_reads_them():
    assert sql.array_literal(['a"b', "c\\d", "e"]) == '{"a\\"b","c\\\\d","e"}'
    assert sql.array_literal([1, 2]) == "{1,2}"
    assert sql.array_literal([1, None]) == "{1,NULL}"
    assert sql.array_literal(iter(["x"])) == '{"x"}'
    assert sql.array_literal([]) == "{}"


def test_only_whole_yk_numbers_move_the_sequences_on():
    bulk.advance_sequences(
        iter([
            "YK-2026-000012", "YK-2025-000300", "", "xYK-2026-000999", "YK-2026-0009999",
            "YK-2026-000007", "YK-2026-000998y", "XH-2026-00001",
        ])
    )  # fmt: skip
    sequences = dict(ApplicationNumberSequence.objects.values_list("year", "last_value"))
    assert sequences == {2026: 12, 2025: 300}

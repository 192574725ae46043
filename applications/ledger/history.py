"""simple-history rows for the rows an import changed with SQL, as `save()` would write them.

What is logged (README "Ledger import"): every change an import makes to an existing customer,
application or metering record gets a history row (user = the importer, reason = the import
job and file), so the history tab shows old → new. A row an import *creates* gets no history
row — the import job and the application's "create" log row record where it came from, and
writing 100,000 of them would double the import's cost. When a later import first changes such
a row, its state before the change is written first (dated at its creation), so the change
still reads as old → new.
"""

from __future__ import annotations

from . import sql


def tracked_columns(model) -> list[str]:
    history = model.history.model
    return [f.column for f in history._meta.fields if not f.name.startswith("history_")]


def write_history(
    model,
    ids: list[int],
    *,
    params: dict,
    history_type: str,
    source: str | None = None,
    date: str = "%(now)s",
    reason: str = "%(reason)s",
    user: str = "%(user)s",
    where: str = "TRUE",
) -> int:
    """Copy rows `ids` of `source` (default: the model's table) into the model's history.

    `history_type`, `date`, `reason`, `user` and `where` are SQL over the row `t`.
    """
    tracked = tracked_columns(model)
    return sql.for_ids(
        f"""
        INSERT INTO {model.history.model._meta.db_table}
            ({", ".join(tracked)}, history_date, history_change_reason, history_type,
             history_user_id)
        SELECT {", ".join(f"t.{c}" for c in tracked)}, {date}, {reason}, {history_type}, {user}
        FROM {source or model._meta.db_table} t WHERE {where} AND {{match}}
        """,
        "t.id",
        sorted(ids),
        params,
    )


def snapshot_unlogged(model, name: str, where: str) -> None:
    """Keep, in temp table `name`, the rows `where` selects that have no history row yet."""
    sql.create_temp_as(
        name,
        f"""
        SELECT t.* FROM {model._meta.db_table} t
        WHERE {where} AND NOT EXISTS (
            SELECT 1 FROM {model.history.model._meta.db_table} h WHERE h.id = t.id)
        """,
    )


def log_changes(
    model,
    ids: list[int],
    *,
    params: dict,
    unlogged: str,
    born: str = "t.created_at",
    new_rows: str = "t.created_at = %(now)s",
) -> None:
    """History for rows `ids` an import changed: the missing baseline first, then the change.

    `born` dates the baseline; rows matching `new_rows` were created by this import and get no
    history (see above; they are not in `unlogged` either).
    """
    write_history(
        model,
        ids,
        params=params,
        source=unlogged,
        history_type="'+'",
        date=born,
        reason="%(baseline_reason)s",
        user="NULL",
        where=f"NOT ({new_rows})",
    )
    write_history(model, ids, params=params, history_type="'~'", where=f"NOT ({new_rows})")


BASELINE_REASON = "导入修改前的数据（补记）"

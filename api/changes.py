"""The change feed: which applications changed since a client's cursor.

Semantics (README "Integration API"): a cursor is an opaque string; the feed returns changes
strictly after it, oldest first, and `next_cursor` to ask from next time. A change is one save
of an application (created, moved to another stage, or edited) recorded in the same
transaction as the save, so a rolled-back save leaves none. Cursors only grow, and a change
never appears behind a cursor already handed out:

- on PostgreSQL each row carries its transaction's id (`txid_current()`), the feed is ordered
  by (txid, id), and it returns only rows of transactions older than the oldest one still
  running (`txid_snapshot_xmin`) — a transaction that commits later always has a larger txid
  than every row already returned, even if its ids are smaller;
- on SQLite writers are serial, txid is 0 and the id order is the commit order.

A change is a notice, not the data: the client reads the application for its current state.
Ledger imports write in bulk and announce nothing per row; they do not appear in the feed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from .models import ApplicationChange

MAX_LIMIT = 500


def current_txid() -> int:
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        return cursor.fetchone()[0]


def record(application, *, created: bool) -> ApplicationChange:
    """Add a change row for `application` inside the transaction that saved it."""
    return ApplicationChange.objects.create(
        application_id=application.pk,
        txid=current_txid(),
        at=timezone.now(),
        state=application.state,
        created=created,
    )


def encode(txid: int, pk: int) -> str:
    return f"{txid}.{pk}"


def decode(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return (-1, 0)
    try:
        txid, pk = (int(part) for part in cursor.split("."))
    except ValueError:
        raise ValidationError({"cursor": [_("游标无效：请使用上次返回的 next_cursor。")]}) from None
    if txid < 0 or pk < 0:
        raise ValidationError({"cursor": [_("游标无效：请使用上次返回的 next_cursor。")]})
    return txid, pk


def _visible_horizon() -> tuple[int, int | None] | None:
    """Rows with txid below the first value are final; the second is the reader's own
    transaction, whose rows it sees anyway (None: no limit, SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT txid_snapshot_xmin(txid_current_snapshot()), txid_current_if_assigned()"
        )
        return cursor.fetchone()


@dataclass
class Page:
    changes: list[ApplicationChange]
    next_cursor: str
    has_more: bool


def since(cursor: str | None, *, limit: int, applications) -> Page:
    """Changes after `cursor` of the applications in `applications` (the caller's scope)."""
    txid, pk = decode(cursor)
    rows = ApplicationChange.objects.filter(application__in=applications.values("pk"))
    rows = rows.filter(txid=txid, pk__gt=pk) | rows.filter(txid__gt=txid)
    horizon = _visible_horizon()
    if horizon is not None:
        xmin, own = horizon
        rows = rows.filter(Q(txid__lt=xmin) | Q(txid=own)) if own else rows.filter(txid__lt=xmin)
    page = list(rows.select_related("application").order_by("txid", "pk")[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    next_cursor = encode(page[-1].txid, page[-1].pk) if page else (cursor or encode(0, 0))
    return Page(page, next_cursor, has_more)

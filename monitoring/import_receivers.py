"""Monitoring listens to ledger imports: imported applications in flight get their clocks,
and those the import energized (or took back from energized) their connection records.

Kept apart from `monitoring.receivers` (the lifecycle's transitions) because an import is one
signal for many applications, handled set-based (`monitoring.imported_clocks`). Sent inside the
import's transaction: the clocks commit or roll back with the rows.
"""

from django.dispatch import receiver

from applications.ledger import sql
from applications.signals import applications_imported

from . import imported_clocks


@receiver(applications_imported, dispatch_uid="monitoring.clocks_follow_import")
def clocks_follow_import(sender, *, application_ids, at, created_ids=(), cache=None, **kwargs):
    ids = list(application_ids)
    cache = cache.setdefault("monitoring", {}) if cache is not None else None
    created = set(created_ids)
    imported_clocks.follow_import(application_ids=ids, created_ids=created, at=at, cache=cache)
    # After the clocks: a record sums the application's stopped clocks. Imported here, not at
    # the top: importing the records module connects its lifecycle receiver, which must come
    # after the clock receivers (`monitoring.receivers`) so that energizing stops clocks first.
    from .dashboard.records import refresh_connection_records

    for part in sql.chunks(ids, sql.chunk_size()):
        refresh_connection_records(part, now=at, new_ids=created)

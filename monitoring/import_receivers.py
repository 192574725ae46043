"""Monitoring listens to ledger imports: imported applications in flight get their clocks.

Kept apart from `monitoring.receivers` (the lifecycle's transitions) because an import is one
signal for many applications, handled set-based (`monitoring.imported_clocks`). Sent inside the
import's transaction: the clocks commit or roll back with the rows.
"""

from django.dispatch import receiver

from applications.signals import applications_imported

from . import imported_clocks


@receiver(applications_imported, dispatch_uid="monitoring.clocks_follow_import")
def clocks_follow_import(sender, *, application_ids, at, created_ids=(), **kwargs):
    imported_clocks.follow_import(
        application_ids=list(application_ids), created_ids=set(created_ids), at=at
    )

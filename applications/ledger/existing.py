"""What the database already holds for the application numbers of a file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..models import Application, SchemeReview, SupplyScheme, SurveyRecord, TransitionLog
from ..states import ApplicationOrigin
from . import sql
from .sql import chunks

IMPORT_TRANSITIONS = ("create", "import")


@dataclass(frozen=True, slots=True)
class Existing:
    id: int
    unit_id: int
    state: str
    suspended_from: str
    state_changed_at: datetime | None
    manage_lifecycle: bool  # imported and never moved in Yekuo: the ledger still sets its stage
    ledger_installed_on: date | None = None
    meter_installed_on: date | None = None  # Yekuo's own meter installation (local day)

    def same_stage(self, state: str, suspended_from: str) -> bool:
        return (self.state, self.suspended_from or "") == (state, suspended_from or "")


def existing_applications(numbers: Iterable[str], *, lock: bool = False) -> dict[str, Existing]:
    """Number → what is stored; with `lock`, the rows stay locked until the transaction ends."""
    # Any transition, survey, scheme or approval round in Yekuo makes Yekuo its master.
    of_it = {"application": OuterRef("pk")}
    handled_in_system = (
        Exists(TransitionLog.objects.filter(**of_it).exclude(transition__in=IMPORT_TRANSITIONS))
        | Exists(SurveyRecord.objects.filter(**of_it))
        | Exists(SupplyScheme.objects.filter(**of_it))
        | Exists(SchemeReview.objects.filter(**of_it))
    )
    found: dict[str, Existing] = {}
    for part in chunks(sorted(set(numbers)), sql.chunk_size()):
        queryset = Application.objects.filter(number__in=sql.one_of(part, "text")).annotate(
            handled=handled_in_system
        )
        if lock and connection.features.has_select_for_update:
            # Concurrent transitions wait for the import, and the import for them.
            queryset = queryset.select_for_update(of=("self",))
        for row in queryset.values_list(
            "number", "id", "unit_id", "state", "suspended_from", "state_changed_at", "origin",
            "handled", "ledger_installed_on", "meter_installation__installed_at",
        ):  # fmt: skip
            number, pk, unit_id, state, suspended_from, changed_at, origin, handled = row[:8]
            found[number] = Existing(
                id=pk,
                unit_id=unit_id,
                state=state,
                suspended_from=suspended_from,
                state_changed_at=changed_at,
                manage_lifecycle=origin == ApplicationOrigin.LEDGER and not handled,
                ledger_installed_on=row[8],
                meter_installed_on=timezone.localdate(row[9]) if row[9] else None,
            )
    return found

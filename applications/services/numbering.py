"""Yearly numbers like YK-2026-000123, issued without gaps or duplicates.

Any model with a `year` primary key and a `last_value` counter can be a sequence: applications
use ApplicationNumberSequence, grid-side projects their own (projects.models).
"""

from django.db import models, transaction
from django.db.models import F

from ..models import ApplicationNumberSequence


def reserve_next(sequence: type[models.Model], year: int) -> int:
    """Reserve the next value of `sequence` for `year`; safe under concurrent callers."""
    with transaction.atomic():
        sequence.objects.bulk_create([sequence(year=year)], ignore_conflicts=True)
        # UPDATE … SET last_value = last_value + 1 takes the row lock; the read sees our value.
        sequence.objects.filter(year=year).update(last_value=F("last_value") + 1)
        return sequence.objects.get(year=year).last_value


def next_application_number(year: int) -> str:
    """Reserve the next application number of `year`."""
    return f"YK-{year}-{reserve_next(ApplicationNumberSequence, year):06d}"

"""Application numbers like YK-2026-000123, issued without gaps or duplicates."""

from django.db import transaction
from django.db.models import F

from ..models import ApplicationNumberSequence


def next_application_number(year: int) -> str:
    """Reserve the next number of `year`; safe under concurrent callers (row lock on the year)."""
    with transaction.atomic():
        ApplicationNumberSequence.objects.bulk_create(
            [ApplicationNumberSequence(year=year)], ignore_conflicts=True
        )
        # UPDATE … SET last_value = last_value + 1 takes the row lock; the read sees our value.
        ApplicationNumberSequence.objects.filter(year=year).update(last_value=F("last_value") + 1)
        value = ApplicationNumberSequence.objects.get(year=year).last_value
    return f"YK-{year}-{value:06d}"

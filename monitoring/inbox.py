"""The in-app inbox (站内通知): each user reads and acknowledges only their own notifications."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from . import complaints
from .models import Alert, Notification


def own(user) -> QuerySet[Notification]:
    """The user's notifications, less those about a clock they may no longer see (a complaint
    handed over to 纪检 since, say): the row stays, the inbox does not show it."""
    mine = Notification.objects.filter(recipient=user)
    return complaints.visible_deadlines(user, mine, path="alert__deadline")


def inbox(user) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first."""
    return own(user).order_by(F("read_at").asc(nulls_first=True), "-created_at", "-pk")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return own(user).filter(read_at__isnull=True).count()


def mark_read(*, user, notifications: QuerySet[Notification]) -> int:
    """Mark the user's own unread notifications among `notifications` as read."""
    return notifications.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def acknowledge(*, user, notifications: QuerySet[Notification]) -> int:
    """Acknowledge the user's own notifications (read too), and the alerts they are about.

    An alert names its recipients, so the first of them to acknowledge it is recorded on the
    alert (conditional UPDATE: later acknowledgements leave the first one in place).
    """
    now = timezone.now()
    mine = notifications.filter(recipient=user)
    pks = list(mine.filter(acknowledged_at__isnull=True).values_list("pk", flat=True))
    Notification.objects.filter(pk__in=pks, read_at__isnull=True).update(read_at=now)
    done = Notification.objects.filter(pk__in=pks).update(acknowledged_at=now)
    Alert.objects.filter(notifications__in=pks, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=user
    )
    return done

"""Acknowledging alerts (确认时限告警): someone named by an alert has taken it in hand."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import rules
from applications.services.errors import TransitionRefused

from .models import Alert, Notification


def acting_scope(alerts: QuerySet[Alert], user) -> QuerySet[Alert]:
    """Alerts this user may act on: their unit's and its stations' (seeing is not acting)."""
    if user.is_superuser:
        return alerts
    unit_id = rules.user_unit_id(user)
    if unit_id is None or not user.is_active:
        return alerts.none()
    return alerts.filter(Q(unit_id=unit_id) | Q(unit__parent_id=unit_id))


@transaction.atomic
def acknowledge_alerts(*, user, alerts: QuerySet[Alert], note: str = "") -> int:
    """Acknowledge the alerts of `alerts` in the user's unit that nobody acknowledged yet.

    A conditional UPDATE (… WHERE acknowledged_at IS NULL): the first to acknowledge is
    recorded, a second click or a colleague at the same moment changes nothing. The user's own
    notifications of these alerts count as acknowledged too.
    """
    if not user.has_perm("monitoring.acknowledge_alert"):
        raise TransitionRefused(_("您没有“确认时限告警”的权限。"))
    now = timezone.now()
    pks = list(
        acting_scope(alerts, user).filter(acknowledged_at__isnull=True).values_list("pk", flat=True)
    )
    fields = {"acknowledged_at": now, "acknowledged_by": user}
    if note:
        fields["note"] = note
    done = Alert.objects.filter(pk__in=pks, acknowledged_at__isnull=True).update(**fields)
    Notification.objects.filter(alert__in=pks, recipient=user, acknowledged_at__isnull=True).update(
        acknowledged_at=now
    )
    Notification.objects.filter(alert__in=pks, recipient=user, read_at__isnull=True).update(
        read_at=now
    )
    return done

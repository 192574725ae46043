"""Raw set-based SQL on our tables, one text for PostgreSQL and SQLite (≥ 3.24, for upserts).

The sweep and the notifications write many rows per statement with `connection.cursor()`;
these helpers give them the quoted table names from `_meta` and instants adapted the way the
ORM adapts them.
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from applications.models import Application, Customer, SchemeApproval, StaffProfile, Unit

from .models import (
    Alert,
    ClockForecast,
    Deadline,
    EmailDelivery,
    EscalationStep,
    Notification,
    StageClock,
)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def tables() -> dict[str, str]:
    user = get_user_model()
    return {
        "alert": table(Alert),
        "clock": table(StageClock),
        "forecast": table(ClockForecast),
        "deadline": table(Deadline),
        "content_type": table(ContentType),
        "step": table(EscalationStep),
        "notification": table(Notification),
        "email": table(EmailDelivery),
        "application": table(Application),
        "customer": table(Customer),
        "unit": table(Unit),
        "profile": table(StaffProfile),
        "approval": table(SchemeApproval),
        "user": table(user),
        "user_groups": table(user.groups.through),
        "group": table(Group),
    }


def instant(value: datetime):
    # SQLite keeps datetimes as UTC text: adapt exactly as the ORM does, so comparisons hold.
    return connection.ops.adapt_datetimefield_value(value)


def local_minute(column: str, params: dict) -> str:
    """SQL for an instant column as 'YYYY-MM-DD HH:MM' in settings.TIME_ZONE (for texts)."""
    if connection.vendor == "postgresql":
        params["local_zone"] = settings.TIME_ZONE
        return f"to_char({column} AT TIME ZONE %(local_zone)s, 'YYYY-MM-DD HH24:MI')"
    # SQLite keeps UTC text: shift by the zone's current offset (Asia/Shanghai has no DST).
    offset = timezone.localtime(timezone.now()).utcoffset()
    params["local_offset"] = f"{int(offset.total_seconds() // 60):+d} minutes"
    params["local_format"] = "%Y-%m-%d %H:%M"
    return f"strftime(%(local_format)s, {column}, %(local_offset)s)"


def execute(statement: str, params: dict) -> int:
    """Run one statement; the number of rows it wrote."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)

"""Notifying (站内通知 and e-mail): the sweep's last step tells the people each new alert names.

Who hears of what (DOMAIN.md §4 "Escalation"): a warning → the responsible person; overdue →
the responsible person and their direct supervisor; then each EscalationStep's target (the
unit's leader, the marketing department). An approval nobody has decided yet has no responsible
person: its department's approvers hear instead. Set-based like the rest of the sweep: one
INSERT … SELECT for the notifications and one for their e-mails.
"""

from __future__ import annotations

import logging
import string
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from applications import roles
from applications.states import Department

from . import sql
from .models import Alert, EmailDelivery, EscalationStep, Notification
from .models.policy import CLOCK_STAGE_CHOICES

logger = logging.getLogger(__name__)

Kind = Alert.Kind
Target = EscalationStep.Target

# The alerts this notify step claimed, each with whom its level targets: the EscalationStep of
# the clock's policy for that level; a warning, or a level without a step, targets the
# responsible person. Computed once, read by every rule below.
CLAIMED = """
    SELECT a.id AS alert_id, a.kind, a.level, a.application_id, a.unit_id,
           c.stage, c.responsible_id, c.scheme_approval_id,
           COALESCE(s.target, %(responsible)s) AS target
    FROM {alert} a
    JOIN {clock} c ON c.id = a.clock_id
    LEFT JOIN {step} s ON s.policy_id = c.policy_id AND s.level = a.level
         AND a.kind <> %(warning)s
    WHERE a.notified_at = %(now)s
"""
# Who hears of an alert (DOMAIN.md §4 "Escalation"): one SELECT (alert_id, user_id) per rule.
RECIPIENT_RULES = [
    # The responsible person: every warning, and the levels whose target is "responsible".
    """SELECT k.alert_id, k.responsible_id AS user_id FROM claimed k
        WHERE k.target = %(responsible)s""",
    # Their direct supervisor, from overdue on.
    """SELECT k.alert_id, p.supervisor_id FROM claimed k
        JOIN {profile} p ON p.user_id = k.responsible_id
        WHERE k.target = %(responsible)s AND k.kind <> %(warning)s""",
    # An approval no one has decided yet has no responsible person: its department's
    # approvers in the unit (or in the company above it) hear instead.
    """SELECT k.alert_id, p.user_id FROM claimed k
        JOIN {approval} sa ON sa.id = k.scheme_approval_id
        JOIN {unit} un ON un.id = k.unit_id
        JOIN {profile} p ON p.department = sa.department
             AND (p.unit_id = un.id OR p.unit_id = un.parent_id)
        JOIN {user_groups} ug ON ug.user_id = p.user_id
        JOIN {group} g ON g.id = ug.group_id AND g.name = %(approver_role)s
        WHERE k.target = %(responsible)s AND k.responsible_id IS NULL""",
    # The unit's leader; a station without one escalates to its company's leader.
    """SELECT k.alert_id, COALESCE(un.leader_id, pu.leader_id) FROM claimed k
        JOIN {unit} un ON un.id = k.unit_id LEFT JOIN {unit} pu ON pu.id = un.parent_id
        WHERE k.target = %(unit_leader)s""",
    # The marketing department (营销部) over the unit: staff of the marketing department in the
    # supervisor role, in the unit or the company above it (its approvers are not management).
    """SELECT k.alert_id, p.user_id FROM claimed k
        JOIN {unit} un ON un.id = k.unit_id
        JOIN {profile} p ON p.department = %(marketing_department)s
             AND (p.unit_id = un.id OR p.unit_id = un.parent_id)
        JOIN {user_groups} ug ON ug.user_id = p.user_id
        JOIN {group} g ON g.id = ug.group_id AND g.name = %(supervisor_role)s
        WHERE k.target = %(marketing)s""",
]


def _sql_text(template: str, expressions: dict[str, str], params: dict, key: str) -> str:
    """A translated '{placeholder}' template as a SQL concatenation of literals and columns."""
    pieces = []
    for i, (literal, name, _spec, _conv) in enumerate(string.Formatter().parse(template)):
        if literal:
            params[f"{key}{i}"] = literal
            pieces.append(f"%({key}{i})s")
        if name:
            pieces.append(expressions[name])
    return "(" + " || ".join(pieces or ["''"]) + ")"


def _by_kind(texts: dict[str, str], expressions: dict[str, str], params: dict, key: str) -> str:
    whens = " ".join(
        f"WHEN '{kind}' THEN {_sql_text(text, expressions, params, f'{key}_{kind}_')}"
        for kind, text in texts.items()
    )
    return f"CASE k.kind {whens} END"


def _notification_texts(params: dict) -> tuple[str, str, str]:
    """SQL for the title, body and link of a notification, in the company's language."""
    stages = " ".join(
        f"WHEN %(stage_{i})s THEN %(stage_label_{i})s" for i in range(len(CLOCK_STAGE_CHOICES))
    )
    for i, (value, label) in enumerate(CLOCK_STAGE_CHOICES):
        params[f"stage_{i}"], params[f"stage_label_{i}"] = value, str(label)
    expressions = {
        "number": "app.number",
        "stage": f"CASE k.stage {stages} ELSE k.stage END",
        "customer": "cu.name",
        "unit": "un.name",
        "level": "CAST(k.level AS TEXT)",
    }
    titles = {
        Kind.WARNING: _("时限预警：{number} {stage}"),
        Kind.OVERDUE: _("超期告警：{number} {stage}"),
        Kind.ESCALATION: _("超期升级（{level}级）：{number} {stage}"),
    }
    bodies = {
        Kind.WARNING: _(
            "{customer}的业扩申请{number}（{unit}）在“{stage}”环节即将到期，请在到期前办结。"
        ),
        Kind.OVERDUE: _(
            "{customer}的业扩申请{number}（{unit}）在“{stage}”环节已超过时限，"
            "请立即办理并说明超期原因。"
        ),
        Kind.ESCALATION: _(
            "{customer}的业扩申请{number}（{unit}）在“{stage}”环节超期未办结，"
            "已升级至第{level}级，请督办。"
        ),
    }
    # A title can never outgrow its column, whatever a stage label becomes.
    title = f"SUBSTR({_by_kind(titles, expressions, params, 'title')}, 1, 200)"
    body = _by_kind(bodies, expressions, params, "body")
    marker = "999999999"
    url = reverse("admin:applications_application_change", args=[marker])
    params["link_before"], params["link_after"] = url.split(marker)
    link = "(%(link_before)s || CAST(k.application_id AS TEXT) || %(link_after)s)"
    return title, body, link


def notification_statement(now: datetime) -> tuple[str, dict]:
    """One notification per recipient of each alert claimed at `now` (in RECIPIENT_RULES)."""
    t = sql.tables()
    params = {
        "now": sql.instant(now),
        "warning": Kind.WARNING,
        "responsible": Target.RESPONSIBLE,
        "unit_leader": Target.UNIT_LEADER,
        "marketing": Target.MARKETING,
        "marketing_department": Department.MARKETING,
        "approver_role": roles.APPROVER,
        "supervisor_role": roles.SUPERVISOR,
    }
    title, body, link = _notification_texts(params)
    recipients = "\n        UNION\n        ".join(rule.format(**t) for rule in RECIPIENT_RULES)
    # INSERT first, WITH inside it: Python's sqlite3 reports no rowcount for "WITH … INSERT".
    statement = f"""
        INSERT INTO {t["notification"]}
            (recipient_id, alert_id, kind, title, body, link, created_at)
        WITH claimed AS ({CLAIMED.format(**t)}),
        recipients AS ({recipients})
        SELECT r.user_id, k.alert_id, k.kind, {title}, {body}, {link}, %(now)s
        FROM recipients r
        JOIN claimed k ON k.alert_id = r.alert_id
        JOIN {t["application"]} app ON app.id = k.application_id
        JOIN {t["customer"]} cu ON cu.id = app.customer_id
        JOIN {t["unit"]} un ON un.id = k.unit_id
        JOIN {t["user"]} u ON u.id = r.user_id
        WHERE u.is_active
        ORDER BY k.alert_id, r.user_id
        ON CONFLICT DO NOTHING
    """
    return statement, params


def email_statement(now: datetime) -> tuple[str, dict]:
    """An e-mail delivery for each notification of the alerts claimed at `now`, if addressed."""
    t = sql.tables()
    statement = f"""
        INSERT INTO {t["email"]}
            (notification_id, to_address, status, attempts, last_error, next_attempt_at,
             created_at)
        SELECT n.id, u.email, %(pending)s, 0, '', %(now)s, %(now)s
        FROM {t["notification"]} n
        JOIN {t["alert"]} a ON a.id = n.alert_id
        JOIN {t["user"]} u ON u.id = n.recipient_id
        WHERE a.notified_at = %(now)s AND u.email <> ''
        ORDER BY n.id
        ON CONFLICT DO NOTHING
    """
    return statement, {"now": sql.instant(now), "pending": EmailDelivery.Status.PENDING}


def notify_alerts(now: datetime) -> int:
    """Notify the people each new alert names and queue their e-mails; returns notifications.

    Claims the alerts not yet notified (`notified_at` set to `now`, the claim's mark), creates
    their notifications and e-mail deliveries, all in one transaction: a crash anywhere rolls
    the claim back with them, so the next sweep notifies them instead. The unique constraints
    on (alert, recipient) and on the notification of a delivery make any overlap harmless.
    """
    with transaction.atomic(savepoint=False), translation.override(settings.LANGUAGE_CODE):
        claimed = sql.execute(
            f"UPDATE {sql.table(Alert)} SET notified_at = %(now)s WHERE notified_at IS NULL",
            {"now": sql.instant(now)},
        )
        if not claimed:
            return 0
        created = sql.execute(*notification_statement(now))
        emails = sql.execute(*email_statement(now))
        unheard = Alert.objects.filter(notified_at=now, notifications__isnull=True).count()
    if unheard:
        # Nobody to tell (no responsible person, no leader entered …): visible, never silent.
        logger.warning("%s new alert(s) at %s have no recipient", unheard, now)
    logger.info("Notified %s alert(s): %s notification(s), %s e-mail(s)", claimed, created, emails)
    return created


def notify_people(
    *, recipients, title: str, body: str, link: str = "", at: datetime, kind: str = Kind.WARNING
) -> list[Notification]:
    """Tell these people of something that is not a clock's alert (stock below its threshold,
    a project's event): one notification each — active users only, each once — and its
    e-mail copy when they have an address, sent by the same e-mail task as alerts' ones.

    Call it inside the transaction of the change it reports: both commit or neither does.
    """
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user, kind=kind, title=title[:200], body=body, link=link, created_at=at
            )
            for user in people.values()
        ]
    )
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(
                notification=n,
                to_address=n.recipient.email,
                status=EmailDelivery.Status.PENDING,
                next_attempt_at=at,
                created_at=at,
            )
            for n in notifications
            if n.recipient.email
        ]
    )
    return notifications

"""Notifying (站内通知 and e-mail): the sweep's last step tells the people each new alert names.

Who hears of what (DOMAIN.md §4 "Escalation"): a warning → the responsible person; overdue →
the responsible person and their direct supervisor; then each EscalationStep's target (the
unit's leader, the marketing department). An approval nobody has decided yet has no responsible
person: its department's approvers hear instead. A deadline's alerts (事项时限) reach its
responsible person and the same chain by its unit, per the escalation steps without a policy.
Set-based like the rest of the sweep: one INSERT … SELECT for the notifications and one for
their e-mails.
"""

from __future__ import annotations

import logging
import string
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from applications import roles
from applications.states import Department

from . import deadlines, sql
from .models import Alert, Deadline, EmailDelivery, EscalationStep, Notification
from .models.policy import CLOCK_STAGE_CHOICES

logger = logging.getLogger(__name__)

Kind = Alert.Kind
Target = EscalationStep.Target

# The alerts this notify step claimed, each with whom its level targets: the EscalationStep of
# the clock's policy for that level (of the policy-less steps for a deadline); a warning, or a
# level without a step, targets the responsible person. Computed once, read by every rule below.
CLAIMED = """
    SELECT a.id AS alert_id, a.kind, a.level, a.application_id, a.unit_id, a.due_at,
           a.deadline_id, c.stage, c.scheme_approval_id,
           COALESCE(c.responsible_id, d.responsible_id) AS responsible_id,
           d.kind AS deadline_kind, d.label, d.content_type_id, d.object_id,
           f.explanation AS forecast_explanation,
           COALESCE(s.target, ds.target, %(responsible)s) AS target
    FROM {alert} a
    LEFT JOIN {clock} c ON c.id = a.clock_id
    LEFT JOIN {deadline} d ON d.id = a.deadline_id
    LEFT JOIN {forecast} f ON f.clock_id = a.clock_id AND a.kind = %(forecast)s
    LEFT JOIN {step} s ON s.policy_id = c.policy_id AND s.level = a.level
         AND a.kind NOT IN (%(warning)s, %(forecast)s)
    LEFT JOIN {step} ds ON ds.policy_id IS NULL AND a.deadline_id IS NOT NULL
         AND ds.level = a.level AND a.kind NOT IN (%(warning)s, %(forecast)s)
    WHERE a.notified_at = %(now)s
"""
# Who hears of an alert (DOMAIN.md §4 "Escalation"): one SELECT (alert_id, user_id) per rule.
RECIPIENT_RULES = [
    # The responsible person: every warning and early alert (预计超期: the owner only), and
    # the levels whose target is "responsible".
    """SELECT k.alert_id, k.responsible_id AS user_id FROM claimed k
        WHERE k.target = %(responsible)s""",
    # Their direct supervisor, from overdue on.
    """SELECT k.alert_id, p.supervisor_id FROM claimed k
        JOIN {profile} p ON p.user_id = k.responsible_id
        WHERE k.target = %(responsible)s AND k.kind NOT IN (%(warning)s, %(forecast)s)""",
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
    # A deadline nobody holds yet (a complaint not yet assigned): the unit's leader, who
    # assigns the work, hears instead — an unassigned item must not go unwarned.
    """SELECT k.alert_id, COALESCE(un.leader_id, pu.leader_id) FROM claimed k
        JOIN {unit} un ON un.id = k.unit_id LEFT JOIN {unit} pu ON pu.id = un.parent_id
        WHERE k.target = %(responsible)s AND k.responsible_id IS NULL
          AND k.deadline_id IS NOT NULL""",
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


def _choices(column: str, choices, params: dict, key: str) -> str:
    """SQL for the display label of a choices column (its value where none matches)."""
    whens = []
    for i, (value, label) in enumerate(choices):
        params[f"{key}{i}"], params[f"{key}_label{i}"] = value, str(label)
        whens.append(f"WHEN %({key}{i})s THEN %({key}_label{i})s")
    return f"CASE {column} {' '.join(whens)} ELSE {column} END"


def _clock_texts(params: dict) -> tuple[str, str]:
    """SQL for the title and body of a stage clock's alert."""
    expressions = {
        "number": "app.number",
        "stage": _choices("k.stage", CLOCK_STAGE_CHOICES, params, "stage"),
        "customer": "cu.name",
        "unit": "un.name",
        "level": "CAST(k.level AS TEXT)",
        "explanation": "COALESCE(k.forecast_explanation, '')",
    }
    titles = {
        Kind.WARNING: _("时限预警：{number} {stage}"),
        Kind.FORECAST: _("预计超期：{number} {stage}"),
        Kind.OVERDUE: _("超期告警：{number} {stage}"),
        Kind.ESCALATION: _("超期升级（{level}级）：{number} {stage}"),
    }
    bodies = {
        Kind.WARNING: _(
            "{customer}的业扩申请{number}（{unit}）在“{stage}”环节即将到期，请在到期前办结。"
        ),
        Kind.FORECAST: _(
            "{customer}的业扩申请{number}（{unit}）在“{stage}”环节很可能超期，"
            "请提前安排人员和物资。依据：{explanation}"
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
    return (
        _by_kind(titles, expressions, params, "title"),
        _by_kind(bodies, expressions, params, "body"),
    )


def _deadline_texts(params: dict) -> tuple[str, str]:
    """SQL for the title and body of a deadline's alert: '整改期限 监督意见书 JD-2026-001 …'."""
    expressions = {
        "kind": _choices("k.deadline_kind", Deadline.Kind.choices, params, "dkind"),
        "label": "k.label",
        "unit": "un.name",
        "due": sql.local_minute("k.due_at", params),
        "level": "CAST(k.level AS TEXT)",
    }
    titles = {
        Kind.WARNING: _("时限预警：{kind} {label}"),
        Kind.OVERDUE: _("超期告警：{kind} {label}"),
        Kind.ESCALATION: _("超期升级（{level}级）：{kind} {label}"),
    }
    bodies = {
        Kind.WARNING: _("{kind} {label}（{unit}）将于{due}到期，请在到期前完成。"),
        Kind.OVERDUE: _("{kind} {label}（{unit}）已于{due}到期仍未完成，请立即办理并说明原因。"),
        Kind.ESCALATION: _(
            "{kind} {label}（{unit}）于{due}到期仍未完成，已升级至第{level}级，请督办。"
        ),
    }
    return (
        _by_kind(titles, expressions, params, "dtitle"),
        _by_kind(bodies, expressions, params, "dbody"),
    )


def _url_sql(url_name: str, column: str, params: dict, key: str) -> str:
    """SQL for an admin URL with `column` as its primary key."""
    marker = "999999999"
    before, after = reverse(url_name, args=[marker]).split(marker)
    params[f"{key}_before"], params[f"{key}_after"] = before, after
    return f"(%({key}_before)s || CAST({column} AS TEXT) || %({key}_after)s)"


def _deadline_link(params: dict, now: datetime) -> str:
    """SQL for a deadline alert's link: its subject's admin page, else the application's or its own.

    Only the subjects' types among the alerts claimed at `now` are looked up (one small query).
    """
    whens = []
    content_types = ContentType.objects.filter(
        pk__in=Deadline.objects.filter(alerts__notified_at=now).values("content_type")
    )
    for content_type in content_types:
        url_name = deadlines.change_url_name(content_type)
        if url_name:
            url = _url_sql(url_name, "k.object_id", params, f"ct{content_type.pk}")
            whens.append(f"WHEN {content_type.pk} THEN {url}")
    application = _url_sql(
        "admin:applications_application_change", "k.application_id", params, "dapp"
    )
    own = _url_sql("admin:monitoring_deadline_change", "k.deadline_id", params, "deadline")
    fallback = f"COALESCE({application}, {own})"
    return f"CASE k.content_type_id {' '.join(whens)} ELSE {fallback} END" if whens else fallback


def _notification_texts(params: dict, now: datetime) -> tuple[str, str, str]:
    """SQL for the title, body and link of a notification, in the company's language."""
    clock_title, clock_body = _clock_texts(params)
    deadline_title, deadline_body = _deadline_texts(params)
    clock_link = _url_sql(
        "admin:applications_application_change", "k.application_id", params, "app"
    )

    def either(clock: str, deadline: str) -> str:
        return f"CASE WHEN k.deadline_id IS NULL THEN {clock} ELSE {deadline} END"

    # A title can never outgrow its column, whatever a stage label or a deadline's label becomes.
    title = f"SUBSTR({either(clock_title, deadline_title)}, 1, 200)"
    body = either(clock_body, deadline_body)
    link = f"SUBSTR({either(clock_link, _deadline_link(params, now))}, 1, 300)"
    return title, body, link


def notification_statement(now: datetime) -> tuple[str, dict]:
    """One notification per recipient of each alert claimed at `now` (in RECIPIENT_RULES)."""
    t = sql.tables()
    params = {
        "now": sql.instant(now),
        "warning": Kind.WARNING,
        "forecast": Kind.FORECAST,
        "responsible": Target.RESPONSIBLE,
        "unit_leader": Target.UNIT_LEADER,
        "marketing": Target.MARKETING,
        "marketing_department": Department.MARKETING,
        "approver_role": roles.APPROVER,
        "supervisor_role": roles.SUPERVISOR,
    }
    title, body, link = _notification_texts(params, now)
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
        LEFT JOIN {t["application"]} app ON app.id = k.application_id
        LEFT JOIN {t["customer"]} cu ON cu.id = app.customer_id
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

"""E-mail copies of notifications, sent by the task `monitoring.tasks.send_pending_emails`.

Like healthchecks' alert delivery, a row is claimed before it is sent: a conditional UPDATE
(pending and due → sending, with this run's token) that only one worker can win, so two workers
never send the same e-mail. A failure puts the row back as pending with a later
`next_attempt_at` (exponential backoff) and, after `YEKUO_EMAIL_MAX_ATTEMPTS` tries, marks it
failed, where the admin shows it with a "重新发送" action. A worker that dies while 'sending'
leaves its claim behind; after `YEKUO_EMAIL_CLAIM_TIMEOUT` seconds the next run takes it back.
That one e-mail may then go out twice (the crash may have come after the SMTP server accepted
it): SMTP offers no way to know, and sending twice beats never sending.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core import mail
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import EmailDelivery

logger = logging.getLogger(__name__)
Status = EmailDelivery.Status


def _conf(name: str, default: int) -> int:
    return getattr(settings, name, default)


BATCH_SIZE = 100


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, at most an hour."""
    base = _conf("YEKUO_EMAIL_RETRY_SECONDS", 60)
    ceiling = _conf("YEKUO_EMAIL_MAX_RETRY_SECONDS", 3600)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), ceiling))


def recover_stale_claims(*, now: datetime) -> int:
    """Take back rows left 'sending' by a worker that died; each such try counts as one."""
    # Longer than the task's own timeout (Q_CLUSTER["timeout"]), so a live worker keeps it.
    timeout = timedelta(seconds=_conf("YEKUO_EMAIL_CLAIM_TIMEOUT", 900))
    stale = EmailDelivery.objects.filter(status=Status.SENDING, claimed_at__lt=now - timeout)
    error = _("发送中断（处理进程未完成即退出），已收回重发。")
    given_up = stale.filter(attempts__gte=_conf("YEKUO_EMAIL_MAX_ATTEMPTS", 5)).update(
        status=Status.FAILED, claim_token=None, last_error=error
    )
    retried = stale.update(
        status=Status.PENDING, claim_token=None, next_attempt_at=now, last_error=error
    )
    if given_up or retried:
        logger.warning("Took back %s stale e-mail claim(s), %s given up", retried, given_up)
    return given_up + retried


def claim(*, now: datetime, size: int = BATCH_SIZE) -> tuple[uuid.UUID, list[EmailDelivery]]:
    """Claim up to `size` due rows for this worker; only rows still pending can be won."""
    token = uuid.uuid4()
    due = (
        EmailDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values("pk")[:size]
    )
    EmailDelivery.objects.filter(pk__in=due, status=Status.PENDING).update(
        status=Status.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    claimed = EmailDelivery.objects.filter(claim_token=token).select_related(
        "notification__alert__clock", "notification__alert__deadline"
    )
    return token, list(claimed.order_by("pk"))


def message(delivery: EmailDelivery, connection=None) -> mail.EmailMessage:
    notification = delivery.notification
    lines = [notification.body]
    alert = notification.alert
    if alert is not None:
        due = timezone.localtime(alert.due_at)
        lines.append(_("到期时间：%(due)s") % {"due": f"{due:%Y-%m-%d %H:%M}"})
    if notification.link:
        lines.append(settings.YEKUO_SITE_URL.rstrip("/") + notification.link)
    return mail.EmailMessage(
        subject=notification.title,
        body="\n\n".join(lines),
        to=[delivery.to_address],
        connection=connection,
    )


def _record(delivery: EmailDelivery, token: uuid.UUID, **fields) -> bool:
    # Only while the claim is still ours: a stale-claim recovery may have taken it back.
    updated = EmailDelivery.objects.filter(
        pk=delivery.pk, claim_token=token, status=Status.SENDING
    ).update(claim_token=None, **fields)
    if not updated:
        logger.warning("E-mail %s: claim %s was taken back before the outcome", delivery.pk, token)
    return bool(updated)


def _failed(delivery: EmailDelivery, token: uuid.UUID, exc: Exception, now: datetime) -> str:
    """Record a failed try: retry later with backoff, or give up after the last attempt."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if delivery.attempts >= _conf("YEKUO_EMAIL_MAX_ATTEMPTS", 5):
        _record(delivery, token, status=Status.FAILED, last_error=error)
        logger.error("E-mail %s failed after %s tries: %s", delivery.pk, delivery.attempts, error)
        return Status.FAILED
    _record(
        delivery,
        token,
        status=Status.PENDING,
        last_error=error,
        next_attempt_at=now + retry_delay(delivery.attempts),
    )
    return Status.PENDING


def send_pending_emails(*, now: datetime | None = None, max_batches: int = 20) -> dict[str, int]:
    """Send every due e-mail (up to `max_batches` batches); returns counts by outcome."""
    now = now or timezone.now()
    counts = {"recovered": recover_stale_claims(now=now), "sent": 0, "retry": 0, "failed": 0}

    def failed(delivery, token, exc):
        counts["retry" if _failed(delivery, token, exc, now) == Status.PENDING else "failed"] += 1

    with translation.override(settings.LANGUAGE_CODE):
        for _batch in range(max_batches):
            token, deliveries = claim(now=now)
            if not deliveries:
                break
            connection = mail.get_connection()
            try:
                connection.open()
            except Exception as exc:
                # The server is unreachable: every claimed row records it and waits its turn.
                for delivery in deliveries:
                    failed(delivery, token, exc)
                continue
            try:
                for delivery in deliveries:
                    try:
                        if not message(delivery, connection).send():
                            raise RuntimeError(_("邮件服务器未接收该邮件。"))
                    except Exception as exc:
                        failed(delivery, token, exc)
                    else:
                        _record(delivery, token, status=Status.SENT, sent_at=now, last_error="")
                        counts["sent"] += 1
            finally:
                connection.close()
    return counts


def resend(*, deliveries: QuerySet[EmailDelivery]) -> int:
    """Queue failed e-mails again, with a fresh set of attempts (the admin's "重新发送")."""
    return deliveries.filter(status=Status.FAILED).update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claim_token=None,
        claimed_at=None,
    )

"""The in-app inbox (站内通知) and the e-mail copy of each notification.

Notifications are created set-based by the sweep from new alerts; e-mails are queued with them
and sent by the django-q2 task `monitoring.tasks.send_pending_emails` (`monitoring.emails`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .alerts import Alert


class Notification(models.Model):
    Kind = Alert.Kind

    # No single-column indexes: notification_inbox starts with recipient, notification_once
    # with alert (fewer indexes to write when a sweep creates thousands at once).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    alert = models.ForeignKey(
        Alert,
        verbose_name=_("时限告警"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("通知时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One notification per alert and person, whatever reruns or races the sweep has.
            models.UniqueConstraint(fields=["alert", "recipient"], name="notification_once")
        ]
        indexes = [
            # The unread count in every admin page's header.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["recipient", "created_at"], name="notification_inbox"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailDelivery(models.Model):
    """The e-mail copy of one notification, and where its sending stands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.OneToOneField(
        Notification,
        verbose_name=_("站内通知"),
        on_delete=models.CASCADE,
        related_name="email",
    )
    to_address = models.EmailField(_("收件地址"), max_length=254)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次发送时间"))
    # Who holds the row while it is 'sending': a worker's token, and since when (stale claims
    # are taken back after settings.YEKUO_EMAIL_CLAIM_TIMEOUT seconds).
    claim_token = models.UUIDField(_("领取标记"), null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("邮件发送")
        verbose_name_plural = _("邮件发送")
        ordering = ["-created_at", "-pk"]
        permissions = [("resend_emaildelivery", _("重新发送邮件"))]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="email_pending_due"
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="sending"), name="email_claimed"
            ),
        ]

    def __str__(self):
        return f"{self.to_address}：{self.notification}"

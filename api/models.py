"""External systems, their tokens, the audit of every call, idempotency keys and the change feed.

Tokens are stored only as a SHA-256 digest: a token is 32 random bytes, so a fast hash is
enough (nothing to brute-force) and the raw value is shown once, when it is issued.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class System(models.TextChoices):
    """The external systems Yekuo exchanges data with (issue 8)."""

    HOTLINE_95598 = "95598", _("95598客服系统")
    APP = "app", _("网上国网")
    MARKETING = "marketing", _("营销业务系统")
    DISPATCH = "dispatch", _("调度（调控）系统")
    DISTRIBUTION = "distribution", _("配网（PMS）系统")


class Scope(models.TextChoices):
    """What a system's tokens may do; each endpoint names the one scope it needs."""

    APPLICATIONS_READ = "applications:read", _("读取申请、环节时限和变更")
    APPLICATIONS_WRITE = "applications:write", _("提交用电申请")
    CONTACTS_WRITE = "contacts:write", _("推送客户接触记录")
    METERING_WRITE = "metering:write", _("推送装表记录")
    OUTAGES_DECIDE = "outages:decide", _("推送停电计划审批结果")
    COMPLAINTS_WRITE = "complaints:write", _("推送投诉举报")
    PAYMENTS_WRITE = "payments:write", _("推送缴费及电子发票记录")


class ApiClient(models.Model):
    """One external system: its scopes, and the staff account it acts as.

    The account's role and unit decide what the services allow (an acceptance needs 受理
    permission in the unit, an outage decision a dispatch approver), so the API grants nothing
    the admin would refuse; the scopes narrow it further per system.
    """

    system = models.CharField(_("外部系统"), max_length=20, choices=System.choices, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    scopes = models.JSONField(_("授权范围"), default=list, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办账号"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("接口以该账号的角色和单位办理业务，日志中记为经办人"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")
        ordering = ["system"]
        permissions = [("issue_apitoken", _("签发接口令牌"))]

    def __str__(self):
        return self.name or self.get_system_display()

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiToken(models.Model):
    """A bearer token of one system. Revoked tokens stay, for the audit trail."""

    client = models.ForeignKey(
        ApiClient, verbose_name=_("接入系统"), on_delete=models.PROTECT, related_name="tokens"
    )
    # The first characters of the raw token, to tell tokens apart in lists (not a secret).
    prefix = models.CharField(_("令牌前缀"), max_length=16, db_index=True, editable=False)
    digest = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("吊销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.client} {self.prefix}…"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ApiCall(models.Model):
    """One call to the API, successful or not (written even when the call's work rolled back)."""

    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("接入系统"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    token = models.ForeignKey(
        ApiToken,
        verbose_name=_("令牌"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    at = models.DateTimeField(_("调用时间"), db_index=True)
    method = models.CharField(_("方法"), max_length=10)
    endpoint = models.CharField(_("接口"), max_length=200)
    path = models.CharField(_("请求路径"), max_length=300)
    status_code = models.PositiveSmallIntegerField(_("状态码"))
    result = models.TextField(_("结果"), blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"))
    remote_addr = models.CharField(_("来源地址"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("接口调用记录")
        verbose_name_plural = _("接口调用记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["client", "at"])]

    def __str__(self):
        return f"{self.method} {self.path} {self.status_code}"


class IdempotencyKey(models.Model):
    """A key a system used to create something: its reference or its Idempotency-Key header.

    The row is inserted before the work, in the same transaction, so a concurrent retry waits
    on the unique index and then finds the first call's result instead of doing it twice.
    """

    class Kind(models.TextChoices):
        REFERENCE = "reference", _("外部编号")
        HEADER = "header", _("Idempotency-Key")

    client = models.ForeignKey(
        ApiClient, verbose_name=_("接入系统"), on_delete=models.PROTECT, related_name="+"
    )
    endpoint = models.CharField(_("接口"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("键值"), max_length=100)
    body_digest = models.CharField(_("请求内容摘要"), max_length=64)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("首次请求时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "endpoint", "kind", "key"], name="api_idempotency_key_unique"
            )
        ]

    def __str__(self):
        return f"{self.client} {self.key}"


class ApplicationChange(models.Model):
    """The change feed: one row each time an application is saved (created, moved, edited).

    `txid` is the writing transaction's PostgreSQL id (0 on SQLite, whose writers are serial);
    the feed is read in (txid, id) order and only below the oldest running transaction, so a
    row can never appear behind a cursor a client already holds (see api.changes).
    """

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    txid = models.BigIntegerField(_("事务号"), default=0)
    at = models.DateTimeField(_("时间"))
    state = models.CharField(_("环节"), max_length=30)
    created = models.BooleanField(_("新建"), default=False)

    class Meta:
        verbose_name = _("申请变更")
        verbose_name_plural = _("申请变更")
        indexes = [models.Index(fields=["txid", "id"], name="api_change_cursor")]

    def __str__(self):
        return f"{self.txid}.{self.pk}"

"""Issuing, revoking and checking tokens: the one writer of `ApiToken`."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.services.errors import TransitionRefused

from .models import ApiClient, ApiToken

PREFIX = "yk_"
# Writing last_used_at on every call would turn each read into a write; a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(raw: str) -> str:
    """The stored form of a token (32 random bytes: a plain SHA-256 is not brute-forceable)."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue(*, client: ApiClient, by=None, note: str = "", raw: str | None = None) -> str:
    """Create a token for `client` and return the raw value — shown once, never stored.

    `raw` is for the demo only (a token printed in the README); real tokens are random.
    """
    if not client.is_active:
        raise TransitionRefused(_("接入系统%(client)s已停用，不能签发令牌。") % {"client": client})
    raw = raw or PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        client=client, prefix=raw[:10], digest=digest(raw), note=note, created_by=by
    )
    return raw


def revoke(*, token: ApiToken, by=None, at=None) -> ApiToken:
    """Revoke a token at once; later calls with it are refused (401)."""
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = at or timezone.now(), by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def authenticate(raw: str) -> ApiToken | None:
    """The live token for `raw` (its system active), stamping its last use; None otherwise."""
    token = (
        ApiToken.objects.select_related("client__user")
        .filter(digest=digest(raw), revoked_at__isnull=True, client__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

"""Who may see an application on the customer pages: its number plus the phone on file, or
plus a one-time code sent to that phone; then the session, for a while.

Never says whether a number exists: a wrong number, a wrong phone and a wrong code get the same
answer (`FAILED`), after the same least time (YEKUO_PORTAL_LOOKUP_MIN_MS), and a code request
always answers "sent if the details are right". A customer's lookups are not staff accesses:
nothing is written to the personal-data access log.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import timedelta

from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application

from .. import settings as portal_settings

FAILED = gettext_lazy("工单编号与验证信息不匹配，或验证码无效。请核对后重试。")
CODE_SENT = gettext_lazy("如工单编号正确，验证码已发送至该工单登记的联系电话，请在有效期内输入。")
SESSION_KEY = "portal_access"
# Compared against when the number does not exist, so both paths do the same work.
_NOBODY = "00000000000"


def normalized_number(number: str) -> str:
    return (number or "").strip().upper()


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def find(number: str) -> Application | None:
    number = normalized_number(number)
    if not number or len(number) > 20:
        return None
    return Application.objects.select_related("customer").filter(number=number).first()


class Floor:
    """`with Floor():` — the block takes at least YEKUO_PORTAL_LOOKUP_MIN_MS."""

    def __enter__(self):
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc):
        left = portal_settings.get("YEKUO_PORTAL_LOOKUP_MIN_MS") / 1000 - (
            time.monotonic() - self.start
        )
        if left > 0:
            time.sleep(left)
        return False


def verify_phone(number: str, phone: str) -> Application | None:
    """The application if `phone` is the one on file for `number`, else None."""
    application = find(number)
    on_file = _digits(application.customer.phone) if application else _NOBODY
    matches = hmac.compare_digest(on_file.encode(), _digits(phone).encode())
    return application if application is not None and matches else None


def _code_key(number: str) -> str:
    return "portal:otp:" + hashlib.sha256(normalized_number(number).encode()).hexdigest()[:32]


def _code_hash(number: str, code: str) -> str:
    return hashlib.sha256(f"{normalized_number(number)}:{code.strip()}".encode()).hexdigest()


def request_code(number: str) -> None:
    """Send a one-time code to the phone on file for `number` (nothing if there is none).

    The code goes through Django's e-mail backend to the SMS gateway's address
    (YEKUO_PORTAL_SMS_EMAIL; the console in the demo). Only its hash is kept, in the cache.
    """
    code = f"{secrets.randbelow(10**6):06d}"
    application = find(number)
    if application is None:
        return
    minutes = portal_settings.get("YEKUO_PORTAL_OTP_MINUTES")
    cache.set(
        _code_key(number),
        {"hash": _code_hash(number, code), "tries": 0},
        timeout=minutes * 60,
    )
    send_mail(
        subject=_("业扩办电进度查询验证码"),
        message=_(
            "您的业扩工单%(number)s的查询验证码为%(code)s，%(minutes)s分钟内有效。"
            "如非本人操作，请忽略。"
        )
        % {"number": application.number, "code": code, "minutes": minutes},
        from_email=None,
        recipient_list=[
            portal_settings.get("YEKUO_PORTAL_SMS_EMAIL").format(
                phone=_digits(application.customer.phone)
            )
        ],
    )


def verify_code(number: str, code: str) -> Application | None:
    """The application if `code` is its current one-time code (used up on success)."""
    key = _code_key(number)
    stored = cache.get(key)
    expected = stored["hash"] if stored else _code_hash("", _NOBODY)
    matches = hmac.compare_digest(expected, _code_hash(number, code))
    if stored is None:
        return None
    if matches:
        cache.delete(key)
        return find(number)
    stored["tries"] += 1
    if stored["tries"] >= portal_settings.get("YEKUO_PORTAL_OTP_TRIES"):
        cache.delete(key)  # too many wrong codes: ask for a new one
    else:
        cache.set(key, stored, timeout=portal_settings.get("YEKUO_PORTAL_OTP_MINUTES") * 60)
    return None


# --- The verified session ---------------------------------------------------------------------


def grant(request, application: Application) -> None:
    """Let this browser see `application` for YEKUO_PORTAL_SESSION_MINUTES."""
    minutes = portal_settings.get("YEKUO_PORTAL_SESSION_MINUTES")
    request.session.cycle_key()  # a fresh session id on verification (no fixation)
    request.session[SESSION_KEY] = {
        "application": application.pk,
        "until": (timezone.now() + timedelta(minutes=minutes)).timestamp(),
    }


def granted(request) -> Application | None:
    """The application this browser verified for, while the grant lasts."""
    grant_ = request.session.get(SESSION_KEY)
    if not grant_:
        return None
    if grant_.get("until", 0) < timezone.now().timestamp():
        request.session.pop(SESSION_KEY, None)
        return None
    return (
        Application.objects.select_related("customer", "unit", "customer_manager")
        .filter(pk=grant_.get("application"))
        .first()
    )


def revoke(request) -> None:
    request.session.pop(SESSION_KEY, None)

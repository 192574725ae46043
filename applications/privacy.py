"""Customers' identity and phone numbers: who sees them whole, how they are masked, the log.

The policy, in one place (README "Data safety"):

- Lists and exports show numbers masked (330106********1234, 138****5678) to everyone
  without the permission `applications.view_personal_data` (营业受理员 and 纪检 have it: the
  front desk checks and types identities, 纪检 traces leaks and 线外流转 across records).
  Search by a full number still works for everyone: the match is made in the database.
- A detail page shows them whole to holders of the permission, to the application's own
  customer manager (they call the customer and sign the contract) and to whoever may record
  a callback now (they dial the number); masked to everyone else.
- Every page that showed whole numbers, and every export of customer rows, is recorded in
  the append-only `PersonalDataAccess` (user, time, what, rows, IP).
"""

from __future__ import annotations

import re

from django.conf import settings

from .models import Application, Customer, PersonalDataAccess

PERMISSION = "applications.view_personal_data"

_MOBILE = re.compile(r"1\d{10}")
_LANDLINE = re.compile(r"(0\d{2,3}-?)(\d{7,8})(-\d{1,6})?")


def _stars(value: str, head: int, tail: int) -> str:
    return value[:head] + "*" * (len(value) - head - tail) + (value[-tail:] if tail else "")


def mask_id_number(value: str | None) -> str:
    """330106199001011234 → 330106********1234: the region code and the last four stay.

    18-digit resident IDs and credit codes (and old 15-digit IDs) keep 6 + 4; shorter
    documents (passports, permits) keep 2 + 2; anything of 6 characters or fewer is hidden.
    """
    value = (value or "").strip()
    if len(value) >= 15:
        return _stars(value, 6, 4)
    if len(value) > 6:
        return _stars(value, 2, 2)
    return "*" * len(value)


def mask_phone(value: str | None) -> str:
    """13812345678 → 138****5678; 0571-87654321 → 0571-****4321 (area code and extension stay)."""
    value = (value or "").strip()
    if _MOBILE.fullmatch(value):
        return _stars(value, 3, 4)
    landline = _LANDLINE.fullmatch(value)
    if landline:
        area, number, extension = landline.groups()
        return area + _stars(number, 0, 4) + (extension or "")
    return _stars(value, 0, 4) if len(value) > 4 else "*" * len(value)


def sees_personal_data(
    user, *, application: Application | None = None, customer: Customer | None = None
) -> bool:
    """Whether `user` may see whole numbers — everywhere, or on this application/customer."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.has_perm(PERMISSION):
        return True
    if application is not None:
        return application.customer_manager_id == user.pk
    if customer is not None:
        return customer.applications.filter(customer_manager=user).exists()
    return False


def shown(value: str | None, *, kind: str, full: bool) -> str:
    """A number as this user may see it: whole, or masked. `kind` is "id_number" or "phone"."""
    if full:
        return value or ""
    return mask_id_number(value) if kind == "id_number" else mask_phone(value)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the header a trusted reverse proxy sets.

    Only a header named in YEKUO_CLIENT_IP_HEADER is believed (e.g. HTTP_X_REAL_IP behind
    nginx); X-Forwarded-For from the client itself could name anyone.
    """
    header = getattr(settings, "YEKUO_CLIENT_IP_HEADER", "")
    value = request.META.get(header) if header else None
    value = (value or request.META.get("REMOTE_ADDR") or "").split(",")[0].strip()
    return value or None


def log_access(
    *,
    user,
    action: str,
    subject: str,
    obj=None,
    rows: int = 1,
    masked: bool = False,
    ip_address: str | None = None,
    path: str = "",
) -> PersonalDataAccess:
    """Append one line to the access log (a view of whole numbers, or an export)."""
    return PersonalDataAccess.objects.create(
        user=user,
        action=action,
        subject=str(subject)[:200],
        object_model=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        rows=rows,
        masked=masked,
        ip_address=ip_address,
        path=path[:300],
    )


def record_access(request, **entry) -> PersonalDataAccess:
    """`log_access` for this request's user, address and page."""
    return log_access(
        user=request.user, ip_address=client_ip(request), path=request.get_full_path(), **entry
    )


def record_view(request, obj, subject: str | None = None) -> PersonalDataAccess:
    """A page showed `obj`'s whole numbers to the request's user."""
    return record_access(
        request, action=PersonalDataAccess.Action.VIEW, subject=subject or str(obj), obj=obj
    )


def record_export(request, subject: str, *, rows: int, masked: bool) -> PersonalDataAccess:
    """An export of `rows` customer rows (masked or whole) left with the request's user."""
    return record_access(
        request, action=PersonalDataAccess.Action.EXPORT, subject=subject, rows=rows, masked=masked
    )

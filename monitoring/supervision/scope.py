"""Where a user may act on supervision records: their unit and the stations under it.

The same rule as the lifecycle's `applications.rules.in_scope`, asked of a unit rather than of
an application (letters and assessments belong to a unit, not always to one application).
"""

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext as _

from applications import rules
from applications.models import Unit
from applications.services.errors import TransitionRefused


def in_unit_scope(user, unit) -> bool:
    """Whether the user may act in `unit`: it is theirs, or a station under theirs."""
    if user.is_superuser:
        return True
    unit_id = rules.user_unit_id(user)
    return unit_id is not None and unit_id in (unit.pk, unit.parent_id)


def acting_units(user):
    """The units the user may act in (for pickers): their own and the stations under it."""
    if user.is_superuser:
        return Unit.objects.all()
    unit_id = rules.user_unit_id(user)
    return (
        Unit.objects.filter(Q(pk=unit_id) | Q(parent_id=unit_id))
        if unit_id
        else Unit.objects.none()
    )


def unit_refusal(user, unit) -> str | None:
    if not user.is_active:
        return _("账号已停用。")
    if not in_unit_scope(user, unit):
        return _("该记录属于%(unit)s，您只能办理本单位的业务。") % {"unit": unit}
    return None


def permission_refusal(user, codename: str, label: str) -> str | None:
    """Why the user lacks `monitoring.<codename>` (named by its label), or None."""
    if not user.has_perm(f"monitoring.{codename}"):
        return _("您没有“%(perm)s”的权限。") % {"perm": label}
    return None


def holds_permission(user, codename: str) -> bool:
    """Whether `monitoring.<codename>` is held through a role or granted to the user.

    Superuser status alone does not give it: for what only 纪检 may see (who reported, the
    matters handed over to them), the role decides.
    """
    if not user.is_active or not user.is_authenticated:
        return False
    cache = user.__dict__.setdefault("_held_permissions", {})
    if codename not in cache:
        cache[codename] = Permission.objects.filter(
            Q(group__user=user) | Q(user=user),
            content_type__app_label="monitoring",
            codename=codename,
        ).exists()
    return cache[codename]


def refuse(*reasons: str | None) -> None:
    """Raise TransitionRefused with the first reason given, if any."""
    found = [r for r in reasons if r]
    if found:
        raise TransitionRefused(found[0])

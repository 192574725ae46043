"""Who may act on a project, and why not: each check returns the reason, in the user's language.

Like `applications.rules`: seeing every unit (主管, 纪检) is not acting everywhere; staff act
only inside their own unit (or, at a company, the stations under it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from applications import rules as app_rules
from applications.states import Department

if TYPE_CHECKING:
    from .models import Project


# Django names its own permissions "Can add …" in English; refusals name them in Chinese.
ACTION_LABELS = {
    "add_project": _lazy("新建配套工程"),
    "change_project": _lazy("修改配套工程"),
    "change_projectphase": _lazy("维护工程节点"),
    "add_secondaryloan": _lazy("二级库借用"),
    "change_secondaryloan": _lazy("登记二级库归还"),
    "add_outageplan": _lazy("编制停电计划"),
    "change_outageplan": _lazy("修改和提交停电计划"),
}


def permission_label(codename: str) -> str:
    """The Chinese name of a projects permission, for refusals."""
    if codename in ACTION_LABELS:
        return str(ACTION_LABELS[codename])
    from .models import ConsignedStock, OutagePlan, Project, Requisition

    for model in (Project, ConsignedStock, Requisition, OutagePlan):
        named = dict(model._meta.permissions)
        if codename in named:
            return str(named[codename])
    return codename


def in_unit(user, unit) -> bool:
    """Whether the user acts for `unit`: their own unit or a station under it."""
    if user.is_superuser:
        return True
    unit_id = app_rules.user_unit_id(user)
    return unit_id is not None and unit_id in (unit.pk, unit.parent_id)


def in_unit_of(unit, other) -> bool:
    """Whether two units are the same, or one is a station directly under the other."""
    return unit.pk == other.pk or other.pk == unit.parent_id or unit.pk == other.parent_id


def permission_refusal(user, codename: str) -> str | None:
    if not user.is_active:
        return _("账号已停用。")
    if not user.has_perm(f"projects.{codename}"):
        return _("您没有“%(perm)s”的权限。") % {"perm": permission_label(codename)}
    return None


def unit_refusal(user, unit) -> str | None:
    if not in_unit(user, unit):
        return _("该事项属于%(unit)s，您只能办理本单位的业务。") % {"unit": unit}
    return None


def refusal(user, project: Project, codename: str) -> str | None:
    """Why this user may not act with `codename` on this project (permission and unit)."""
    return permission_refusal(user, codename) or unit_refusal(user, project.unit)


def manager_refusal(user, project: Project, codename: str) -> str | None:
    """As `refusal`, and only the project's own manager acts on it (DOMAIN.md §5)."""
    reason = refusal(user, project, codename)
    if reason:
        return reason
    if not user.is_superuser and project.project_manager_id != user.pk:
        return _("工程%(number)s由项目经理%(manager)s负责，只有本工程的项目经理可以办理。") % {
            "number": project.number,
            "manager": project.project_manager.get_full_name()
            or project.project_manager.get_username(),
        }
    return None


def is_dispatch(user) -> bool:
    profile = getattr(user, "staff_profile", None)
    return profile is not None and profile.department == Department.DISPATCH


def dispatch_refusal(user, project: Project) -> str | None:
    """Outage plans are approved by dispatch (调控) approvers of the project's unit only."""
    reason = permission_refusal(user, "approve_outageplan")
    if reason:
        return reason
    if not user.is_superuser and not is_dispatch(user):
        return _("停电计划只能由调控中心的审批人审批。")
    return unit_refusal(user, project.unit)

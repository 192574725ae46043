"""Guards of the lifecycle: who may act, and what must be true before a stage can end.

Every check returns the reason it fails, in the user's language, so a refusal always says why.
Conditions for django-fsm are thin wrappers over the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from . import paths
from .states import State

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import Application

Check = Callable[["Application"], "str | None"]


# --- Who may act ---------------------------------------------------------------------------


def sees_all_units(user) -> bool:
    return user.is_superuser or user.has_perm("applications.view_all_units")


def user_unit_id(user) -> int | None:
    profile = getattr(user, "staff_profile", None)
    return profile.unit_id if profile else None


def scope_to_user(queryset: QuerySet, user, *, unit_field: str) -> QuerySet:
    """Limit a queryset to the user's unit unless they may see every unit.

    `unit_field` is the lookup to the Unit ("unit", "application__unit"); "" for Unit itself.
    """
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if sees_all_units(user):
        return queryset
    unit_id = user_unit_id(user)
    if unit_id is None:
        return queryset.none()
    # Staff of a company also act for the stations under it (one level down).
    prefix = f"{unit_field}__" if unit_field else ""
    return queryset.filter(Q(**{f"{prefix}pk": unit_id}) | Q(**{f"{prefix}parent_id": unit_id}))


def in_scope(user, app: Application) -> bool:
    """Whether the user may act on this application: their unit or a station under it.

    Seeing every unit (主管, 纪检) is not acting in every unit: staff act only inside their
    own unit (DOMAIN.md §5); a company-level supervisor acts for the stations under it.
    """
    if user.is_superuser:
        return True
    unit_id = user_unit_id(user)
    return unit_id is not None and unit_id in (app.unit_id, app.unit.parent_id)


def refusal(user, app: Application, codename: str) -> str | None:
    """Why this user may not perform an action needing `codename` on this application."""
    if not user.is_active:
        return _("账号已停用。")
    if not user.has_perm(f"applications.{codename}"):
        return _("您没有“%(perm)s”的权限。") % {"perm": permission_label(codename)}
    return unit_refusal(user, app)


def unit_refusal(user, app: Application) -> str | None:
    if not in_scope(user, app):
        return _("该申请属于%(unit)s，您只能办理本单位的业务。") % {"unit": app.unit}
    return None


def permission_label(codename: str) -> str:
    from .models import Application

    return str(dict(Application._meta.permissions).get(codename, codename))


def permission(codename: str) -> Callable[[Application, object], bool]:
    """A django-fsm permission callable for `codename`, region-scoped."""

    def check(app, user) -> bool:
        return refusal(user, app, codename) is None

    check.codename = codename
    return check


def advance_codename(app: Application) -> str:
    return paths.STAGE_RULES[app.state].permission


def may_advance(app: Application, user) -> bool:
    return app.state in paths.STAGE_RULES and refusal(user, app, advance_codename(app)) is None


# --- What must be true before a stage ends ---------------------------------------------------


def materials_ready(app: Application) -> str | None:
    missing = [
        m.requirement.name
        for m in app.materials.select_related("requirement")
        if m.requirement.required and not m.is_settled
    ]
    if missing:
        return _("受理资料不齐：%(items)s。请收取资料，或由客户签署告知承诺书后容缺受理。") % {
            "items": "、".join(missing)
        }
    return None


def managers_assigned(app: Application) -> str | None:
    if not app.customer_manager_id:
        return _("尚未指定客户经理。")
    if app.has_grid_works and not app.project_manager_id:
        return _("有配套电网工程的申请须指定项目经理。")
    return None


def survey_done(app: Application) -> str | None:
    survey = getattr(app, "survey", None)
    if survey is None or survey.surveyed_at is None:
        return _("尚未登记现场勘查结果。")
    large = app.requested_capacity_kva > settings.YEKUO_TEAM_SURVEY_ABOVE_KVA
    if large and (survey.leader_id != app.customer_manager_id or not survey.members.exists()):
        return _("申请容量超过 %(limit)s kVA，须由客户经理带队组成勘查小组（至少一名组员）。") % {
            "limit": settings.YEKUO_TEAM_SURVEY_ABOVE_KVA
        }
    return None


def scheme_confirmed(app: Application) -> str | None:
    scheme = getattr(app, "scheme", None)
    if scheme is None:
        return _("尚未编制供电方案。")
    if scheme.customer_confirmed_at is None:
        return _("供电方案尚未经客户确认。")
    return None


def scheme_approved(app: Application) -> str | None:
    if not app.is_high_voltage:
        return None  # 三零/低压: no departmental approval
    review = app.scheme_reviews.order_by("-round").first()
    if review is None:
        return _("高压供电方案须提交各部门会签。")
    if review.status == review.Status.PENDING:
        pending = "、".join(str(a.get_department_display()) for a in review.pending_approvals())
        return _("供电方案会签未完成，待审批部门：%(depts)s。") % {"depts": pending}
    if review.status == review.Status.REJECTED:
        return _("供电方案第%(round)s轮会签被驳回，请修改后重新提交。") % {"round": review.round}
    return None


def contract_signed(app: Application) -> str | None:
    if State.CONTRACT in app.path and getattr(app, "contract", None) is None:
        return _("须先签订供用电合同才能送电。")
    return None


def parallel_grid_works_done(app: Application) -> str | None:
    if app.is_high_voltage and app.has_grid_works and app.grid_works_completed_at is None:
        return _("配套电网工程尚未竣工，不能送电。")
    return None


def charges_settled(app: Application) -> str | None:
    """Energization waits for every charge to be paid, waived or cancelled (DOMAIN.md §4)."""
    open_charges = app.charges.filter(status="issued").order_by("issued_at", "pk")
    if not open_charges:
        return None
    items = "、".join(
        _("%(kind)s %(amount)s元（%(number)s）")
        % {"kind": c.get_kind_display(), "amount": f"{c.amount:,.2f}", "number": c.number}
        for c in open_charges
    )
    return _("收费项目尚未缴清：%(items)s。须缴费或经批准减免后才能送电。") % {"items": items}


def archive_complete(app: Application) -> str | None:
    missing = [item for item, done in archive_checklist(app) if not done]
    if missing:
        return _("归档清单未完成：%(items)s。") % {"items": "、".join(missing)}
    return None


EXIT_CHECKS: dict[str, tuple[Check, ...]] = {
    State.ACCEPT: (materials_ready, managers_assigned),
    State.SCHEME: (survey_done, scheme_confirmed, scheme_approved),
    State.ENERGIZE: (contract_signed, parallel_grid_works_done, charges_settled),
    State.ARCHIVE: (archive_complete,),
}


def exit_blockers(app: Application) -> list[str]:
    """Every reason the current stage cannot end yet (empty when it can)."""
    reasons = (check(app) for check in EXIT_CHECKS.get(app.state, ()))
    return [reason for reason in reasons if reason]


def archive_checklist(app: Application) -> list[tuple[str, bool]]:
    """The archive checklist: documents and records collected as each stage ended."""
    path = app.path
    items = [
        (_("受理资料全部收齐（含容缺补交）"), all(m.is_received for m in app.materials.all())),
        (_("勘查记录"), getattr(app, "survey", None) is not None),
        (_("供电方案及客户确认"), scheme_confirmed(app) is None),
    ]
    passed = {i.kind for i in app.inspections.all() if i.passed}
    for stage in sorted(paths.INSPECTION_STAGES & set(path), key=path.index):
        items.append((str(State(stage).label) + _("合格记录"), stage in passed))
    if State.CONTRACT in path:
        items.append((_("供用电合同"), getattr(app, "contract", None) is not None))
    items.append((_("装表接电记录"), getattr(app, "meter_installation", None) is not None))
    return items


# --- django-fsm conditions -----------------------------------------------------------------


def can_leave_stage(app: Application) -> bool:
    return not exit_blockers(app)


def has_rectification_stage(app: Application) -> bool:
    return paths.rectification_stage(app) is not None


def has_earlier_stage(app: Application) -> bool:
    return bool(paths.earlier_stages(app))

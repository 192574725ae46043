"""The stage paths of each customer class, as data (DOMAIN.md §3).

Read this file to know what an application goes through. A stage in brackets in DOMAIN.md is
optional here: it is kept only when its predicate holds for the application.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .states import CustomerClass, State

if TYPE_CHECKING:
    from .models import Application

S = State
PATHS: dict[str, tuple[str, ...]] = {
    CustomerClass.LV_RESIDENT: (S.ACCEPT, S.SCHEME, S.GRID_WORKS, S.ENERGIZE, S.ARCHIVE),
    CustomerClass.LV_BUSINESS: (
        S.ACCEPT, S.SCHEME, S.GRID_WORKS, S.CUSTOMER_COMPLETION, S.COMPLETION_INSPECTION,
        S.ENERGIZE, S.ARCHIVE,
    ),
    CustomerClass.HV_SINGLE: (
        S.ACCEPT, S.SCHEME, S.CUSTOMER_DESIGN, S.DESIGN_REVIEW, S.CUSTOMER_CONSTRUCTION,
        S.MIDDLE_INSPECTION, S.CUSTOMER_COMPLETION, S.COMPLETION_INSPECTION, S.CONTRACT,
        S.ENERGIZE, S.ARCHIVE,
    ),
}  # fmt: skip
PATHS[CustomerClass.HV_DUAL] = PATHS[CustomerClass.HV_SINGLE]


def _low_voltage_grid_works(app: Application) -> bool:
    # High-voltage grid works run in parallel with the customer's construction (a project),
    # so only low voltage waits for them as a stage of its own.
    return app.has_grid_works and not app.is_high_voltage


OPTIONAL_STAGES: dict[str, Callable[[Application], bool]] = {
    S.GRID_WORKS: _low_voltage_grid_works,
    S.DESIGN_REVIEW: lambda app: app.design_review_required,
    S.MIDDLE_INSPECTION: lambda app: app.middle_inspection_required,
    # Construction "continues after the middle inspection" only if there was one.
    S.CUSTOMER_COMPLETION: lambda app: not app.is_high_voltage or app.middle_inspection_required,
}


@dataclass(frozen=True)
class StageRule:
    """Who may finish a stage, and whether its time is the customer's or the company's."""

    permission: str
    advance_label: str
    customer_time: bool = False
    inspection: bool = False


STAGE_RULES: dict[str, StageRule] = {
    S.ACCEPT: StageRule("complete_acceptance", _("完成受理")),
    S.SCHEME: StageRule("reply_scheme", _("答复供电方案")),
    S.GRID_WORKS: StageRule("complete_grid_works", _("配套工程竣工")),
    S.CUSTOMER_DESIGN: StageRule("record_customer_handin", _("客户报送设计文件"), True),
    S.DESIGN_REVIEW: StageRule("record_inspection", _("设计审查通过"), inspection=True),
    S.CUSTOMER_CONSTRUCTION: StageRule("record_customer_handin", _("客户报验中间检查"), True),
    S.MIDDLE_INSPECTION: StageRule("record_inspection", _("中间检查合格"), inspection=True),
    S.CUSTOMER_COMPLETION: StageRule("record_customer_handin", _("客户报验竣工"), True),
    S.COMPLETION_INSPECTION: StageRule("record_inspection", _("竣工检验合格"), inspection=True),
    S.CONTRACT: StageRule("sign_contract", _("签订供用电合同")),
    S.ENERGIZE: StageRule("energize", _("装表送电")),
    S.ARCHIVE: StageRule("archive_application", _("归档")),
}

ACTIVE_STAGES: tuple[str, ...] = tuple(STAGE_RULES)
CUSTOMER_TIME_STAGES = frozenset(s for s, rule in STAGE_RULES.items() if rule.customer_time)
INSPECTION_STAGES = frozenset(s for s, rule in STAGE_RULES.items() if rule.inspection)
FINAL_STATES = frozenset({S.ARCHIVED, S.CANCELLED})


def path_for(app: Application) -> tuple[str, ...]:
    """The stages this application goes through, in order, with optional stages resolved."""
    return tuple(
        stage
        for stage in PATHS[app.customer_class]
        if stage not in OPTIONAL_STAGES or OPTIONAL_STAGES[stage](app)
    )


def next_stage(app: Application, after: str | None = None) -> str:
    """The stage that follows `after` (default: the current state); ARCHIVED after the last."""
    path = path_for(app)
    position = path.index(after or app.state)
    return path[position + 1] if position + 1 < len(path) else S.ARCHIVED


def earlier_stages(app: Application) -> tuple[str, ...]:
    """Stages an application may be returned to from where it is now (退回)."""
    path = path_for(app)
    if app.state not in path:
        return ()
    return path[: path.index(app.state)]


def rectification_stage(app: Application) -> str | None:
    """The customer-time stage an inspection sends the customer back to when it fails."""
    path = path_for(app)
    if app.state not in path:
        return None
    before = path[: path.index(app.state)]
    return next((s for s in reversed(before) if s in CUSTOMER_TIME_STAGES), None)

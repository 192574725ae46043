"""Legacy stage names (DOMAIN.md §10) → the lifecycle's states, per customer class.

Read this table to know what a ledger's 当前环节 becomes. Our own labels (State.label) and
codes are accepted too, so an exported file imports unchanged. Rules that depend on the class:

- 现场勘查 and 供电方案答复 are one stage here (勘查及方案答复), for every class;
- 合同签订 is a stage of high voltage only; low voltage signs its contract at meter
  installation, so a low-voltage 合同签订 becomes 装表接电;
- 客户施工 without saying which part is the construction before the middle inspection when the
  high-voltage path has one, else the construction before the completion report;
- 送电 (投运送电) is the same step as 装表接电 in the reengineered path;
- 归档 is the archiving stage (still to do); 已归档 / 归档完成 / 已完成 / 结束 are archived;
- 暂停 must say where it stopped: "暂停（供电方案答复）", "暂停-设计审查" (a ledger's plain 暂停
  does not say which stage's clock to pause, so it is refused rather than guessed);
- the state must be on the application's path (a resident has no 设计审查; 配套电网工程 is a
  stage only for low voltage with grid works), else the row is refused.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .. import paths
from ..states import HIGH_VOLTAGE_CLASSES, CustomerClass, State
from .normalise import CellError, header_key

S = State
CONSTRUCTION = "customer_construction_any"  # 客户施工 without saying which part

LEGACY_NAMES: dict[str, tuple[str, ...]] = {
    S.ACCEPT: ("业务受理", "受理", "申请受理", "受理登记"),
    S.SCHEME: (
        "现场勘查",
        "勘查",
        "供电方案答复",
        "方案答复",
        "供电方案",
        "勘查及方案答复",
        "勘查及供电方案答复",
        "供电方案确定及答复",
        "方案会签",
    ),
    S.GRID_WORKS: ("配套电网工程", "配套工程", "外线工程", "配套工程施工", "外线施工"),
    S.CUSTOMER_DESIGN: ("客户设计", "设计"),
    S.DESIGN_REVIEW: ("设计审查", "设计文件审查", "图纸审查"),
    S.MIDDLE_INSPECTION: ("中间检查",),
    S.CUSTOMER_COMPLETION: ("竣工报验", "客户竣工报验"),
    S.COMPLETION_INSPECTION: ("竣工验收", "竣工检验", "竣工验收/竣工检验"),
    S.CONTRACT: ("合同签订", "供用电合同签订", "签订合同", "供用电合同"),
    S.ENERGIZE: ("装表接电", "送电", "装表送电", "投运送电", "接电"),
    S.ARCHIVE: ("归档", "资料归档", "信息归档"),
    S.ARCHIVED: ("已归档", "归档完成", "已完成", "完成", "结束", "已结束"),
    S.CANCELLED: ("已撤销", "撤销", "作废", "已作废", "终止", "已终止"),
    CONSTRUCTION: ("客户施工", "施工"),
}

NAMES: dict[str, str] = {
    header_key(name): state for state, names in LEGACY_NAMES.items() for name in names
}
# Our own labels and codes win over any legacy spelling.
NAMES.update({header_key(state.label): state.value for state in State})
NAMES.update({state.value: state.value for state in State})

_SUSPENDED = re.compile(r"^暂停(?:\((.*)\)|[-—:：、](.*))?$")


def _lookup(name: str) -> str:
    state = NAMES.get(name)
    if state is None:
        names = [str(s.label) for s in State if s != S.SUSPENDED] + [_("暂停（暂停前的环节）")]
        raise CellError(
            _(
                "无法识别的环节“%(value)s”。可用：%(names)s，或旧系统的环节名（如现场勘查、竣工验收）。"
            )
            % {"value": name, "names": "、".join(names)}
        )
    return state


def _for_class(state: str, customer_class: str, middle_inspection: bool) -> str:
    high = customer_class in HIGH_VOLTAGE_CLASSES
    if state == S.CONTRACT and not high:
        return S.ENERGIZE
    if state == CONSTRUCTION:
        return S.CUSTOMER_CONSTRUCTION if high and middle_inspection else S.CUSTOMER_COMPLETION
    return state


def resolve(value: str, *, app) -> tuple[str, str]:
    """(state, suspended_from) for a 当前环节 cell; `app` carries class and path flags."""
    name = header_key(value)
    if not name:
        raise CellError(_("必填，不能为空。"))
    suspended = _SUSPENDED.match(name)
    if suspended and name != header_key(S.SUSPENDED.label):
        inner = suspended.group(1) or suspended.group(2)
        if not inner:
            raise CellError(
                _("“暂停”须注明暂停前的环节，例如“暂停（供电方案答复）”，以便暂停该环节的时限。")
            )
        stage = _for_class(_lookup(inner), app.customer_class, app.middle_inspection_required)
        if stage not in paths.ACTIVE_STAGES or stage == S.ARCHIVE:
            raise CellError(_("“%(stage)s”不能暂停。") % {"stage": State(stage).label})
        _check_on_path(stage, app)
        return S.SUSPENDED, stage
    if name == header_key(S.SUSPENDED.label) or name == S.SUSPENDED:
        raise CellError(
            _("“暂停”须注明暂停前的环节，例如“暂停（供电方案答复）”，以便暂停该环节的时限。")
        )
    state = _for_class(_lookup(name), app.customer_class, app.middle_inspection_required)
    if state in paths.ACTIVE_STAGES:
        _check_on_path(state, app)
    return state, ""


def _check_on_path(stage: str, app) -> None:
    if stage in paths.path_for(app):
        return
    reason = _("%(cls)s的流程中没有“%(stage)s”环节。") % {
        "cls": CustomerClass(app.customer_class).label,
        "stage": State(stage).label,
    }
    if stage == S.GRID_WORKS and not app.is_high_voltage:
        reason += _("（“是否有外线工程”为“否”）")
    elif stage == S.GRID_WORKS:
        reason += _("高压客户的配套工程与客户施工并行，请填写客户所处的环节。")
    raise CellError(reason)


def export_name(state: str, suspended_from: str = "") -> str:
    """What our export writes in 当前环节: the label, or 暂停（stage) for a suspension."""
    if state == S.SUSPENDED and suspended_from:
        return f"暂停（{State(suspended_from).label}）"
    return str(State(state).label)

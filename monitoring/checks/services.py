"""Random checks from draw to completion — the one writer of `RandomCheck` and its items.

draw_check (sample recorded with its seed) → record_result per item (system vs paper file vs
site) → open_case for a disagreement (a normal supervision case, one per item whatever is
clicked) → complete_check, or void_check with a reason at any time. 纪检 owns 纪检抽查
(`run_inspection_check`); 营销部 supervisors run 营销专项检查 (`run_marketing_check`). Everyone
acts only in their unit and the stations under it.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import Unit
from applications.states import Department

from ..models import CaseSource, CheckResult, DetectionRule, RandomCheck, RandomCheckItem
from ..supervision.detection import save_cases
from ..supervision.rules import new_case
from ..supervision.scope import permission_refusal, refuse, unit_refusal
from . import population as pop
from .sampling import draw

Kind, Status = RandomCheck.Kind, RandomCheck.Status
RULE_CODE = "random_check"
KIND_PERMISSIONS = {
    Kind.INSPECTION: "run_inspection_check",
    Kind.MARKETING: "run_marketing_check",
}


def _actor_refusal(user, kind: str, unit: Unit) -> str | None:
    """Why `user` may not run a check of `kind` in `unit`, or None."""
    missing = permission_refusal(user, KIND_PERMISSIONS[kind], Kind(kind).label)
    if missing:
        return missing
    profile = getattr(user, "staff_profile", None)
    if (
        kind == Kind.MARKETING
        and not user.is_superuser
        and getattr(profile, "department", "") != Department.MARKETING
    ):
        return _("营销专项检查须由营销部主管开展。")
    return unit_refusal(user, unit)


def _status_refusal(check: RandomCheck, doing: str) -> str | None:
    if check.status != Status.CHECKING:
        return _("该抽查已是“%(status)s”，不能%(doing)s。") % {
            "status": check.get_status_display(),
            "doing": doing,
        }
    return None


@transaction.atomic
def draw_check(
    *,
    user,
    kind: str,
    unit: Unit,
    period_start: date,
    period_end: date,
    sample_size: int,
    stratify_by: str = RandomCheck.Strata.NONE,
    seed: int | None = None,
    at: datetime | None = None,
) -> RandomCheck:
    """Draw the sample and record it whole (seed, population, allocation), items to check."""
    at = at or timezone.now()
    refuse(
        _actor_refusal(user, kind, unit),
        None if period_start <= period_end else _("抽查期间的结束日期不能早于开始日期。"),
        None if sample_size >= 1 else _("样本量至少为1。"),
    )
    strata = pop.population(unit, period_start, period_end, stratify_by)
    size = sum(len(ids) for ids in strata.values())
    refuse(None if size else _("%(unit)s在抽查期间内没有受理的业扩申请。") % {"unit": unit})
    # A seed nobody chose beforehand; recorded, so the draw can be re-derived and shown random.
    seed = secrets.randbelow(2**31) if seed is None else seed
    sample = draw(strata, sample_size, seed)
    with translation.override(settings.LANGUAGE_CODE):  # recorded words: the site's language
        rule = pop.population_rule(unit, period_start, period_end, stratify_by)
    check = RandomCheck.objects.create(
        kind=kind,
        unit=unit,
        period_start=period_start,
        period_end=period_end,
        stratify_by=stratify_by,
        sample_size=sample_size,
        seed=seed,
        population_rule=rule,
        population=strata,
        population_size=size,
        allocation={key: len(ids) for key, ids in sample.items()},
        drawn_by=user,
        drawn_at=at,
    )
    RandomCheckItem.objects.bulk_create(
        RandomCheckItem(check_record=check, application_id=pk, stratum=key)
        for key, ids in sample.items()
        for pk in ids
    )
    return check


def redraw(check: RandomCheck) -> dict[str, list[int]]:
    """The sample re-derived from the recorded population and seed."""
    return draw(check.population, check.sample_size, check.seed)


def draw_verified(check: RandomCheck) -> bool:
    """Whether the recorded items are exactly what the recorded seed draws again."""
    recorded: dict[str, list[int]] = {}
    for key, pk in check.items.order_by("application_id").values_list("stratum", "application_id"):
        recorded.setdefault(key, []).append(pk)
    return {k: v for k, v in redraw(check).items() if v} == recorded


def _locked_item(item: RandomCheckItem) -> RandomCheckItem:
    return (
        RandomCheckItem.objects.select_for_update()
        .select_related("check_record__unit", "application")
        .get(pk=item.pk)
    )


@transaction.atomic
def record_result(
    item: RandomCheckItem,
    user,
    *,
    paper_result: str,
    site_result: str,
    notes: str = "",
    at: datetime | None = None,
) -> RandomCheckItem:
    """Record whether the system agrees with the paper file and with the site."""
    item = _locked_item(item)
    check = item.check_record
    notes = notes.strip()
    disagrees = CheckResult.DISAGREE in (paper_result, site_result)
    refuse(
        _actor_refusal(user, check.kind, check.unit),
        _status_refusal(check, _("登记结果")),
        _("该明细已生成监督线索，结果不能再修改。") if item.case_id else None,
        _("请登记系统与纸质档案、系统与现场两项的核查结果。")
        if CheckResult.PENDING in (paper_result, site_result)
        else None,
        _("不一致的须在核查说明中写明哪里不一致。") if disagrees and not notes else None,
    )
    item.paper_result, item.site_result, item.notes = paper_result, site_result, notes
    item.checked_by, item.checked_at = user, at or timezone.now()
    item.save(update_fields=["paper_result", "site_result", "notes", "checked_by", "checked_at"])
    return item


def _case_text(item: RandomCheckItem) -> str:
    check = item.check_record
    found = [
        label
        for result, label in (
            (item.paper_result, _("系统与纸质档案不一致")),
            (item.site_result, _("系统与现场不一致")),
        )
        if result == CheckResult.DISAGREE
    ]
    return _("%(kind)s（%(start)s～%(end)s）：%(found)s——%(notes)s") % {
        "kind": check.get_kind_display(),
        "start": f"{check.period_start:%Y-%m-%d}",
        "end": f"{check.period_end:%Y-%m-%d}",
        "found": "、".join(found),
        "notes": item.notes,
    }


@transaction.atomic
def open_case(item: RandomCheckItem, user, *, at: datetime | None = None):
    """Turn a disagreement into a supervision case; the item's case if it has one already.

    The case is an ordinary one of rule "random_check" with evidence key `check_item:<id>`:
    the unique (rule, evidence_key) and ON CONFLICT DO NOTHING make a second click, or two at
    once, find the same case instead of opening another.
    """
    item = _locked_item(item)
    check = item.check_record
    refuse(
        _actor_refusal(user, check.kind, check.unit),
        _("该抽查已作废，不能生成线索。") if check.status == Status.VOID else None,
        None if item.disagrees else _("该明细未登记不一致，无需生成监督线索。"),
    )
    if item.case_id:
        return item.case
    at = at or timezone.now()
    rule_row = DetectionRule.objects.get(code=RULE_CODE)
    key = f"check_item:{item.pk}"
    # Evidence is stored in the site's language, whoever pressed the button.
    with translation.override(settings.LANGUAGE_CODE):
        case = new_case(
            rule_row,
            at,
            key=key,
            application=item.application,
            text=_case_text(item),
            check=check.pk,
            check_kind=check.kind,
            paper_result=item.paper_result,
            site_result=item.site_result,
            checked_by=item.checked_by_id,
            checked_at=item.checked_at.isoformat() if item.checked_at else None,
        )
    case.source = CaseSource.RANDOM_CHECK
    save_cases([case])
    item.case = rule_row.cases.get(evidence_key=key)
    item.save(update_fields=["case"])
    return item.case


def open_cases(check: RandomCheck, user, *, at: datetime | None = None) -> list:
    """One click for the whole check: a case for every disagreeing item (existing ones kept)."""
    items = [i for i in check.items.order_by("pk") if i.disagrees]
    refuse(None if items else _("该抽查没有登记为不一致的明细。"))
    return [open_case(item, user, at=at) for item in items]


@transaction.atomic
def complete_check(check: RandomCheck, user, *, at: datetime | None = None) -> RandomCheck:
    """Close the check once every item has its result."""
    check = RandomCheck.objects.select_for_update().select_related("unit").get(pk=check.pk)
    pending = sum(1 for item in check.items.all() if not item.checked)
    refuse(
        _actor_refusal(user, check.kind, check.unit),
        _status_refusal(check, _("完成")),
        _("尚有%(n)d条明细未登记核查结果。") % {"n": pending} if pending else None,
    )
    check.status, check.completed_by, check.completed_at = (
        Status.COMPLETED,
        user,
        at or timezone.now(),
    )
    check.save(update_fields=["status", "completed_by", "completed_at"])
    return check


@transaction.atomic
def void_check(check: RandomCheck, user, *, reason: str, at: datetime | None = None) -> RandomCheck:
    """Void a check with a reason (never deleted); cases it opened stay ordinary cases."""
    check = RandomCheck.objects.select_for_update().select_related("unit").get(pk=check.pk)
    refuse(
        _actor_refusal(user, check.kind, check.unit),
        _("该抽查已作废。") if check.status == Status.VOID else None,
        None if reason.strip() else _("作废须说明原因。"),
    )
    check.status, check.void_reason = Status.VOID, reason.strip()
    check.voided_by, check.voided_at = user, at or timezone.now()
    check.save(update_fields=["status", "void_reason", "voided_by", "voided_at"])
    return check

"""Running the detection rules, and handling the cases they open.

`run_rules` is called by the daily django-q2 task, the admin action "立即运行" and the
`run_detection` command; `open_callback_case` by the `off_system_suspected` receiver, inside the
callback's own transaction, and `open_project_cases` by the projects' progress and phase
signals. Cases are inserted with ON CONFLICT DO NOTHING on (rule, evidence_key): whatever path
finds a piece of evidence first opens its one case.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.services.errors import TransitionRefused

from ..models import Callback, DetectionRule, SupervisionCase
from .rules import RULES, callback_cases, project_cases
from .scope import unit_refusal

logger = logging.getLogger(__name__)


def sync_rules(apps=None, schema_editor=None) -> None:
    """Create a `DetectionRule` row for every registered rule missing one (idempotent).

    Existing rows keep what supervisors set (enabled, parameters); only new codes are added.
    Called from migrations like `roles.sync_roles`.
    """
    model = apps.get_model("monitoring", "DetectionRule") if apps else DetectionRule
    for spec in RULES.values():
        model.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "parameters": dict(spec.parameters),
            },
        )


def save_cases(cases: list[SupervisionCase]) -> int:
    """Insert `cases`, skipping evidence that already has its case; returns how many are new."""
    if not cases:
        return 0
    rule_ids = {case.rule_id for case in cases}
    before = SupervisionCase.objects.filter(rule_id__in=rule_ids).count()
    SupervisionCase.objects.bulk_create(cases, ignore_conflicts=True)
    return SupervisionCase.objects.filter(rule_id__in=rule_ids).count() - before


def run_rule(rule_row: DetectionRule, now: datetime) -> int:
    """Run one rule now (even a disabled one is skipped here: 0); returns new cases."""
    if not rule_row.enabled or rule_row.code not in RULES:
        return 0
    # Evidence is stored in the site's language, whoever pressed the button.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        found = save_cases(RULES[rule_row.code].find(rule_row, now))
        DetectionRule.objects.filter(pk=rule_row.pk).update(last_run_at=now, last_found=found)
    rule_row.last_run_at, rule_row.last_found = now, found
    return found


def run_rules(codes: list[str] | None = None, now: datetime | None = None) -> dict[str, int]:
    """Run the enabled rules (of `codes`, default all); {code: new cases}. A failing rule is
    logged and the others still run; its code maps to -1."""
    now = now or timezone.now()
    rows = DetectionRule.objects.filter(enabled=True).order_by("pk")
    if codes is not None:
        rows = rows.filter(code__in=codes)
    result = {}
    for rule_row in rows:
        try:
            result[rule_row.code] = run_rule(rule_row, now)
        except Exception:
            logger.exception("Detection rule %s failed at %s", rule_row.code, now)
            result[rule_row.code] = -1
    return result


def open_callback_case(callback: Callback, at: datetime) -> int:
    """The signal path of rule (a): a flagged callback opens its case at once (if enabled)."""
    rule_row = DetectionRule.objects.filter(code="callback_mismatch", enabled=True).first()
    if rule_row is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        cases = callback_cases(rule_row, at, Callback.objects.filter(pk=callback.pk))
    return save_cases(cases)


def open_project_cases(project, at: datetime) -> int:
    """The signal path of rule (b): a project reported complete opens its cases at once."""
    rule_row = DetectionRule.objects.filter(code="project_ahead", enabled=True).first()
    if rule_row is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        cases = project_cases(rule_row, at, type(project).objects.filter(pk=project.pk))
    return save_cases(cases)


# --- Handling a case ------------------------------------------------------------------------------


def _handling_refusal(case: SupervisionCase, user) -> str | None:
    if not user.has_perm("monitoring.handle_case"):
        return _("您没有“核实或排除监督线索”的权限。")
    if case.status not in (SupervisionCase.Status.OPEN, SupervisionCase.Status.CONFIRMED):
        return _("该线索已是“%(status)s”，不能再核实或排除。") % {
            "status": case.get_status_display()
        }
    return unit_refusal(user, case.unit)


@transaction.atomic
def handle_case(
    case: SupervisionCase, user, *, confirm: bool, reason: str = "", at: datetime | None = None
) -> SupervisionCase:
    """Confirm a case (核实) or dismiss it with a reason (排除)."""
    case = SupervisionCase.objects.select_for_update().select_related("unit").get(pk=case.pk)
    refusal = _handling_refusal(case, user)
    if refusal is None and not confirm and not reason.strip():
        refusal = _("排除线索须说明理由。")
    if refusal:
        raise TransitionRefused(refusal)
    case.status = SupervisionCase.Status.CONFIRMED if confirm else SupervisionCase.Status.DISMISSED
    case.dismiss_reason = "" if confirm else reason.strip()
    case.handled_by, case.handled_at = user, at or timezone.now()
    case.save(update_fields=["status", "dismiss_reason", "handled_by", "handled_at"])
    return case

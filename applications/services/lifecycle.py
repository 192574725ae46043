"""Moving an application through its stages: the one writer of `Application.state`.

Every transition runs here under a row lock, is checked for permission, unit and stage rules
(with the reasons it fails), records the stage's data, is logged, and is announced to
listeners in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from .. import paths, rules
from ..models import Application, Contract, Inspection, MeterInstallation, TransitionLog
from ..signals import application_transitioned
from ..states import State, SuspensionReason
from .errors import TransitionRefused


@dataclass(frozen=True)
class TransitionSpec:
    codename: str | None  # None: depends on the stage (advance)
    needs_comment: bool = False


TRANSITIONS: dict[str, TransitionSpec] = {
    "advance": TransitionSpec(None),
    "fail_inspection": TransitionSpec("record_inspection", needs_comment=True),
    "return_to": TransitionSpec("return_application", needs_comment=True),
    "suspend": TransitionSpec("suspend_application", needs_comment=True),
    "resume": TransitionSpec("suspend_application"),
    "cancel": TransitionSpec("cancel_application", needs_comment=True),
}


def transition_label(app: Application, name: str) -> str:
    """What the button says: advance names the stage being finished and the next one."""
    if name == "advance" and app.state in paths.STAGE_RULES:
        target = State(paths.next_stage(app)).label
        return _("%(action)s → %(target)s") % {
            "action": paths.STAGE_RULES[app.state].advance_label,
            "target": target,
        }
    method = getattr(Application, name)
    return str(method._django_fsm.transitions[app.state].custom["label"])


def refusals(app: Application, name: str, user, data: dict | None = None) -> list[str]:
    """Every reason `user` cannot perform transition `name` on `app` now (empty: allowed)."""
    data = data or {}
    spec = TRANSITIONS.get(name)
    if spec is None:
        return [_("未知的操作：%(name)s。") % {"name": name}]
    method = getattr(app, name)
    if app.state not in method._django_fsm.transitions:
        return [
            _("当前环节“%(state)s”不能执行“%(action)s”。")
            % {"state": app.get_state_display(), "action": _label_any(name)}
        ]
    codename = spec.codename or rules.advance_codename(app)
    reasons = [r for r in [rules.refusal(user, app, codename)] if r]
    if name == "advance":
        reasons += rules.exit_blockers(app)
    elif name == "fail_inspection" and not rules.has_rectification_stage(app):
        reasons.append(_("没有可退回整改的客户环节。"))
    elif name == "return_to":
        earlier = paths.earlier_stages(app)
        if not earlier:
            reasons.append(_("已是流程第一个环节，无处可退。"))
        elif data.get("target") not in earlier:
            reasons.append(
                _("只能退回到本流程中更早的环节：%(stages)s。")
                % {"stages": "、".join(str(State(s).label) for s in earlier)}
            )
    elif name == "suspend" and data.get("reason") not in SuspensionReason.values:
        reasons.append(_("请选择客户原因的暂停类别。"))
    if spec.needs_comment and not (data.get("comment") or "").strip():
        reasons.append(_("请填写原因或意见。"))
    return reasons


def _label_any(name: str) -> str:
    transitions = getattr(Application, name)._django_fsm.transitions
    return str(next(iter(transitions.values())).custom["label"])


def available_transitions(app: Application, user) -> list[tuple[str, str]]:
    """(name, label) of the transitions this user may perform now, for buttons."""
    result = []
    for name in TRANSITIONS:
        method = getattr(app, name)
        if app.state in method._django_fsm.transitions and not refusals(
            app, name, user, _sample_data(app, name)
        ):
            result.append((name, transition_label(app, name)))
    return result


def blocked_transitions(app: Application, user) -> list[tuple[str, list[str]]]:
    """Forward steps that exist here but are blocked, with why — shown beside the buttons."""
    name = "advance"
    if app.state not in paths.STAGE_RULES:
        return []
    reasons = refusals(app, name, user)
    return [(transition_label(app, name), reasons)] if reasons else []


def _sample_data(app: Application, name: str) -> dict:
    # Button availability ignores what the form will still ask for (reason, target).
    earlier = paths.earlier_stages(app)
    return {
        "comment": "-",
        "target": earlier[-1] if earlier else None,
        "reason": SuspensionReason.CUSTOMER_REQUEST,
    }


@transaction.atomic
def perform_transition(
    *,
    application: Application,
    name: str,
    user,
    comment: str = "",
    expected_state: str | None = None,
    at: datetime | None = None,
    **data: Any,
) -> Application:
    """Perform transition `name` as `user`, or raise TransitionRefused saying why not.

    `expected_state` is the state the user saw: if someone else moved the application
    meanwhile, the second actor is refused instead of acting on a state they never saw.
    """
    at = at or timezone.now()
    app = (
        Application.objects.select_for_update()
        .select_related("customer", "unit")
        .get(pk=application.pk)
    )
    outside = rules.unit_refusal(user, app)
    if outside:  # before the stale-state check: another unit learns nothing of who acted
        raise TransitionRefused(outside)
    if expected_state and app.state != expected_state:
        raise TransitionRefused(_overtaken_message(app))
    reasons = refusals(app, name, user, {"comment": comment, **data})
    if reasons:  # before getattr: an unknown name must be refused, not raise AttributeError
        raise TransitionRefused(reasons)
    method = getattr(app, name)
    if not (can_proceed(method) and has_transition_perm(method, user)):
        raise TransitionRefused(_("该操作当前不可用。"))  # belt and braces: django-fsm's guards

    source = app.state
    recorder = RECORDERS.get((name, source))
    if recorder:
        recorder(app, user=user, at=at, comment=comment, **data)
    args = {"return_to": ("target",), "suspend": ("reason",), "cancel": ()}.get(name, ())
    kwargs = {key: data[key] for key in args}
    if name == "cancel":
        kwargs["reason"] = comment
    method(**kwargs)
    app.state_changed_at = at
    try:
        app.save()
    except ConcurrentTransition as exc:
        raise TransitionRefused(_overtaken_message(app)) from exc

    log = TransitionLog.objects.create(
        application=app,
        transition=name,
        transition_label=transition_label_for_log(name, source, app),
        from_state=source,
        to_state=app.state,
        actor=user,
        at=at,
        comment=comment,
    )
    application_transitioned.send(
        sender=Application,
        application=app,
        transition=name,
        source=source,
        target=app.state,
        actor=user,
        at=at,
        log=log,
        data=data,
    )
    return app


def transition_label_for_log(name: str, source: str, app: Application) -> str:
    if name == "advance":
        return str(paths.STAGE_RULES[source].advance_label)
    return str(getattr(Application, name)._django_fsm.transitions[source].custom["label"])


def _overtaken_message(app: Application) -> str:
    last = app.transition_logs.select_related("actor").order_by("-at", "-pk").first()
    if last is None:
        return _("该申请刚被他人修改，请刷新页面后再办理。")
    actor = last.actor.get_full_name() or last.actor.get_username() if last.actor else "系统"
    return _(
        "该申请已被%(actor)s于%(at)s办理（%(action)s），当前环节为“%(state)s”。请刷新页面后再办理。"
    ) % {
        "actor": actor,
        "at": timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M"),
        "action": last.transition_label,
        "state": app.get_state_display(),
    }


# --- Stage data recorded as a stage ends ---------------------------------------------------


FIELD_LABELS = {
    "contract_number": _lazy("合同编号"),
    "template": _lazy("合同范本"),
    "meter_number": _lazy("电能表资产号"),
    "archive_location": _lazy("档案存放位置"),
}


def _require(data: dict, *keys: str) -> None:
    missing = [str(FIELD_LABELS.get(k, k)) for k in keys if data.get(k) in (None, "")]
    if missing:
        raise TransitionRefused(_("缺少必填信息：%(fields)s。") % {"fields": "、".join(missing)})


def _record_inspection(passed: bool) -> Callable[..., None]:
    def record(app, *, user, at, comment, **data):
        kind = app.state
        last_round = app.inspections.filter(kind=kind).order_by("-round").first()
        Inspection.objects.create(
            application=app,
            kind=kind,
            round=(last_round.round + 1) if last_round else 1,
            passed=passed,
            findings=comment or data.get("findings", ""),
            risk_points=data.get("risk_points", ""),
            inspected_at=data.get("inspected_at") or at,
            inspector=user,
        )

    return record


def _record_contract(app, *, user, at, comment, **data):
    _require(data, "contract_number", "template")
    if Contract.objects.filter(number=data["contract_number"]).exclude(application=app).exists():
        raise TransitionRefused(
            _("合同编号%(number)s已被使用，请核对后重新填写。")
            % {"number": data["contract_number"]}
        )
    # update_or_create: after a return to the contract stage the contract is signed again.
    Contract.objects.update_or_create(
        application=app,
        defaults={
            "number": data["contract_number"],
            "template": data["template"],
            "tariff": data.get("tariff", ""),
            "signed_at": data.get("signed_at") or at,
            "signed_by": user,
        },
    )


def _record_energization(app, *, user, at, comment, **data):
    _require(data, "meter_number")
    energized_at = data.get("energized_at") or at
    installed_at = data.get("installed_at") or energized_at
    if installed_at > energized_at:
        raise TransitionRefused(_("装表时间不能晚于送电时间。"))
    # update_or_create: after a return to the energize stage the meter is recorded again.
    MeterInstallation.objects.update_or_create(
        application=app,
        defaults={
            "meter_number": data["meter_number"],
            "installed_at": installed_at,
            "energized_at": energized_at,
            "installer": user,
        },
    )
    app.energized_at = energized_at


def _record_grid_works(app, *, user, at, comment, **data):
    app.grid_works_completed_at = data.get("completed_at") or at


def _record_archive(app, *, user, at, comment, **data):
    _require(data, "archive_location")
    app.archive_location = data["archive_location"]
    app.archived_at = at


RECORDERS: dict[tuple[str, str], Callable[..., None]] = {
    ("advance", State.GRID_WORKS): _record_grid_works,
    ("advance", State.CONTRACT): _record_contract,
    ("advance", State.ENERGIZE): _record_energization,
    ("advance", State.ARCHIVE): _record_archive,
    **{("advance", s): _record_inspection(True) for s in paths.INSPECTION_STAGES},
    **{("fail_inspection", s): _record_inspection(False) for s in paths.INSPECTION_STAGES},
}

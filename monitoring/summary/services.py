"""Monthly summaries from generation to issue — the one writer of `MonthlySummary`.

generate_summary (figures snapshot + draft text from the month's findings) → edit_summary /
refresh_figures while a draft → issue_summary (frozen for good) — or void_summary, with a
reason, while still a draft. 主管 write (`write_summary`) and issue (`issue_summary`) them, in
their unit and the stations under it.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import Unit

from ..models import MonthlySummary
from ..supervision.scope import permission_refusal, refuse, unit_refusal
from . import findings
from .figures import PERIODS, compared_months, period_figures

Status = MonthlySummary.Status


def snapshot(user, unit: Unit, month: date) -> dict:
    """The figures of this month, last month and the same month last year, and the month's
    problems and actions — what a summary freezes."""
    periods = compared_months(month)
    current = periods["current"]
    return {
        "periods": {key: period_figures(user, unit, periods[key]) for key, _label in PERIODS},
        "problems": findings.problems(unit, current),
        "actions": findings.actions(unit, current),
    }


def _number(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _rate(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def overview_text(figures: dict) -> str:
    now, before, year = (figures["periods"][k] for k in ("current", "previous", "year_before"))
    return _(
        "本月送电%(energized)d户，平均接电时长%(average)s个工作日（上月%(previous)s，去年同月"
        "%(year)s）；办结环节%(finished)d个，超期%(breached)d个，超期率%(rate)s（上月%(rate_previous)s）；"
        "受理投诉%(complaints)d件；签发监督意见书%(letters)d份，发现监督线索%(cases)d条；"
        "督办事项新增%(opened)d项、办结%(closed)d项，月末未办结%(open)d项。"
    ) % {
        "energized": now["energized"],
        "average": _number(now["connection_average"]),
        "previous": _number(before["connection_average"]),
        "year": _number(year["connection_average"]),
        "finished": now["clocks_finished"],
        "breached": now["clocks_breached"],
        "rate": _rate(now["overdue_rate"]),
        "rate_previous": _rate(before["overdue_rate"]),
        "complaints": now["complaints"],
        "letters": now["letters_issued"],
        "cases": now["cases_found"],
        "opened": now["items_opened"],
        "closed": now["items_closed"],
        "open": now["items_open"],
    }


def _numbered(sections: list[tuple[str, list[str]]], empty: str) -> str:
    lines = []
    for heading, entries in sections:
        if entries:
            lines.append(heading)
            lines += [f"{i}. {entry}" for i, entry in enumerate(entries, start=1)]
    return "\n".join(lines) or empty


def problems_text(figures: dict) -> str:
    found = figures["problems"]
    return _numbered(
        [
            (_("（一）监督线索"), found["cases"]),
            (_("（二）业务监督意见书"), found["letters"]),
            (_("（三）抽查发现的不一致"), found["disagreements"]),
        ],
        _("本月未发现问题。"),
    )


def actions_text(figures: dict) -> str:
    done = figures["actions"]
    return _numbered(
        [
            (_("（一）意见书整改"), done["rectified"]),
            (_("（二）意见书验收关闭"), done["closed"]),
            (_("（三）线索核实处理"), done["cases"]),
            (_("（四）督办事项办结"), done["items"]),
        ],
        _("本月无整改落实记录。"),
    )


def _writer_refusal(user, unit: Unit, codename: str = "write_summary") -> str | None:
    labels = {"write_summary": _("编写月度总结"), "issue_summary": _("签发月度总结")}
    return permission_refusal(user, codename, labels[codename]) or unit_refusal(user, unit)


def _draft_refusal(summary: MonthlySummary) -> str | None:
    if summary.status != Status.DRAFT:
        return _("月度总结已是“%(status)s”，不能再修改。") % {
            "status": summary.get_status_display()
        }
    return None


@transaction.atomic
def generate_summary(*, user, unit: Unit, month: date, at: datetime | None = None):
    """A draft summary of `unit` for `month`: figures now, text drafted from the findings."""
    at = at or timezone.now()
    month = month.replace(day=1)
    existing = MonthlySummary.objects.filter(unit=unit, month=month).exclude(status=Status.VOID)
    taken = existing.first()
    refuse(
        _writer_refusal(user, unit),
        None
        if month <= timezone.localdate(at)
        else _("%(month)s尚未开始，不能编写月度总结。") % {"month": f"{month:%Y年%m月}"},
        _("%(unit)s %(month)s 的月度总结已存在（%(status)s）。")
        % {"unit": unit, "month": f"{month:%Y年%m月}", "status": taken.get_status_display()}
        if taken
        else None,
    )
    with translation.override(settings.LANGUAGE_CODE):
        figures = snapshot(user, unit, month)
        texts = {
            "overview": overview_text(figures),
            "problems": problems_text(figures),
            "actions": actions_text(figures),
        }
    return MonthlySummary.objects.create(
        unit=unit,
        month=month,
        figures=figures,
        figures_at=at,
        created_by=user,
        created_at=at,
        **texts,
    )


def _locked(summary: MonthlySummary) -> MonthlySummary:
    return MonthlySummary.objects.select_for_update().select_related("unit").get(pk=summary.pk)


@transaction.atomic
def edit_summary(
    summary: MonthlySummary, user, *, overview: str, problems: str, actions: str, next_steps: str
) -> MonthlySummary:
    """Change the text sections of a draft."""
    summary = _locked(summary)
    refuse(_writer_refusal(user, summary.unit), _draft_refusal(summary))
    summary.overview, summary.problems = overview.strip(), problems.strip()
    summary.actions, summary.next_steps = actions.strip(), next_steps.strip()
    summary.save(update_fields=["overview", "problems", "actions", "next_steps"])
    return summary


@transaction.atomic
def refresh_figures(summary: MonthlySummary, user, *, at: datetime | None = None):
    """Recompute a draft's figures and findings (late entries); the text is left as edited."""
    summary = _locked(summary)
    refuse(_writer_refusal(user, summary.unit), _draft_refusal(summary))
    with translation.override(settings.LANGUAGE_CODE):
        summary.figures = snapshot(user, summary.unit, summary.month)
    summary.figures_at = at or timezone.now()
    summary.save(update_fields=["figures", "figures_at"])
    return summary


@transaction.atomic
def issue_summary(summary: MonthlySummary, user, *, at: datetime | None = None):
    """Issue a draft: from now on it never changes."""
    summary = _locked(summary)
    refuse(_writer_refusal(user, summary.unit, "issue_summary"), _draft_refusal(summary))
    summary.status, summary.issued_by, summary.issued_at = Status.ISSUED, user, at or timezone.now()
    summary.save(update_fields=["status", "issued_by", "issued_at"])
    return summary


@transaction.atomic
def void_summary(summary: MonthlySummary, user, *, reason: str, at: datetime | None = None):
    """Void a draft with a reason (an issued summary stands as issued)."""
    summary = _locked(summary)
    refuse(
        _writer_refusal(user, summary.unit),
        _draft_refusal(summary),
        None if reason.strip() else _("作废须说明原因。"),
    )
    summary.status, summary.void_reason = Status.VOID, reason.strip()
    summary.voided_by, summary.voided_at = user, at or timezone.now()
    summary.save(update_fields=["status", "void_reason", "voided_by", "voided_at"])
    return summary

"""What a month found and what was done about it, as lines of text for the summary.

Problems: supervision cases found, letters issued, random-check disagreements recorded in the
month. Done: letters rectified or closed, cases confirmed or dismissed, 督办 items finished.
Each line names its record so a reader can find it; the draft text sections start from these.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Unit

from ..dashboard.filters import Period
from ..dashboard.supervision import COUNTED_STATUSES
from ..models import (
    CheckResult,
    Deadline,
    RandomCheck,
    RandomCheckItem,
    SupervisionCase,
    SupervisionLetter,
)


def _within(field: str, period: Period) -> dict:
    return {f"{field}__gte": period.since, f"{field}__lt": period.until}


def _day(instant) -> str:
    return f"{timezone.localdate(instant):%m-%d}"


def problems(unit: Unit, period: Period) -> dict[str, list[str]]:
    cases = SupervisionCase.objects.filter(unit=unit, **_within("found_at", period))
    letters = SupervisionLetter.objects.filter(
        unit=unit, status__in=COUNTED_STATUSES, **_within("issued_at", period)
    )
    disagreeing = Q(paper_result=CheckResult.DISAGREE) | Q(site_result=CheckResult.DISAGREE)
    items = (
        RandomCheckItem.objects.filter(disagreeing, check_record__unit=unit)
        .filter(**_within("checked_at", period))
        .exclude(check_record__status=RandomCheck.Status.VOID)
    )
    return {
        "cases": [
            _("%(day)s 线索：%(text)s（%(status)s）")
            % {"day": _day(c.found_at), "text": c.evidence_text, "status": c.get_status_display()}
            for c in cases.order_by("found_at", "pk")
        ],
        "letters": [
            _("%(number)s（%(category)s）：%(findings)s")
            % {
                "number": letter.number,
                "category": letter.get_category_display(),
                "findings": letter.findings.splitlines()[0] if letter.findings else "",
            }
            for letter in letters.order_by("issued_at", "pk")
        ],
        "disagreements": [
            _("%(kind)s %(number)s：%(notes)s")
            % {
                "kind": i.check_record.get_kind_display(),
                "number": i.application.number,
                "notes": i.notes,
            }
            for i in items.select_related("check_record", "application").order_by(
                "checked_at", "pk"
            )
        ],
    }


def actions(unit: Unit, period: Period) -> dict[str, list[str]]:
    letters = SupervisionLetter.objects.filter(unit=unit)
    rectified = letters.filter(**_within("rectified_at", period)).order_by("rectified_at", "pk")
    closed = letters.filter(**_within("closed_at", period)).order_by("closed_at", "pk")
    handled = SupervisionCase.objects.filter(unit=unit, **_within("handled_at", period))
    finished = Deadline.objects.filter(
        kind=Deadline.Kind.SUPERVISION_ITEM,
        unit=unit,
        outcome__in=[Deadline.Outcome.MET, Deadline.Outcome.BREACHED],
        **_within("stopped_at", period),
    )
    return {
        "rectified": [
            _("%(number)s 整改：%(text)s") % {"number": x.number, "text": x.rectification}
            for x in rectified
        ],
        "closed": [
            _("%(number)s 验收关闭：%(note)s") % {"number": x.number, "note": x.closing_note or "—"}
            for x in closed
        ],
        "cases": [
            _("线索%(status)s：%(text)s")
            % {"status": c.get_status_display(), "text": c.evidence_text}
            for c in handled.order_by("handled_at", "pk")
        ],
        "items": [
            _("督办事项“%(label)s”%(outcome)s")
            % {"label": d.label, "outcome": d.get_outcome_display()}
            for d in finished.order_by("stopped_at", "pk")
        ],
    }

"""The supervision figures of the dashboard, the briefing and the weekly pack.

Cases, letters and assessments belong to a unit, and a letter or an assessment often to no
single application: the unit scoping and the unit filter apply to them like to every figure,
the customer-class and small/micro filters do not (the block says so). Counting them by class
only where an application is linked would make the block's rows disagree with each other.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from applications import rules
from applications.models import Unit

from ..models import Assessment, LetterCategory, SupervisionCase, SupervisionLetter
from ..routines.discipline import visible_cases
from ..supervision.assessments import month_of
from ..supervision.summary import SupervisionSummary, summary
from .filters import Filters, Period
from .links import Links, period_params
from .tables import Cell, Table, count, text

LetterStatus = SupervisionLetter.Status
# As `summary` counts them: open now (issued, not yet closed), and issued in the period (drafts
# and void ones left out).
OPEN_LETTER_STATUSES = [LetterStatus.ISSUED, LetterStatus.RECTIFYING, LetterStatus.RECTIFIED]
COUNTED_STATUSES = [*OPEN_LETTER_STATUSES, LetterStatus.CLOSED]


def dashboard_units(user, filters: Filters) -> QuerySet[Unit] | None:
    """The units the dashboard counts for `user`: None when that is every unit."""
    if filters.unit is None and rules.sees_all_units(user):
        return None
    units = rules.scope_to_user(Unit.objects.all(), user, unit_field="")
    return units.filter(pk=filters.unit.pk) if filters.unit is not None else units


def supervision_figures(user, filters: Filters) -> SupervisionSummary:
    return summary(
        units=dashboard_units(user, filters), period=filters.period, cases=scoped_cases(user)
    )


def _letters_issued_link(links: Links, period: Period, **params) -> str:
    return links.supervision(
        SupervisionLetter,
        **period_params("issued_at", period),
        status__in=[str(s) for s in COUNTED_STATUSES],
        **params,
    )


def supervision_table(figures: SupervisionSummary, links: Links, period: Period) -> Table:
    """监督线索与意见书: one row per figure, each count linked to the list it counts."""
    assessed = {
        "status__exact": Assessment.Status.ACTIVE,
        "period__gte": month_of(period.start),
        "period__lte": month_of(period.end),
    }
    assessed_url = links.supervision(Assessment, **assessed)
    rows = [
        [
            text(_("待核实监督线索（当前）")),
            count(
                figures.open_cases,
                links.supervision(SupervisionCase, status__exact=SupervisionCase.Status.OPEN),
            ),
        ],
        [
            text(_("统计期内发现线索")),
            count(
                figures.cases_found,
                links.supervision(SupervisionCase, **period_params("found_at", period)),
            ),
        ],
        [
            text(_("统计期内签发意见书")),
            count(figures.letters_issued, _letters_issued_link(links, period)),
        ],
    ]
    for value, label in LetterCategory.choices:
        rows.append(
            [
                text(_("其中：%(category)s") % {"category": label}),
                count(
                    figures.letters_by_category[str(label)],
                    _letters_issued_link(links, period, category__exact=value),
                ),
            ]
        )
    rows += [
        [
            text(_("未关闭意见书（当前）")),
            count(
                figures.letters_open,
                links.supervision(
                    SupervisionLetter, status__in=[str(s) for s in OPEN_LETTER_STATUSES]
                ),
            ),
        ],
        [text(_("统计期内考核人次")), count(figures.assessments, assessed_url)],
        [text(_("考核扣分")), Cell(figures.assessment_points, "decimal", assessed_url)],
        [text(_("考核金额（元）")), Cell(figures.assessment_amount, "decimal", assessed_url)],
    ]
    return Table(
        "supervision",
        _("监督线索与意见书"),
        [_("项目"), _("数量")],
        rows=rows,
        note=_(
            "按线索、意见书、考核所属的供电单位统计；用电类别、小微企业筛选不适用于本表。"
            "签发意见书按签发时间在统计期内计（已作废的不计）；未关闭＝已签发、整改中或已整改；"
            "考核按考核期间（月份）落在统计期内的有效考核计。"
        ),
    )


def scoped_cases(user) -> QuerySet[SupervisionCase]:
    """The user's units' cases, less those handed over to 纪检 (unless the user is 纪检)."""
    cases = rules.scope_to_user(SupervisionCase.objects.all(), user, unit_field="unit")
    return visible_cases(user, cases)


def scoped_letters(user) -> QuerySet[SupervisionLetter]:
    return rules.scope_to_user(SupervisionLetter.objects.all(), user, unit_field="unit")


def open_letters(letters: QuerySet[SupervisionLetter]) -> QuerySet[SupervisionLetter]:
    return letters.filter(status__in=OPEN_LETTER_STATUSES)


def issued_in(letters: QuerySet[SupervisionLetter], period: Period) -> QuerySet:
    """Letters issued in `period`, void ones left out (as `summary` counts them)."""
    return letters.filter(
        status__in=COUNTED_STATUSES, issued_at__gte=period.since, issued_at__lt=period.until
    )


def for_filters(qs: QuerySet, filters: Filters) -> QuerySet:
    """Rows of the unit filter's unit (exact, as the dashboard's other figures), if any."""
    return qs if filters.unit is None else qs.filter(unit=filters.unit)

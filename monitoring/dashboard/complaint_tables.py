"""Complaints per unit and per staff member concerned (DOMAIN.md §9), on the dashboard.

The tally is `complaints.counts` — the same the monthly summary and the assessments use —
over the complaints the user may see (`visible_complaints`: 举报 only for 主管 and 纪检,
matters handed over to 纪检 only for 纪检). The unit filter applies; the class filters do not
(a complaint is about a unit and a person, not a customer class — the note says so).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from applications.admin.scoping import staff_label
from applications.models import Unit

from .. import complaints
from ..models import Complaint
from .filters import Filters
from .links import Links, period_params
from .supervision import dashboard_units
from .tables import Cell, Chart, Table, count, text, total_label

LIVE = [s.value for s in Complaint.Status if s != Complaint.Status.WITHDRAWN]


def complaint_counts(user, filters: Filters) -> complaints.Counts:
    units = dashboard_units(user, filters)
    period = filters.period
    return complaints.counts(
        Unit.objects.all() if units is None else units,
        period.since,
        period.until,
        among=complaints.visible_complaints(user),
    )


def _columns(with_reports: bool) -> list[str]:
    columns = [_("投诉（件）")]
    if with_reports:
        columns.append(_("举报（件）"))
    return [*columns, _("撤回（件）"), _("超期答复（件）")]


def _cells(tally: complaints.Tally, links: Links, on: dict, with_reports: bool) -> list[Cell]:
    cells = [count(tally.complaints, links.complaints(**on, kind="complaint", status__in=LIVE))]
    if with_reports:
        cells.append(count(tally.reports, links.complaints(**on, kind="report", status__in=LIVE)))
    return [
        *cells,
        count(tally.withdrawn, links.complaints(**on, status__exact="withdrawn")),
        Cell(tally.replied_late, "count"),
    ]


def _sum(tallies) -> complaints.Tally:
    return complaints.Tally(*(sum(column) for column in zip(*tallies, strict=True)))


def complaint_tables(user, counts: complaints.Counts, links: Links, filters: Filters):
    """投诉举报（按单位） and 投诉举报（按被投诉人员）: each count linked to its complaints."""
    with_reports = complaints.sees_reports(user)
    received = period_params("received_at", filters.period)
    zero = complaints.Tally(0, 0, 0, 0)
    note = _(
        "按受理时间在统计期内的投诉举报计，按被投诉单位、被投诉人员统计；撤回的不计入投诉、举报；"
        "超期答复＝答复晚于答复期限。用电类别、小微企业筛选不适用于本表。"
    )
    by_unit = Table(
        "complaints_units",
        _("投诉举报（按单位）"),
        [_("供电单位"), *_columns(with_reports)],
        note=note,
        chart=Chart("bar", [1]),
    )
    names = dict(Unit.objects.filter(pk__in=counts.units).values_list("pk", "name"))
    for unit_id in sorted(counts.units, key=lambda pk: names.get(pk, "")):
        on = {**received, "unit__id__exact": unit_id}
        by_unit.rows.append(
            [text(names.get(unit_id, "")), *_cells(counts.units[unit_id], links, on, with_reports)]
        )
    unit_total = _sum(counts.units.values()) if counts.units else zero
    by_unit.rows.append([text(total_label()), *_cells(unit_total, links, received, with_reports)])

    by_staff = Table(
        "complaints_staff",
        _("投诉举报（按被投诉人员）"),
        [_("被投诉人员"), _("单位"), *_columns(with_reports)],
        note=note,
        chart=Chart("bar", [2], horizontal=True),
    )
    people = (
        get_user_model()
        .objects.filter(pk__in=counts.staff)
        .select_related("staff_profile__unit")
        .in_bulk()
    )
    rows = []
    for user_id, tally in counts.staff.items():
        person = people[user_id]
        profile = getattr(person, "staff_profile", None)
        on = {**received, "staff_concerned__id__exact": user_id}
        rows.append(
            [
                text(staff_label(person)),
                text(profile.unit.name if profile else ""),
                *_cells(tally, links, on, with_reports),
            ]
        )
    # Most complained-about first, then by name.
    rows.sort(key=lambda row: (-(row[2].value or 0), row[0].value))
    by_staff.rows = rows
    staff_total = _sum(counts.staff.values()) if counts.staff else zero
    named = {**received, "staff_concerned__isnull": False}
    by_staff.rows.append(
        [text(total_label()), text(""), *_cells(staff_total, links, named, with_reports)]
    )
    return [by_unit, by_staff]

"""The dashboard's block of 督办 items: every open item of the user's units (the unit filter
applies, the class filters do not: an item belongs to a unit), with owner, due and its clock.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from applications import rules
from applications.admin.scoping import staff_label

from .. import deadlines
from ..dashboard.links import Links
from ..dashboard.tables import Table, count, text, total_label
from ..models import Deadline, SupervisionItem

MAX_ROWS = 50  # the page lists the soonest due; the total links to all of them


def open_items(user, unit=None) -> QuerySet[SupervisionItem]:
    """Open 督办 items of the user's units (of `unit` only, if given), soonest due first."""
    found = SupervisionItem.objects.filter(status=SupervisionItem.Status.OPEN)
    found = rules.scope_to_user(found, user, unit_field="unit")
    if unit is not None:
        found = found.filter(unit=unit)
    return found.select_related("unit", "owner", "set_by").order_by("due_date", "pk")


def open_items_table(user, unit, links: Links, now: datetime) -> Table:
    """督办事项（未办结）: one row per open item, each linked to its page; the total to the list."""
    found = open_items(user, unit)
    shown = list(found[:MAX_ROWS])
    clocks = {
        d.object_id: d
        for d in Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(SupervisionItem),
            object_id__in=[item.pk for item in shown],
            outcome=Deadline.Outcome.OPEN,
        )
    }
    list_url = links.supervision(SupervisionItem, status__exact=SupervisionItem.Status.OPEN)
    rows = []
    for item in shown:
        clock = clocks.get(item.pk)
        status = deadlines.status(clock, now)[0] if clock else item.get_status_display()
        url = reverse("admin:monitoring_supervisionitem_change", args=[item.pk]) if list_url else ""
        rows.append(
            [
                text(item.title, url),
                text(item.unit),
                text(staff_label(item.owner)),
                text(staff_label(item.set_by)),
                text(f"{item.due_date:%Y-%m-%d}"),
                text(status),
            ]
        )
    rows.append([text(total_label()), *[text("")] * 4, count(found.count(), list_url)])
    return Table(
        "supervision_items",
        _("督办事项（未办结）"),
        [_("督办事项"), _("责任单位"), _("责任人"), _("督办领导"), _("办结期限"), _("状态")],
        rows=rows,
        note=_(
            "列出本人可见单位办理中的督办事项，按办结期限排序（最多%(n)s项）；办结或作废后不再列出。"
        )
        % {"n": MAX_ROWS},
    )

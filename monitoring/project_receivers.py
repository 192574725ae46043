"""Receivers of the projects app's signals: stock alerts (and, with the Deadline engine, the
project phases' clocks). Every signal is sent inside the sender's transaction, so what these
write commits or rolls back with the change that caused it."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from applications import roles
from applications.states import Department
from projects.signals import stock_below_threshold

from .notify import notify_people


def materials_staff(unit):
    """Who keeps a unit's stock: its materials officers and materials (物资) approvers, in the
    unit or in the company above it."""
    units = [unit.pk, unit.parent_id] if unit.parent_id else [unit.pk]
    materials_approver = Q(groups__name=roles.APPROVER) & Q(
        staff_profile__department=Department.MATERIALS
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__unit__in=units)
        .filter(Q(groups__name=roles.MATERIALS_OFFICER) | materials_approver)
        .distinct()
    )


@receiver(stock_below_threshold, dispatch_uid="monitoring.stock_below_threshold")
def stock_alert(sender, *, stock, project, requisition, at, **kwargs):
    """A draw took consigned stock below its minimum: tell materials staff and the manager."""
    values = {
        "item": stock.item.name,
        "warehouse": stock.warehouse,
        "quantity": stock.quantity,
        "threshold": stock.threshold,
        "uom": stock.item.unit_of_measure,
        "project": project.number,
    }
    notify_people(
        recipients=[*materials_staff(stock.unit), project.project_manager],
        title=_("库存预警：%(warehouse)s %(item)s低于最低库存") % values,
        body=_(
            "工程%(project)s领料后，%(warehouse)s的%(item)s剩余 %(quantity)s %(uom)s，"
            "低于最低库存 %(threshold)s %(uom)s，请及时补充。"
        )
        % values,
        link=reverse("admin:projects_consignedstock_change", args=[stock.pk]),
        at=at,
    )

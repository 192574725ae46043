"""Applying online: the customer's record, the application, the uploaded documents."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import roles
from applications.models import Application, Customer, Unit
from applications.services.acceptance import accept_online_application
from applications.services.errors import TransitionRefused
from applications.states import Channel, CustomerClass, SupplyVoltage
from monitoring.notify import notify_people

from ..models import CustomerDocument

User = get_user_model()

# The voltage an online application starts with; the survey and scheme confirm the real one.
DEFAULT_VOLTAGE = {
    CustomerClass.LV_RESIDENT: SupplyVoltage.V220,
    CustomerClass.LV_BUSINESS: SupplyVoltage.V380,
    CustomerClass.HV_SINGLE: SupplyVoltage.KV10,
    CustomerClass.HV_DUAL: SupplyVoltage.KV10,
}


def _customer(*, unit: Unit, name, kind, id_type, id_number, contact_name, phone, address):
    """The customer's existing record (same document, same phone on file), or a new one.

    A record found by its document but with another phone is refused: the application would
    be tracked with a phone the applicant does not hold, and the record is not theirs to edit.
    """
    number = (id_number or "").strip().upper()
    existing = Customer.objects.filter(id_type=id_type, id_number=number).first()
    if existing is None:
        return Customer(
            name=name,
            kind=kind,
            id_type=id_type,
            id_number=number,
            contact_name=contact_name,
            phone=phone,
            address=address,
            unit=unit,
        )
    if existing.phone.replace("-", "") != phone.replace("-", ""):
        raise TransitionRefused(
            _(
                "该证件已有客户档案，所填联系电话与档案不一致。请填写档案中的联系电话，"
                "或携带证件到营业厅办理联系电话变更。"
            )
        )
    return existing


def _tell_the_front_desk(application: Application, at: datetime) -> None:
    """Nobody accepted it at a counter: the unit's 营业受理员 are told it is waiting for them to
    check the uploads and assign a customer manager (in the acceptance's transaction)."""
    front_desk = User.objects.filter(
        is_active=True,
        groups__name=roles.FRONT_DESK,
        staff_profile__unit_id=application.unit_id,
    ).distinct()
    values = {
        "number": application.number,
        "name": application.customer.name,
        "business": application.get_business_type_display(),
        "capacity": application.requested_capacity_kva,
    }
    notify_people(
        recipients=list(front_desk),
        title=_("新的线上申请：%(number)s") % values,
        body=_(
            "客户%(name)s通过客户网页申请%(business)s（%(capacity)s kVA），受理时限已开始计算，"
            "请核验上传资料并分配客户经理。"
        )
        % values,
        link=reverse("admin:applications_application_change", args=[application.pk]),
        at=at,
    )


@transaction.atomic
def apply_online(
    *,
    unit: Unit,
    customer_class: str,
    business_type: str,
    requested_capacity_kva,
    site_address: str,
    is_small_micro: bool,
    name: str,
    kind: str,
    id_type: str,
    id_number: str,
    contact_name: str,
    phone: str,
    documents: list[tuple[str, object, str]],
    at: datetime | None = None,
) -> Application:
    """Accept an application made on the customer pages, exactly as the counter does, and keep
    its documents. `documents` are (kind, uploaded file, content kind found by
    applications.uploads) — checked by the form before this is called."""
    at = at or timezone.now()
    customer = _customer(
        unit=unit,
        name=name,
        kind=kind,
        id_type=id_type,
        id_number=id_number,
        contact_name=contact_name,
        phone=phone,
        address=site_address,
    )
    application = accept_online_application(
        customer=customer,
        channel=Channel.ONLINE,
        at=at,
        comment=_("客户通过客户网页在线申请"),
        unit=unit,
        customer_class=customer_class,
        business_type=business_type,
        requested_capacity_kva=requested_capacity_kva,
        supply_voltage=DEFAULT_VOLTAGE[customer_class],
        site_address=site_address,
        is_small_micro=is_small_micro,
    )
    _tell_the_front_desk(application, at)
    for doc_kind, file, content_kind in documents:
        CustomerDocument.objects.create(
            application=application,
            kind=doc_kind,
            file=file,
            content_kind=content_kind,
            original_name=(getattr(file, "name", "") or "")[:200],
            size=file.size,
            uploaded_at=at,
        )
    return application

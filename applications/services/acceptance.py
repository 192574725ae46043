"""Accepting a new application (受理): the customer, the number, the materials, the first log."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import rules
from ..models import (
    Application,
    ApplicationMaterial,
    Customer,
    MaterialRequirement,
    TransitionLog,
)
from ..signals import application_transitioned
from ..states import State
from .errors import TransitionRefused
from .numbering import next_application_number


def _field_label(model, field: str) -> str:
    """The name users see for a field (证件号码), not its code name (id_number)."""
    try:
        return str(model._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def _validated(instance, exclude: tuple[str, ...] = ()) -> None:
    exclude = [*exclude, "number"] if isinstance(instance, Application) else None
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise TransitionRefused(
            [
                f"{_field_label(instance, field)}：{'；'.join(msgs)}"
                if field != "__all__"
                else "；".join(msgs)
                for field, msgs in exc.message_dict.items()
            ]
        ) from exc


@transaction.atomic
def accept_application(
    *,
    user,
    customer: Customer,
    received_materials: list[str] | None = None,
    at: datetime | None = None,
    comment: str = "",
    **fields,
) -> Application:
    """Register a new application in the acceptance stage and announce it.

    `received_materials` lists the codes of the documents handed in at the counter; the other
    documents of the class start as missing (to be received or deferred on a promise).
    """
    at = at or timezone.now()
    application = Application(customer=customer, accepted_at=at, accepted_by=user, **fields)
    reason = rules.refusal(user, application, "accept_application")
    if reason:
        raise TransitionRefused(reason)
    return _register(application, received_materials, at=at, actor=user, comment=comment)


@transaction.atomic
def accept_online_application(
    *,
    customer: Customer,
    channel: str,
    at: datetime | None = None,
    comment: str = "",
    **fields,
) -> Application:
    """Register an application the customer made themselves (the customer pages, an app).

    The same acceptance as at the counter — number, materials (all still to be checked by
    staff), the first log and the `application_transitioned` signal that starts the acceptance
    clock — with no staff member as acceptor: the channel is recorded instead.
    """
    at = at or timezone.now()
    application = Application(
        customer=customer, accepted_at=at, accepted_by=None, channel=channel, **fields
    )
    return _register(application, [], at=at, actor=None, comment=comment)


def _register(
    application: Application, received_materials, *, at: datetime, actor, comment: str
) -> Application:
    customer = application.customer
    application.state_changed_at = at
    if customer.pk is None:
        _validated(customer)
        customer.save()
        application.customer = customer  # built before the customer had a pk: set customer_id
    # An application the customer made online has no staff acceptor (the channel says who).
    _validated(application, exclude=("accepted_by",) if actor is None else ())
    application.number = next_application_number(timezone.localtime(at).year)
    application.save()

    received = set(received_materials or [])
    requirements = MaterialRequirement.objects.filter(customer_class=application.customer_class)
    ApplicationMaterial.objects.bulk_create(
        ApplicationMaterial(
            application=application,
            requirement=req,
            status=(
                ApplicationMaterial.Status.RECEIVED
                if req.code in received
                else ApplicationMaterial.Status.MISSING
            ),
            received_at=at if req.code in received else None,
        )
        for req in requirements
    )
    log = TransitionLog.objects.create(
        application=application,
        transition="create",
        transition_label=_("受理登记"),
        from_state="",
        to_state=State.ACCEPT,
        actor=actor,
        at=at,
        comment=comment,
    )
    application_transitioned.send(
        sender=Application,
        application=application,
        transition="create",
        source="",
        target=State.ACCEPT,
        actor=actor,
        at=at,
        log=log,
        data={},
    )
    return application


def defer_material(*, material: ApplicationMaterial, promised_by, user) -> ApplicationMaterial:
    """容缺受理: accept without a document on the customer's signed promise to bring it."""
    reason = rules.refusal(user, material.application, "complete_acceptance")
    if reason:
        raise TransitionRefused(reason)
    if promised_by is None:
        raise TransitionRefused(_("容缺受理须客户签署告知承诺书并填写承诺补交日期。"))
    if material.is_received:
        raise TransitionRefused(_("该资料已收取，无需容缺受理。"))
    material.status = ApplicationMaterial.Status.DEFERRED
    material.commitment_signed = True
    material.promised_by = promised_by
    material.save(update_fields=["status", "commitment_signed", "promised_by"])
    return material


def receive_material(*, material: ApplicationMaterial, user, at=None) -> ApplicationMaterial:
    reason = rules.refusal(user, material.application, "complete_acceptance")
    if reason:
        raise TransitionRefused(reason)
    material.status = ApplicationMaterial.Status.RECEIVED
    material.received_at = at or timezone.now()
    material.save(update_fields=["status", "received_at"])
    return material

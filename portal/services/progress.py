"""What the progress page shows: the five customer-facing steps and where the application is.

The grouping of lifecycle stages into the five steps (DOMAIN.md §3) is
`monitoring.callbacks.SYSTEM_STEPS`, the one the callbacks and the dashboard's 环节数 use too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationMaterial, StaffProfile
from applications.privacy import mask_id_number, mask_phone
from applications.services.charges import CustomerCharges, charges_for_customer
from applications.states import State
from monitoring.callbacks import system_step
from monitoring.models import CustomerStep, StageClock
from monitoring.models.callbacks import FIVE_STEPS, STEP_RANK


@dataclass
class Step:
    code: str
    label: str
    status: str  # "done", "current", "todo"


@dataclass
class Progress:
    application: Application
    steps: list[Step]
    current: str  # label of the current step ("" if none: cancelled)
    state_note: str  # suspended, cancelled, energized…
    due_at: datetime | None
    manager_name: str
    manager_phone: str
    missing: list[dict] = field(default_factory=list)
    uploaded: list = field(default_factory=list)
    masked_phone: str = ""
    masked_id: str = ""
    energized: bool = False
    charges: CustomerCharges | None = None

    @property
    def due_text(self) -> str:
        """The due instant as a customer reads it: a clock due at 00:00 is due at the end of
        the day before ("2026-12-08 24:00"), not at the start of the next one."""
        return due_text(self.due_at) if self.due_at else ""


def due_text(due_at: datetime) -> str:
    """Local "YYYY-MM-DD HH:MM"; a midnight due is written as the previous day's 24:00."""
    local = timezone.localtime(due_at)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{local.date() - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


def steps_of(application: Application) -> tuple[list[Step], str]:
    """The five steps with their status, and the current step's label ("" if cancelled)."""
    code = system_step(application)
    if not code:
        return [Step(s.value, s.label, "todo") for s in FIVE_STEPS], ""
    rank = STEP_RANK[CustomerStep(code)]
    steps = []
    for step in FIVE_STEPS:
        mine = STEP_RANK[step]
        status = "done" if mine < rank else ("current" if mine == rank else "todo")
        steps.append(Step(step.value, step.label, status))
    return steps, str(CustomerStep(code).label)  # "已送电" once all five are behind


def current_due(application: Application) -> datetime | None:
    """Due date of the open stage clock (the stage's, not a parallel approval's)."""
    clock = (
        StageClock.objects.filter(
            application=application,
            outcome=StageClock.Outcome.OPEN,
            scheme_approval__isnull=True,
        )
        .order_by("-started_at", "-pk")
        .first()
    )
    return clock.due_at if clock else None


def _state_note(application: Application) -> str:
    if application.state == State.SUSPENDED:
        return _("办理暂停：%(reason)s（暂停期间不计时）") % {
            "reason": application.get_suspension_reason_display()
        }
    if application.state == State.CANCELLED:
        return _("该申请已撤销。")
    if application.energized_at:
        return _("已送电，感谢您的耐心。")
    return ""


def progress(application: Application) -> Progress:
    """Everything the progress page shows about the customer's own application."""
    steps, current = steps_of(application)
    manager = application.customer_manager
    manager_phone = ""
    if manager is not None:
        manager_phone = (
            StaffProfile.objects.filter(user=manager).values_list("work_phone", flat=True).first()
            or ""
        )
    uploaded = list(application.customer_documents.all())
    # Document kinds share their codes with the material requirements (identity, property,
    # licence): an uploaded one waits for staff to check and receive it.
    uploaded_kinds = {d.kind for d in uploaded}
    missing = [
        {
            "name": m.requirement.name,
            "uploaded": m.requirement.code in uploaded_kinds,
            "required": m.requirement.required,
            "promised_by": m.promised_by if m.status == m.Status.DEFERRED else None,
        }
        for m in application.materials.select_related("requirement")
        if m.status != ApplicationMaterial.Status.RECEIVED
    ]
    open_ = application.state not in (State.CANCELLED, State.SUSPENDED)
    return Progress(
        application=application,
        steps=steps,
        current=current,
        state_note=_state_note(application),
        due_at=current_due(application) if open_ and not application.energized_at else None,
        manager_name=(manager.get_full_name() or manager.get_username()) if manager else "",
        manager_phone=manager_phone,
        missing=missing,
        uploaded=uploaded,
        masked_phone=mask_phone(application.customer.phone),
        masked_id=mask_id_number(application.customer.id_number),
        energized=application.energized_at is not None,
        # Itemised with their written explanation, paid or waived (applications.services.charges
        # decides what a customer may see: no cancelled items, no staff names or references).
        charges=charges_for_customer(application),
    )

"""Inlines on the application page: materials, survey, scheme, approvals, records, history."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import (
    ApplicationMaterial,
    Charge,
    Contract,
    Inspection,
    MeterInstallation,
    SupplyScheme,
    SurveyRecord,
    TransitionLog,
)
from ..states import State
from .scoping import ReadOnlyTabularInline, StaffPickerMixin


class EditableInStageMixin:
    """An inline that can be edited only while the application is in `stage`."""

    stage: str

    def _editable(self, request, obj) -> bool:
        return obj is not None and obj.state == self.stage

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class MaterialInline(EditableInStageMixin, admin.TabularInline):
    model = ApplicationMaterial
    stage = State.ACCEPT
    extra = 0
    fields = ["requirement", "status", "received_at", "commitment_signed", "promised_by", "note"]
    readonly_fields = ["requirement"]
    verbose_name_plural = _("受理资料（未收齐时可由客户签署告知承诺书后容缺受理）")

    def has_add_permission(self, request, obj=None):
        return False  # the class's requirements are created at acceptance


class SurveyInline(StaffPickerMixin, EditableInStageMixin, admin.StackedInline):
    model = SurveyRecord
    stage = State.SCHEME
    fields = [("appointment_at", "surveyed_at"), "leader", "members", "findings"]
    filter_horizontal = ["members"]


class SchemeInline(EditableInStageMixin, admin.StackedInline):
    model = SupplyScheme
    stage = State.SCHEME
    fields = [
        ("supply_voltage", "capacity_kva"),
        ("supply_mode", "metering_mode"),
        "connection_point",
        ("investment_boundary", "grid_investment_estimate"),
        "customer_confirmed_at",
    ]


class InspectionInline(ReadOnlyTabularInline):
    model = Inspection
    fields = ["kind", "round", "passed", "findings", "risk_points", "inspected_at", "inspector"]


class ContractInline(ReadOnlyTabularInline):
    model = Contract
    fields = ["number", "template", "tariff", "signed_at", "signed_by"]


class MeterInline(ReadOnlyTabularInline):
    model = MeterInstallation
    fields = ["meter_number", "installed_at", "energized_at", "installer"]


class ChargeInline(ReadOnlyTabularInline):
    """The application's charges on its page; each links to its own page and buttons."""

    model = Charge
    fields = ["number", "kind", "amount", "status", "explanation", "issued_at", "paid_at"]
    show_change_link = True
    verbose_name_plural = _("收费项目")


class TransitionLogInline(ReadOnlyTabularInline):
    model = TransitionLog
    fields = ["at", "transition_label", "from_state", "to_state", "actor", "comment"]
    ordering = ["at", "pk"]
    verbose_name_plural = _("流转记录（不可修改）")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


APPLICATION_INLINES = [
    MaterialInline,
    SurveyInline,
    SchemeInline,
    InspectionInline,
    ContractInline,
    MeterInline,
    ChargeInline,
    TransitionLogInline,
]

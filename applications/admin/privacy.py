"""Personal data in the admin: masked numbers, whole ones where allowed (logged), the log.

The rules are `applications.privacy`'s; this module only applies them to admin pages.
"""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from .. import privacy
from ..models import PersonalDataAccess
from . import panels
from .scoping import ReadOnlyAdminMixin

# Customer fields holding personal numbers → the masked read-only stand-in shown instead.
MASKED_FIELDS = {"id_number": "masked_id_number", "phone": "masked_phone"}


class _MaskingHistoryHelper(HistoricalRecordContextHelper):
    """simple-history's change list (old → new values) with the numbers masked."""

    def prepare_delta_change_value(self, change, value):
        if change.field in MASKED_FIELDS:
            return privacy.shown(value, kind=change.field, full=False)
        return super().prepare_delta_change_value(change, value)


class PersonalDataAdminMixin:
    """For the customer admin: masked numbers in lists and history; whole ones on the change
    page only for users `privacy.sees_personal_data` allows, each such page logged."""

    @admin.display(description=_("证件号码"))
    def masked_id_number(self, obj):
        return privacy.mask_id_number(obj.id_number)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return privacy.mask_phone(obj.phone)

    def shows_personal_data(self, request, obj) -> bool:
        # Asked several times per page (fields, read-only fields, the log): decide once.
        decided = request.__dict__.setdefault("_personal_data_full", {})
        if obj.pk not in decided:
            decided[obj.pk] = privacy.sees_personal_data(request.user, customer=obj)
        return decided[obj.pk]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None or self.shows_personal_data(request, obj):
            return fields  # adding a customer means typing the numbers
        return [MASKED_FIELDS.get(f, f) for f in fields]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.shows_personal_data(request, obj):
            readonly += MASKED_FIELDS.values()
        return readonly

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        rendered = isinstance(response, TemplateResponse)
        obj = response.context_data.get("original") if rendered else None
        if obj is not None and self.shows_personal_data(request, obj):
            privacy.record_view(request, obj)
        return response

    def get_historical_record_context_helper(self, request, historical_record):
        return _MaskingHistoryHelper(self.model, historical_record)


@panels.register_panel("admin/applications/application/personal_data_panel.html", order=5)
def personal_data_panel(request, application):
    """The customer's contact on the application page: masked, with "显示完整证件号" for those
    allowed. Revealing is an explicit act (`?reveal=personal`), and it is logged."""
    customer = application.customer
    allowed = privacy.sees_personal_data(request.user, application=application)
    revealed = allowed and request.GET.get("reveal") == "personal"
    if revealed:
        privacy.record_view(request, customer, subject=f"{application.number} {customer.name}")
    return {
        "customer": customer,
        "full": revealed,
        "may_reveal": allowed and not revealed,
    }


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The access log, for 纪检 and 主管 (view permission); nobody edits or deletes it."""

    list_display = ["at", "user", "action", "subject", "rows", "masked", "ip_address"]
    list_filter = ["action", "masked", "at"]
    search_fields = ["user__username", "user__first_name", "subject", "object_id", "ip_address"]
    list_select_related = ["user"]
    date_hierarchy = "at"
    fields = [
        ("at", "user", "ip_address"),
        ("action", "rows", "masked"),
        "subject",
        ("object_model", "object_id"),
        "path",
    ]

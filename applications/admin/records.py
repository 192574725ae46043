"""Customers, units, staff, policies and the transition log."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from ..models import Customer, MaterialRequirement, StaffProfile, TransitionLog, Unit
from .privacy import PersonalDataAdminMixin
from .scoping import ReadOnlyAdminMixin, UnitScopedAdminMixin


@admin.register(Customer)
class CustomerAdmin(PersonalDataAdminMixin, UnitScopedAdminMixin, SimpleHistoryAdmin):
    # Numbers are masked in the list for everyone; the change page shows them whole only to
    # those privacy.sees_personal_data allows, and logs it (PersonalDataAdminMixin).
    list_display = [
        "name",
        "kind",
        "id_type",
        "masked_id_number",
        "contact_name",
        "masked_phone",
        "unit",
    ]
    list_filter = ["kind", "unit"]
    search_fields = ["name", "phone", "id_number", "contact_name"]
    list_select_related = ["unit"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "leader"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "leader"]


@admin.register(MaterialRequirement)
class MaterialRequirementAdmin(admin.ModelAdmin):
    list_display = ["customer_class", "name", "code", "required", "is_identity", "order"]
    list_filter = ["customer_class", "required"]
    list_editable = ["required", "order"]


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "application__unit"
    list_display = ["at", "application", "transition_label", "from_state", "to_state", "actor"]
    list_filter = ["to_state", "transition"]
    search_fields = ["application__number", "comment"]
    list_select_related = ["application__customer", "actor"]
    date_hierarchy = "at"


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    fk_name = "user"
    can_delete = False
    autocomplete_fields = ["unit"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "is_active", "unit", "roles"]
    list_select_related = ["staff_profile__unit"]
    list_filter = [*UserAdmin.list_filter, "staff_profile__unit"]

    @admin.display(description="供电单位")
    def unit(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return profile.unit if profile else "—"

    @admin.display(description="角色")
    def roles(self, obj):
        return "、".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

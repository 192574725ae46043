"""Admin pieces shared by every model that belongs to a supply unit."""

from django.contrib import admin
from django.contrib.auth import get_user_model

from .. import rules


def staff_label(user) -> str:
    """How a colleague appears in pickers: their name, then their login."""
    name = user.get_full_name()
    return f"{name}（{user.get_username()}）" if name else user.get_username()


def scoped_staff(request):
    """Active staff a user may assign or pick: their unit's, or everyone's for supervisors."""
    users = get_user_model().objects.filter(is_active=True, staff_profile__isnull=False)
    return rules.scope_to_user(users, request.user, unit_field="staff_profile__unit").order_by(
        "username"
    )


class StaffPickerMixin:
    """Pickers of users (ForeignKey or ManyToMany) list in-scope staff, by name."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is get_user_model():
            kwargs["queryset"] = scoped_staff(request)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model is get_user_model():
            field.label_from_instance = staff_label
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is get_user_model():
            kwargs["queryset"] = scoped_staff(request)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is get_user_model():
            field.label_from_instance = staff_label
        return field


class UnitScopedAdminMixin(StaffPickerMixin):
    """Staff see only their unit's rows; supervisors and inspectors see all units.

    `unit_path` is the lookup from the model to its Unit (e.g. "application__unit").
    """

    unit_path = "unit"

    def get_queryset(self, request):
        return rules.scope_to_user(
            super().get_queryset(request), request.user, unit_field=self.unit_path
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from ..models import Unit

        if db_field.related_model is Unit and not rules.sees_all_units(request.user):
            kwargs["queryset"] = Unit.objects.filter(pk=rules.user_unit_id(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """Records written only by services: visible, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [f.name for f in self.model._meta.fields]

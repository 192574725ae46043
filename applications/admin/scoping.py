"""Admin pieces shared by every model that belongs to a supply unit."""

from django.contrib import admin

from .. import rules


class UnitScopedAdminMixin:
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

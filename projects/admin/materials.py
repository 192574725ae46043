"""Materials in the admin: items, consigned stock (restocked on its page), requisitions and
loans (written from the project page; returns recorded here by materials staff)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.admin.scoping import ReadOnlyTabularInline, UnitScopedAdminMixin

from .. import forms as project_forms
from .. import rules
from ..models import ConsignedStock, MaterialItem, Requisition, RequisitionLine, SecondaryLoan
from ..services import materials
from .actions import ObjectAction, ObjectActionsMixin


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


class WrittenByServicesMixin(NoDeleteMixin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MaterialItem)
class MaterialItemAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["code", "name", "unit_of_measure"]
    search_fields = ["code", "name"]


class BelowThresholdFilter(admin.SimpleListFilter):
    title = _("库存状态")
    parameter_name = "low"

    def lookups(self, request, model_admin):
        return [("yes", _("低于最低库存"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            from django.db.models import F

            return queryset.filter(quantity__lt=F("threshold"))
        return queryset


@admin.register(ConsignedStock)
class ConsignedStockAdmin(
    ObjectActionsMixin, UnitScopedAdminMixin, NoDeleteMixin, admin.ModelAdmin
):
    object_actions = {
        "restock": ObjectAction(
            label=_("入库补充"),
            form=project_forms.RestockForm,
            run=lambda user, stock, data: materials.restock(
                user=user, stock=stock, quantity=data["quantity"]
            ),
            refusal=lambda user, stock: (
                rules.permission_refusal(user, "restock_consignedstock")
                or rules.unit_refusal(user, stock.unit)
            ),
            done=_("已入库。"),
        )
    }
    list_display = [
        "item",
        "warehouse",
        "unit",
        "quantity",
        "threshold",
        "below",
        "reserved_for_expansion",
        "reserved_application",
    ]
    list_filter = ["unit", "warehouse", BelowThresholdFilter, "reserved_for_expansion"]
    search_fields = ["item__code", "item__name", "warehouse"]
    list_select_related = ["item", "unit", "reserved_application"]
    autocomplete_fields = ["item", "reserved_application"]
    readonly_fields = ["below_threshold_since", "actions_panel"]

    def get_readonly_fields(self, request, obj=None):
        # Quantities change only through draws and restocking (row locks, alerts).
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "quantity", "unit", "warehouse", "item"] if obj else fields

    @admin.display(description=_("低于最低库存"), boolean=True)
    def below(self, obj):
        return obj.is_below_threshold

    @admin.display(description=_("可办理"))
    def actions_panel(self, obj):
        return self.action_buttons(obj) if obj and obj.pk else "—"


class RequisitionLineInline(ReadOnlyTabularInline):
    model = RequisitionLine
    fields = ["stock", "quantity"]


@admin.register(Requisition)
class RequisitionAdmin(UnitScopedAdminMixin, WrittenByServicesMixin, admin.ModelAdmin):
    unit_path = "project__unit"
    list_display = ["project", "drawn_at", "drawn_by", "note"]
    list_filter = ["project__unit", "drawn_at"]
    search_fields = ["project__number", "project__name", "lines__stock__item__name"]
    list_select_related = ["project", "drawn_by"]
    inlines = [RequisitionLineInline]


class OpenLoanFilter(admin.SimpleListFilter):
    title = _("归还情况")
    parameter_name = "returned"

    def lookups(self, request, model_admin):
        return [("no", _("未归还")), ("overdue", _("逾期未还")), ("yes", _("已归还"))]

    def queryset(self, request, queryset):
        from django.utils import timezone

        if self.value() == "no":
            return queryset.filter(returned_at__isnull=True)
        if self.value() == "overdue":
            return queryset.filter(returned_at__isnull=True, due_back_on__lt=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(returned_at__isnull=False)
        return queryset


@admin.register(SecondaryLoan)
class SecondaryLoanAdmin(
    ObjectActionsMixin, UnitScopedAdminMixin, WrittenByServicesMixin, admin.ModelAdmin
):
    unit_path = "project__unit"
    object_actions = {
        "return": ObjectAction(
            label=_("登记归还"),
            form=project_forms.ReturnLoanForm,
            run=lambda user, loan, data: materials.return_loan(
                user=user,
                loan=loan,
                returned_quantity=data["returned_quantity"],
                note=data["note"],
            ),
            refusal=lambda user, loan: rules.refusal(user, loan.project, "change_secondaryloan"),
            shown=lambda loan: not loan.is_returned,
            done=_("归还已登记。"),
        )
    }
    list_display = [
        "project",
        "item",
        "quantity",
        "borrowed_at",
        "due_back_on",
        "returned_at",
        "returned_quantity",
        "return_button",
    ]
    list_filter = [OpenLoanFilter, "project__unit"]
    search_fields = ["project__number", "item__name"]
    list_select_related = ["project", "item"]

    @admin.display(description=_("操作"))
    def return_button(self, obj):
        return self.action_buttons(obj)

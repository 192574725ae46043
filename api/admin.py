"""Admin: systems and their scopes, token issue (raw value shown once) and revocation, and the
read-only call audit."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from applications.services.errors import TransitionRefused

from . import tokens
from .models import ApiCall, ApiClient, ApiToken, Scope


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("授权范围"),
        choices=Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiClient
        fields = ["system", "name", "user", "scopes", "is_active"]


class TokenInline(admin.TabularInline):
    model = ApiToken
    fields = ["prefix", "note", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["system", "name", "user", "scope_list", "is_active"]
    list_filter = ["is_active"]
    autocomplete_fields = ["user"]
    inlines = [TokenInline]
    actions = ["issue_token"]

    @admin.display(description=_("授权范围"))
    def scope_list(self, obj):
        labels = dict(Scope.choices)
        return "、".join(str(labels.get(s, s)) for s in obj.scopes or [])

    def has_delete_permission(self, request, obj=None):
        return False  # the audit rows point at the system: deactivate it instead

    @admin.action(description=_("签发新令牌（只显示一次）"), permissions=["issue"])
    def issue_token(self, request, queryset):
        for client in queryset:
            try:
                raw = tokens.issue(client=client, by=request.user, note=_("后台签发"))
            except TransitionRefused as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            # The raw token exists only in this message: the database keeps its digest.
            self.message_user(
                request,
                _("%(client)s 的新令牌（请立即复制，之后无法再次查看）：%(token)s")
                % {"client": client, "token": raw},
                messages.WARNING,
            )

    def has_issue_permission(self, request):
        return request.user.has_perm("api.issue_apitoken")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["client", "prefix", "note", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["client", ("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "client",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    fields = ["client", "prefix", "note", *readonly_fields[2:]]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued from the system's page, which shows the raw value once

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("吊销所选令牌"), permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset:
            tokens.revoke(token=token, by=request.user)
        self.message_user(request, _("已吊销 %(count)s 个令牌。") % {"count": queryset.count()})


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ["at", "client", "method", "endpoint", "status_code", "duration_ms", "result"]
    list_filter = ["client", "status_code", "method"]
    search_fields = ["path", "result"]
    date_hierarchy = "at"
    list_select_related = ["client"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""The inbox (站内通知) and the e-mail deliveries in the admin.

Everyone with an admin login has an inbox and sees only their own notifications, so the inbox
needs no model permission; the e-mail list is for supervisors (view / resend permissions).
"""

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applications.admin.scoping import ReadOnlyAdminMixin, UnitScopedAdminMixin
from monitoring import emails, inbox
from monitoring.models import EmailDelivery, Notification


class ReadFilter(admin.SimpleListFilter):
    title = _("阅读状态")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("unread", _("未读")), ("read", _("已读"))]

    def queryset(self, request, queryset):
        if self.value() in ("read", "unread"):
            return queryset.filter(read_at__isnull=self.value() == "unread")
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["open_link", "kind", "due_at", "created_at", "is_read", "acknowledged_at"]
    list_display_links = None
    list_filter = [ReadFilter, "kind"]
    list_select_related = ["alert"]
    search_fields = ["title", "body"]
    actions = ["mark_read", "acknowledge"]

    def get_queryset(self, request):
        return inbox.inbox(request.user).select_related("alert")

    def get_ordering(self, request):
        return inbox.inbox(request.user).query.order_by

    # Any active staff user has an inbox; the queryset keeps it to their own rows.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if obj is not None and obj.recipient_id != request.user.pk:
            return False
        return self.has_module_permission(request)

    def has_own_permission(self, request):
        return self.has_module_permission(request)

    @admin.display(description=_("标题"), ordering="title")
    def open_link(self, notification):
        url = reverse("admin:monitoring_notification_open", args=[notification.pk])
        if notification.is_read:
            return format_html('<a href="{}">{}</a>', url, notification.title)
        return format_html('<a href="{}"><strong>{}</strong></a>', url, notification.title)

    @admin.display(description=_("到期时间"), ordering="alert__due_at")
    def due_at(self, notification):
        return notification.alert.due_at if notification.alert_id else None

    @admin.display(description=_("已读"), boolean=True)
    def is_read(self, notification):
        return notification.is_read

    def get_urls(self):
        opened = self.admin_site.admin_view(self.open_view)
        return [
            path("<int:pk>/open/", opened, name="monitoring_notification_open"),
            *super().get_urls(),
        ]

    def open_view(self, request, pk):
        """Opening a notification marks it read and goes to the application it is about."""
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        inbox.mark_read(user=request.user, notifications=Notification.objects.filter(pk=pk))
        return redirect(notification.link or "admin:monitoring_notification_changelist")

    @admin.action(description=_("标记为已读"), permissions=["own"])
    def mark_read(self, request, queryset):
        done = inbox.mark_read(user=request.user, notifications=queryset)
        self.message_user(request, _("已将 %(n)s 条通知标记为已读。") % {"n": done})

    @admin.action(description=_("确认收到（同时确认告警）"), permissions=["own"])
    def acknowledge(self, request, queryset):
        done = inbox.acknowledge(user=request.user, notifications=queryset)
        self.message_user(request, _("已确认 %(n)s 条通知。") % {"n": done}, messages.SUCCESS)


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdminMixin, UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "notification__alert__unit"
    list_display = [
        "to_address",
        "notification",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status"]
    list_select_related = ["notification"]
    search_fields = ["to_address", "notification__title"]
    date_hierarchy = "created_at"
    actions = ["resend"]

    def has_resend_permission(self, request):
        return request.user.has_perm("monitoring.resend_emaildelivery")

    @admin.action(description=_("重新发送"), permissions=["resend"])
    def resend(self, request, queryset):
        done = emails.resend(deliveries=queryset)
        self.message_user(
            request, _("已将 %(n)s 封失败邮件重新排队发送。") % {"n": done}, messages.SUCCESS
        )
        if queryset.count() > done:
            self.message_user(request, _("只有发送失败的邮件可以重新发送。"), messages.INFO)

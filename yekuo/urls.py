from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("业扩报装时限管控系统")
admin.site.site_title = _("业扩 Yekuo")
admin.site.index_title = _("业务办理")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("dashboard/", include("monitoring.dashboard.urls")),
    path("api/", include("api.urls")),
    # The customer pages (/apply/, /progress/): public, outside the admin.
    path("", include("portal.urls")),
]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The integration API for external systems (95598, 网上国网, marketing, dispatch, PMS).

    It imports the lifecycle and the monitoring apps, never the reverse: they know nothing of it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("对外接口")

    def ready(self):
        from . import receivers  # noqa: F401  (the change feed and the demo tokens)

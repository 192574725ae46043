from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("时限管控")

    def ready(self):
        # Clocks follow the lifecycle by listening to it; the lifecycle never imports us.
        from monitoring import receivers  # noqa: F401

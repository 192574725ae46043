from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("时限管控")

    def ready(self):
        # Clocks follow the lifecycle by listening to it; the lifecycle never imports us. The
        # schedules of the sweep and the e-mails are (re)made after every migrate.
        # Ledger imports announce many applications at once (applications.ledger); projects
        # announce phases, progress and stock (project_receivers).
        from monitoring import (  # noqa: F401
            import_receivers,
            project_receivers,
            receivers,
            schedules,
        )

        # After `receivers`: a connection record is computed once the clocks have stopped.
        from monitoring.dashboard import records  # noqa: F401

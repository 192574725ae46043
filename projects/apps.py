from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("配套电网工程")

    def ready(self):
        from . import ledger  # noqa: F401  (registers the progress ledger's import)

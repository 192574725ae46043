from . import ledgers, materials, outages, panel, project  # noqa: F401  (registers the admin classes)

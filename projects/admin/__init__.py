from . import ledgers, materials, outages, project  # noqa: F401  (registers the admin classes)

from . import materials, outages, project  # noqa: F401  (registers the admin classes)

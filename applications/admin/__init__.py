from . import application, approvals, records  # noqa: F401  (registers the admin classes)

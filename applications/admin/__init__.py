from . import application, approvals, ledger, records  # noqa: F401  (registers the admin classes)

from . import application, approvals, ledger, privacy, records  # noqa: F401  (registers the admin classes)

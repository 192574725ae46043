from . import application, approvals, charges, ledger, privacy, records  # noqa: F401  (registers the admin classes)

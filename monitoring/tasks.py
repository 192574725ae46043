"""django-q2 task functions (scheduled by `monitoring.schedules`): thin, the work is elsewhere."""

from . import emails
from .sweep import run_sweep


class SweepStepFailed(RuntimeError):
    """Raised after the sweep so that django-q2 lists the run as failed (the log says why)."""


def sweep() -> dict:
    """Raise due alerts and notify; a failed step fails the task after the others ran."""
    result = run_sweep()
    if not result.ok:
        raise SweepStepFailed(f"sweep steps failed: {result.failed}")
    return result.as_dict()


def send_pending_emails() -> dict:
    return emails.send_pending_emails()

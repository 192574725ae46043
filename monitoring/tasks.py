"""django-q2 task functions (scheduled by `monitoring.schedules`): thin, the work is elsewhere."""

from django.utils import timezone

from . import emails, schedules
from .forecast.alerts import raise_forecast_alerts
from .forecast.refresh import refresh_forecasts as refresh
from .notify import notify_alerts
from .supervision.detection import run_rules
from .sweep import run_sweep


class SweepStepFailed(RuntimeError):
    """Raised after the sweep so that django-q2 lists the run as failed (the log says why)."""


def sweep() -> dict:
    """Raise due alerts and notify; a failed step fails the task after the others ran."""
    result = run_sweep()
    # The forecast refresh follows the sweep when due (monitoring.schedules.AFTER_SWEEP).
    schedules.queue_after_sweep(result.now)
    if not result.ok:
        raise SweepStepFailed(f"sweep steps failed: {result.failed}")
    return result.as_dict()


def send_pending_emails() -> dict:
    return emails.send_pending_emails()


def run_detection() -> dict:
    """Run the enabled 线外流转 detection rules; {rule code: new cases} (-1: the rule failed)."""
    return run_rules()


def refresh_forecasts() -> dict:
    """Re-estimate every open clock's breach risk, raise the early alerts and notify them."""
    now = timezone.now()
    result = refresh(now).as_dict()
    result["alerts"] = raise_forecast_alerts(now)
    result["notifications"] = notify_alerts(now)
    return result

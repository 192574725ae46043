"""The early alert (预计超期): a clock likely to run late while there is still time to act.

When a clock's forecast reaches the policy's threshold while more than one working day remains
(the ordinary warning comes one working day before due), one alert of kind FORECAST is raised
for it — set-based, like the sweep's steps. The alerts' unique constraint on (clock, kind,
level) is the guarantee that a re-run, or two at once, never raises it twice; NOT EXISTS just
skips the old ones cheaply. The sweep's notify step then tells the clock's owner only.
"""

from __future__ import annotations

from datetime import datetime

from .. import sql
from ..models import Alert, ClockForecast, ForecastPolicy, StageClock

FORECAST_LEVEL = 0


def forecast_alert_statement(now: datetime, threshold: float) -> tuple[str, dict]:
    t = sql.tables()
    statement = f"""
        INSERT INTO {t["alert"]}
            (clock_id, kind, level, raised_at, due_at, application_id, unit_id, note)
        SELECT f.clock_id, %(kind)s, {FORECAST_LEVEL}, %(now)s, c.due_at, f.application_id,
               f.unit_id, ''
        FROM {sql.table(ClockForecast)} f
        JOIN {t["clock"]} c ON c.id = f.clock_id
        WHERE f.probability >= %(threshold)s AND f.remaining_working_days > 1
          AND c.outcome = %(open)s AND c.paused_at IS NULL AND c.due_at IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM {t["alert"]} a
              WHERE a.clock_id = f.clock_id AND a.kind = %(kind)s AND a.level = {FORECAST_LEVEL}
          )
        ORDER BY f.clock_id
        ON CONFLICT DO NOTHING
    """
    params = {
        "kind": Alert.Kind.FORECAST,
        "now": sql.instant(now),
        "threshold": threshold,
        "open": StageClock.Outcome.OPEN,
    }
    return statement, params


def raise_forecast_alerts(now: datetime) -> int:
    """Raise the early alert for clocks at or over the threshold; 0 when switched off."""
    policy = ForecastPolicy.current()
    if not policy.early_alert_enabled:
        return 0
    return sql.execute(*forecast_alert_statement(now, policy.alert_threshold / 100))

from .alerts import Alert
from .calendar import CalendarOverride, CalendarYear
from .callbacks import Callback, CustomerStep
from .clocks import ClockPause, StageClock
from .dashboard import ConnectionRecord, DailyReceived, MonthlyFigures, MonthlyStageFigures
from .notifications import EmailDelivery, Notification
from .policy import EscalationStep, ProcessLimitPolicy, TimeLimitPolicy

__all__ = [
    "Alert",
    "CalendarOverride",
    "CalendarYear",
    "Callback",
    "ClockPause",
    "ConnectionRecord",
    "CustomerStep",
    "DailyReceived",
    "EmailDelivery",
    "EscalationStep",
    "MonthlyFigures",
    "MonthlyStageFigures",
    "Notification",
    "ProcessLimitPolicy",
    "StageClock",
    "TimeLimitPolicy",
]

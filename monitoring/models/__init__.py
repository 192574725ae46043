from .alerts import Alert
from .calendar import CalendarOverride, CalendarYear
from .callbacks import Callback, CustomerStep
from .clocks import ClockPause, StageClock
from .complaints import Complaint, ComplaintPolicy
from .dashboard import ConnectionRecord, DailyReceived, MonthlyFigures
from .deadlines import Deadline
from .notifications import EmailDelivery, Notification
from .policy import DeadlineEscalationStep, EscalationStep, ProcessLimitPolicy, TimeLimitPolicy

__all__ = [
    "Alert",
    "CalendarOverride",
    "CalendarYear",
    "Callback",
    "ClockPause",
    "Complaint",
    "ComplaintPolicy",
    "ConnectionRecord",
    "CustomerStep",
    "DailyReceived",
    "Deadline",
    "DeadlineEscalationStep",
    "EmailDelivery",
    "EscalationStep",
    "MonthlyFigures",
    "Notification",
    "ProcessLimitPolicy",
    "StageClock",
    "TimeLimitPolicy",
]

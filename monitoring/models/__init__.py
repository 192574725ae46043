from .calendar import CalendarOverride, CalendarYear
from .clocks import ClockPause, StageClock
from .policy import EscalationStep, ProcessLimitPolicy, TimeLimitPolicy

__all__ = [
    "CalendarOverride",
    "CalendarYear",
    "ClockPause",
    "EscalationStep",
    "ProcessLimitPolicy",
    "StageClock",
    "TimeLimitPolicy",
]

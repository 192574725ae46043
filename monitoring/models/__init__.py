from .alerts import Alert
from .calendar import CalendarOverride, CalendarYear
from .callbacks import Callback, CustomerStep
from .clocks import ClockPause, StageClock
from .complaints import Complaint, ComplaintPolicy
from .dashboard import ConnectionRecord, DailyReceived, MonthlyFigures, MonthlyStageFigures
from .deadlines import Deadline
from .meetings import ActionItem, Meeting, SchemeDecision, SchemeVote
from .notifications import EmailDelivery, Notification
from .policy import DeadlineEscalationStep, EscalationStep, ProcessLimitPolicy, TimeLimitPolicy
from .supervision import (
    Assessment,
    CaseSource,
    ContactChannel,
    CustomerContact,
    DetectionRule,
    LetterCategory,
    LetterNumberSequence,
    SupervisionCase,
    SupervisionEvent,
    SupervisionLetter,
)

__all__ = [
    "ActionItem",
    "Alert",
    "Assessment",
    "CalendarOverride",
    "CalendarYear",
    "Callback",
    "CaseSource",
    "ClockPause",
    "Complaint",
    "ComplaintPolicy",
    "ConnectionRecord",
    "ContactChannel",
    "CustomerContact",
    "CustomerStep",
    "DailyReceived",
    "Deadline",
    "DeadlineEscalationStep",
    "DetectionRule",
    "EmailDelivery",
    "EscalationStep",
    "LetterCategory",
    "LetterNumberSequence",
    "Meeting",
    "MonthlyFigures",
    "MonthlyStageFigures",
    "Notification",
    "ProcessLimitPolicy",
    "SchemeDecision",
    "SchemeVote",
    "StageClock",
    "SupervisionCase",
    "SupervisionEvent",
    "SupervisionLetter",
    "TimeLimitPolicy",
]

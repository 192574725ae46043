from .alerts import Alert
from .calendar import CalendarOverride, CalendarYear
from .callbacks import Callback, CustomerStep
from .clocks import ClockPause, StageClock
from .complaints import Complaint, ComplaintPolicy
from .dashboard import ConnectionRecord, DailyReceived, MonthlyFigures, MonthlyStageFigures
from .deadlines import Deadline
from .notifications import EmailDelivery, Notification
from .policy import DeadlineEscalationStep, EscalationStep, ProcessLimitPolicy, TimeLimitPolicy
from .routines import DisciplineHandover, Reward, SupervisionItem, SupervisionItemNote
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
    "DisciplineHandover",
    "EmailDelivery",
    "EscalationStep",
    "LetterCategory",
    "LetterNumberSequence",
    "MonthlyFigures",
    "MonthlyStageFigures",
    "Notification",
    "ProcessLimitPolicy",
    "Reward",
    "StageClock",
    "SupervisionCase",
    "SupervisionEvent",
    "SupervisionItem",
    "SupervisionItemNote",
    "SupervisionLetter",
    "TimeLimitPolicy",
]

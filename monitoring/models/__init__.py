from .alerts import Alert
from .calendar import CalendarOverride, CalendarYear
from .callbacks import Callback, CustomerStep
from .checks import CheckResult, RandomCheck, RandomCheckItem
from .clocks import ClockPause, StageClock
from .complaints import Complaint, ComplaintPolicy
from .dashboard import ConnectionRecord, DailyReceived, MonthlyFigures, MonthlyStageFigures
from .deadlines import Deadline
from .forecast import ClockForecast, ForecastPolicy
from .meetings import ActionItem, Meeting, SchemeDecision, SchemeVote
from .notifications import EmailDelivery, Notification
from .policy import DeadlineEscalationStep, EscalationStep, ProcessLimitPolicy, TimeLimitPolicy
from .routines import DisciplineHandover, Reward, SupervisionItem, SupervisionItemNote
from .summary import MonthlySummary
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
    "CheckResult",
    "ClockForecast",
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
    "ForecastPolicy",
    "LetterCategory",
    "LetterNumberSequence",
    "Meeting",
    "MonthlyFigures",
    "MonthlyStageFigures",
    "MonthlySummary",
    "Notification",
    "ProcessLimitPolicy",
    "RandomCheck",
    "RandomCheckItem",
    "Reward",
    "SchemeDecision",
    "SchemeVote",
    "StageClock",
    "SupervisionCase",
    "SupervisionEvent",
    "SupervisionItem",
    "SupervisionItemNote",
    "SupervisionLetter",
    "TimeLimitPolicy",
]

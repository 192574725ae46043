from .calendar import CalendarOverride, CalendarYear

__all__ = ["CalendarOverride", "CalendarYear"]

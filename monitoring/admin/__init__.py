from . import calendar, clocks, policy  # noqa: F401

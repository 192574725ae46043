from . import calendar, clocks, policy, timeline  # noqa: F401

from . import alerts, calendar, callbacks, clocks, notifications, policy, timeline  # noqa: F401

from . import (  # noqa: F401
    alerts,
    calendar,
    callbacks,
    clocks,
    deadlines,
    in_flight,
    notifications,
    policy,
    timeline,
)

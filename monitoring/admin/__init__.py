from . import (  # noqa: F401
    alerts,
    calendar,
    callbacks,
    clocks,
    deadlines,
    notifications,
    policy,
    timeline,
)

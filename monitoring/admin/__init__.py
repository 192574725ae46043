from . import (  # noqa: F401
    alerts,
    calendar,
    callbacks,
    clocks,
    complaints,
    deadlines,
    notifications,
    policy,
    timeline,
)

from . import (  # noqa: F401  (registers the admin classes)
    alerts,
    calendar,
    callbacks,
    clocks,
    complaints,
    deadlines,
    in_flight,
    letters,
    notifications,
    policy,
    supervision,
    timeline,
)

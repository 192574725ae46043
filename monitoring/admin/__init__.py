from . import (  # noqa: F401
    alerts,
    calendar,
    callbacks,
    clocks,
    in_flight,
    notifications,
    policy,
    timeline,
)

"""Meeting tests reuse the dashboard's hand-made world (units, people, apps and clocks)."""

from tests.monitoring.dashboard.conftest import people, units  # noqa: F401  (fixtures)

"""Signal receivers of the monitoring app."""

"""What the monitoring app announces. Listeners (supervision cases, dashboards) live elsewhere.

`off_system_suspected` is sent inside the transaction that recorded the evidence, so a
listener's case commits or rolls back with it. Arguments: callback (the `Callback` that raised
the suspicion), application, reasons (list of str, in the user's language), actor, at.
"""

from django.dispatch import Signal

off_system_suspected = Signal()

"""What the lifecycle announces. Listeners (clocks, callbacks, supervision) live elsewhere.

`application_transitioned` is sent inside the transaction that moved the state, so a listener's
writes commit or roll back with the transition itself. Arguments: application, transition
(name), source, target, actor, at, log (the TransitionLog row), data (the transition's data).
For a new application, transition is "create" and source is "".
"""

from django.dispatch import Signal

application_transitioned = Signal()

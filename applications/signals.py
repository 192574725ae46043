"""What the lifecycle announces. Listeners (clocks, callbacks, supervision) live elsewhere.

`application_transitioned` is sent inside the transaction that moved the state, so a listener's
writes commit or roll back with the transition itself. Arguments: application, transition
(name), source, target, actor, at, log (the TransitionLog row), data (the transition's data).
For a new application, transition is "create" and source is "".

`applications_imported` is sent by a ledger import after each chunk of rows it writes (10,000
at most), inside the import's transaction. Arguments: application_ids (the applications whose
stage the import set: every new one, and those it moved), created_ids (those of them it
created), actor (who imported), at (the import's instant), cache (a dict kept for the
whole import: a listener may keep there what it reads once per import). Each application's
`state`, `suspended_from` and `state_changed_at` (the ledger's 环节开始时间) are already saved:
a listener reads them from the database, set-based, instead of one signal a row.

`demo_loaded` is sent by `load_demo` after it made the demo applications, so other apps add
their own demo rows (supervision cases, letters). Arguments: accounts ({login: (user, role
text)}), stdout (the command's output, to say what was added).
"""

from django.dispatch import Signal

application_transitioned = Signal()
applications_imported = Signal()
demo_loaded = Signal()

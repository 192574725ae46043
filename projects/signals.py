"""What the projects app announces. Listeners (deadlines, notifications, supervision) live in
`monitoring`; this app never imports it.

Every signal is sent inside the transaction of the service that made the change, so a
listener's writes commit or roll back with it. Arguments (all keyword):

- `phase_planned`: project, phase (ProjectPhase), planned_on (date), actor, at — a phase was
  planned or re-planned (its planned date changed) and is not done yet.
- `phase_completed`: project, phase, actual_on (date), actor, at — a phase's actual date was
  recorded.
- `phase_unplanned`: project, phase, actor, at, reason — a planned phase lost its date, or the
  project was cancelled with the phase open.
- `progress_reported`: project, report (ProgressReport), corrected (bool), actor, at.
- `stock_below_threshold`: stock (ConsignedStock), project, requisition, actor, at — a draw took
  the stock below its threshold; sent once per dip (until restocked above it).
- `outage_plan_submitted` / `outage_plan_decided`: plan (OutagePlan), actor, at.
"""

from django.dispatch import Signal

phase_planned = Signal()
phase_completed = Signal()
phase_unplanned = Signal()
progress_reported = Signal()
stock_below_threshold = Signal()
outage_plan_submitted = Signal()
outage_plan_decided = Signal()

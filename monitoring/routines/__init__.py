"""Management routines (issue 10 items 2, 4, 5; DOMAIN.md §7).

- `items`: 督办 items set by leaders, clocked by a `Deadline`, closed with a result.
- `discipline`: hand-over of a supervision case or complaint to 纪检, and who sees it since.
- `rewards`: rewards next to the assessments, and the totals of both per person and unit.
- `dashboard`: the dashboard's block of open 督办 items.

Every rule lives in these services; the admin, the demo and the tests call them. A refusal is a
`TransitionRefused` that says why in Chinese.
"""

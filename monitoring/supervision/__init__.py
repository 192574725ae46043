"""Supervision against 线外流转 (DOMAIN.md §7, issue 4 items 5–7).

- `rules`: the detection rules, one function each, in a registry; `detection` runs them (task,
  admin action, `run_detection` command) and handles the cases they open.
- `letters`: supervision letters (业务监督意见书) from draft to closure, clocked by a Deadline.
- `assessments`: staff assessments (考核) and their totals per person and unit per period.
- `summary`: the figures the dashboards show.
"""

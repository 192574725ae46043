"""Supervisors' dashboard, daily briefing (晨会) and weekly meeting pack (周例会).

- `filters`: what the user chose (period, unit, class, small/micro) and region scoping;
- `figures`, `briefing`: selectors, one grouped query per figure (DOMAIN.md §9);
- `percentiles`: percentile_cont on PostgreSQL, the same interpolation in SQL elsewhere;
- `records`: per-application connection records and monthly/daily rollups, kept by the
  lifecycle's signal and a daily task;
- `dashboard`, `tables`: the figures as tables of linked numbers, shared by pages and exports;
- `links`, `admin_filters`: the admin changelist each number counts;
- `concurrent`: the page's independent queries on two connections (PostgreSQL);
- `views`, `urls`, `xlsx`: the pages and their Excel exports.
"""

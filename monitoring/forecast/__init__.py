"""Breach forecast (超期预测): which open stage clocks will likely miss their limit, and why.

- `estimate`: the conditional remaining-duration estimate (Kaplan–Meier on working days, pauses
  excluded, open and returned clocks as censored) and the fallback from the finest group of
  similar clocks to broader ones; pure Python over counts, with its one-sentence explanation;
- `refresh`: the set-based refresh that stores one `ClockForecast` per open clock;
- `alerts`: the optional early alert (预计超期), once per clock;
- `lists`: the "likely late" lists of the dashboard and the briefing, scoped to the user.
"""

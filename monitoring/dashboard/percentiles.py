"""Continuous percentiles from counts of values, exactly as PostgreSQL's percentile_cont.

The dashboard's working days are whole numbers, so a stage's distribution is a short histogram
({days: clocks}) that comes out of the same grouped query as its other figures: one scan, no
sort of the rows (an ordered-set aggregate sorts every row of the period). From the histogram,
PostgreSQL's definition applies unchanged: with the n values sorted and numbered from 0,
h = (n - 1) * f, and the result is x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
"""

from __future__ import annotations

import math
from collections.abc import Mapping


def value_at(counts: list[tuple[float, int]], rank: int) -> float:
    """The `rank`-th (from 0) value of the sorted values that `counts` (sorted) stands for."""
    seen = 0
    for value, n in counts:
        seen += n
        if rank < seen:
            return value
    raise IndexError(rank)


def percentile_cont(counts: Mapping[float, int], fraction: float) -> float | None:
    """percentile_cont(`fraction`) of values given as {value: how many}; None when empty."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    ordered = sorted((v, n) for v, n in counts.items() if v is not None and n > 0)
    total = sum(n for _v, n in ordered)
    if not total:
        return None
    h = (total - 1) * fraction
    lo = math.floor(h)
    low = value_at(ordered, lo)
    if lo + 1 >= total:
        return float(low)
    return low + (h - lo) * (value_at(ordered, lo + 1) - low)

"""Counting attempts in fixed windows with Django's cache (per address, phone, number).

The cache must be shared by all web processes for the limits to hold across them (a database
or Redis cache in production; the default local-memory cache counts per process).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, ident: str, window: int) -> str:
    # Hash the identifier: phone numbers and application numbers stay out of cache keys.
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]
    return f"portal:throttle:{scope}:{digest}:{int(time.time() // window)}"


def hit(scope: str, ident: str | None, *, limit: int, window: int) -> bool:
    """Count one attempt; False once more than `limit` were made in the current window."""
    if not ident:
        return True
    key = _key(scope, ident, window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def allowed(*checks: tuple[str, str | None, int, int]) -> bool:
    """Count the attempt in every (scope, ident, limit, window); all must pass.

    Every counter is incremented even when an earlier one is already over, so one exhausted
    limit does not leave the others untouched (and says nothing about which one it was).
    """
    results = [hit(s, ident, limit=limit, window=window) for s, ident, limit, window in checks]
    return all(results)

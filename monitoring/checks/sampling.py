"""The random draw of a check: a pure function of (population, sample size, seed).

Reproducible by construction: the population is a dict {stratum key: application ids}; strata
are visited in ascending key order and each stratum's ids in ascending order, and one
`random.Random(seed)` draws `rng.sample(ids, n)` per stratum in that order. Python documents
`random.Random` with an integer seed as reproducible across versions, so re-running `draw` over
the recorded population and seed gives the recorded sample.

Allocation is proportional with the largest-remainder rule (Hamilton): stratum s of N_s rows in
a population of N gets floor(n·N_s / N); the rows still missing go one each to the strata with
the largest remainders n·N_s mod N, ties to the smaller stratum key. A sample at least as big as
the population takes every row.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """{stratum: rows drawn} for a sample of `n` over strata of `sizes` rows (see module doc)."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    shares = {key: divmod(n * size, total) for key, size in sizes.items()}
    allocation = {key: whole for key, (whole, _rest) in shares.items()}
    missing = n - sum(allocation.values())
    by_remainder = sorted(shares, key=lambda key: (-shares[key][1], key))
    for key in by_remainder[:missing]:
        allocation[key] += 1
    return allocation


def draw(population: Mapping[str, Sequence[int]], n: int, seed: int) -> dict[str, list[int]]:
    """{stratum: sampled ids, ascending}: the sample of `n` drawn with `seed`."""
    rng = random.Random(seed)
    allocation = allocate({key: len(ids) for key, ids in population.items()}, n)
    return {
        key: sorted(rng.sample(sorted(population[key]), allocation[key]))
        for key in sorted(population)
    }

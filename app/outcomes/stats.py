"""The Wilson score interval: the one implementation of the outcome rates' 95 % interval."""

from __future__ import annotations

from math import sqrt

Z_95 = 1.959964  # the two-sided 95 % quantile of the standard normal


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion `successes / trials`.

    With no trials nothing is known: the interval is the whole of [0, 1]. Unlike the normal
    approximation it stays inside [0, 1] and is not zero-width at 0 or all successes, which
    matters with the few answers a new version has had feedback on.
    """
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    # At 0 and at all successes a bound is exactly 0 or 1; rounding would put it a hair
    # beside, and the interval would no longer hold the rate.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high

"""The Wilson interval against published values and an independent computation."""

from __future__ import annotations

from math import sqrt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.outcomes.stats import Z_95, wilson_interval

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
# Medicine 17:857-872, table I, method 3 (score interval without continuity correction).
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("k", "n", "low", "high"), NEWCOMBE)
def test_published_values(k: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def _score_bound(k: int, n: int, upper: bool) -> float:
    """The bound as the score test defines it, found by bisection: the p at which
    |k/n - p| / sqrt(p (1 - p) / n) reaches z (no closed form used)."""
    p_hat = k / n
    lo, hi = (p_hat, 1.0) if upper else (0.0, p_hat)
    if (upper and k == n) or (not upper and k == 0):
        return p_hat

    def outside(p: float) -> bool:
        return abs(p_hat - p) / sqrt(p * (1 - p) / n) > Z_95

    for _ in range(200):
        mid = (lo + hi) / 2
        if outside(mid) == upper:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_interval_is_the_score_tests_and_holds_the_rate(case: tuple[int, int]) -> None:
    k, n = case
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert low == pytest.approx(_score_bound(k, n, upper=False), abs=1e-9)
    assert high == pytest.approx(_score_bound(k, n, upper=True), abs=1e-9)


def test_no_trials_is_the_whole_range_and_nonsense_is_refused() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(-1, 2)

"""The BPR kernels: the textbook values where those are safe, finite values where they are not."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.algorithms.assignment import _bpr


@given(
    t0=st.floats(0.01, 100),
    b=st.floats(0.01, 5),
    p=st.floats(0.5, 8),
    c=st.floats(1, 1e4),
    ratio=st.floats(0, 3),
)
@settings(max_examples=60, deadline=None)
def test_time_matches_the_formula(t0: float, b: float, p: float, c: float, ratio: float) -> None:
    """Where the textbook formula is safe, the log-space evaluation agrees with it."""
    v = ratio * c
    expected = t0 * (1 + b * (v / c) ** p)
    assert _bpr.link_time(t0, b, p, c, v) == pytest.approx(expected, rel=1e-12)


@given(
    t0=st.floats(0.1, 10),
    b=st.floats(0.01, 2),
    p=st.floats(1, 6),
    ratio=st.floats(0.05, 3),
)
@settings(max_examples=40, deadline=None)
def test_derivative_and_integral_agree_with_the_time(
    t0: float, b: float, p: float, ratio: float
) -> None:
    """d(time)/dv and d(integral)/dv = time, by central differences."""
    c = 1000.0
    v = ratio * c
    h = 1e-3
    numeric = (_bpr.link_time(t0, b, p, c, v + h) - _bpr.link_time(t0, b, p, c, v - h)) / (2 * h)
    assert _bpr.link_time_derivative(t0, b, p, c, v) == pytest.approx(numeric, rel=1e-5)
    slope = (_bpr.link_integral(t0, b, p, c, v + h) - _bpr.link_integral(t0, b, p, c, v - h)) / (
        2 * h
    )
    assert slope == pytest.approx(_bpr.link_time(t0, b, p, c, v), rel=1e-6)


def test_zero_volume_and_zero_power() -> None:
    """At v = 0 the time is t0 (t0 (1 + B) when p = 0: 0 ** 0 is 1); B = 0 is free flow."""
    assert _bpr.link_time(2.0, 0.15, 4.0, 100.0, 0.0) == 2.0
    assert _bpr.link_time(2.0, 0.15, 0.0, 100.0, 0.0) == pytest.approx(2.3)
    assert _bpr.link_time(2.0, 0.15, 0.0, 100.0, 50.0) == pytest.approx(2.3)
    assert _bpr.link_time(2.0, 0.0, 4.0, 100.0, 1e9) == 2.0
    assert _bpr.link_time_derivative(2.0, 0.15, 4.0, 100.0, 0.0) == 0.0
    assert _bpr.link_integral(2.0, 0.15, 4.0, 100.0, 0.0) == 0.0


def test_tiny_b_and_huge_power_stay_finite() -> None:
    """Barcelona's extremes (B = 4.3e-71, p = 16.83, c = 1): exact where representable, and
    finite (never inf or NaN) at absurd volumes."""
    b, p = 4.30113069040083e-71, 16.83
    v = 5000.0
    expected = 1.5 * (1 + math.exp(math.log(b) + p * math.log(v)))
    assert _bpr.link_time(1.5, b, p, 1.0, v) == pytest.approx(expected, rel=1e-12)
    for volume in (1e20, 1e100, 1e300):
        values = [
            _bpr.link_time(1.5, b, p, 1.0, volume),
            _bpr.link_time_derivative(1.5, b, p, 1.0, volume),
            _bpr.link_integral(1.5, b, p, 1.0, volume),
        ]
        assert all(math.isfinite(x) and x > 0 for x in values)


def test_line_search_finds_the_minimum_of_a_two_link_split() -> None:
    """Two parallel links t = 1 + x and t = 2 + x, 10 units all on the first: the optimum
    moves 4.5 units (the direction moves all 10), so tau = 0.45."""
    t0 = np.array([1.0, 2.0])
    b = np.array([1.0, 0.5])  # t0 * b = 1 on both
    p = np.ones(2)
    c = np.ones(2)
    v = np.array([10.0, 0.0])
    dv = np.array([-10.0, 10.0])
    tau = _bpr.line_search(t0, b, p, c, v, dv, 0.0, 1e-12)
    assert tau == pytest.approx(0.45, rel=1e-9)

"""BPR volume-delay kernels (numba), written to survive tiny B and huge powers.

``t = t0 * (1 + B * (v / c) ** p)``. The congestion term is evaluated as
``exp(log B + p * log(v / c))``: Barcelona and Winnipeg store ``c = 1`` with ``B`` pre-divided
by ``c ** p`` (``B`` down to 1e-71, ``p`` up to 16.8), where ``(v / c) ** p`` alone may overflow
while the product is modest. The exponent is clamped so a wild trial flow (a line search probe,
an all-or-nothing load) gives a huge but finite time, never inf or NaN.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

# exp(700) ~ 1e304: finite, and far beyond any meaningful travel time.
MAX_EXPONENT = 700.0


@nb.njit(cache=True, inline="always")
def _congestion(b: float, p: float, ratio: float) -> float:
    """``B * ratio ** p`` for ``ratio >= 0`` (``0 ** 0`` is 1)."""
    if b <= 0.0:
        return 0.0
    if ratio <= 0.0:
        return b if p == 0.0 else 0.0
    e = math.log(b) + p * math.log(ratio)
    if e > MAX_EXPONENT:
        e = MAX_EXPONENT
    return math.exp(e)


@nb.njit(cache=True, inline="always")
def link_time(t0: float, b: float, p: float, c: float, v: float) -> float:
    """Travel time of one link at volume ``v``."""
    if b <= 0.0 or t0 <= 0.0:
        return t0
    return t0 * (1.0 + _congestion(b, p, v / c))


@nb.njit(cache=True, inline="always")
def link_time_derivative(t0: float, b: float, p: float, c: float, v: float) -> float:
    """``dt / dv`` at ``v``; at ``v = 0`` the right derivative (finite: ``p < 1`` is clamped)."""
    if b <= 0.0 or t0 <= 0.0 or p <= 0.0:
        return 0.0
    if v <= 0.0:
        return t0 * b / c if p <= 1.0 else 0.0
    return t0 * p / c * _congestion(b, p - 1.0, v / c)


@nb.njit(cache=True, inline="always")
def link_integral(t0: float, b: float, p: float, c: float, v: float) -> float:
    """``integral_0^v t(w) dw = t0 * (v + B * c / (p + 1) * (v / c) ** (p + 1))``."""
    if v <= 0.0:
        return 0.0
    if b <= 0.0 or t0 <= 0.0:
        return t0 * v
    return t0 * (v + c / (p + 1.0) * _congestion(b, p + 1.0, v / c))


@nb.njit(cache=True)
def times(
    t0: np.ndarray, b: np.ndarray, p: np.ndarray, c: np.ndarray, v: np.ndarray, out: np.ndarray
) -> None:
    """Travel times of all links, into ``out``."""
    for a in range(v.shape[0]):
        out[a] = link_time(t0[a], b[a], p[a], c[a], v[a])


@nb.njit(cache=True)
def derivatives(
    t0: np.ndarray, b: np.ndarray, p: np.ndarray, c: np.ndarray, v: np.ndarray, out: np.ndarray
) -> None:
    """``dt / dv`` of all links, into ``out``."""
    for a in range(v.shape[0]):
        out[a] = link_time_derivative(t0[a], b[a], p[a], c[a], v[a])


@nb.njit(cache=True)
def beckmann(t0: np.ndarray, b: np.ndarray, p: np.ndarray, c: np.ndarray, v: np.ndarray) -> float:
    """The Beckmann objective ``sum_a integral_0^{v_a} t_a`` (without fixed per-class costs)."""
    total = 0.0
    for a in range(v.shape[0]):
        total += link_integral(t0[a], b[a], p[a], c[a], v[a])
    return total


@nb.njit(cache=True)
def line_search(
    t0: np.ndarray,
    b: np.ndarray,
    p: np.ndarray,
    c: np.ndarray,
    v: np.ndarray,
    dv: np.ndarray,
    fixed_slope: float,
    tolerance: float,
) -> float:
    """The step ``tau`` in [0, 1] minimising the objective along ``v + tau * dv``.

    The derivative along the direction, ``sum_a t_a(v_a + tau dv_a) dv_a + fixed_slope``, is
    increasing in ``tau`` (the objective is convex); its root is found by Newton steps kept
    inside a shrinking bracket (bisection when Newton leaves it), to ``|slope|`` below
    ``tolerance`` times the slope at 0.
    """
    n = v.shape[0]

    def slope(tau: float) -> tuple[float, float]:
        g = fixed_slope
        h = 0.0
        for a in range(n):
            if dv[a] != 0.0:
                x = v[a] + tau * dv[a]
                if x < 0.0:
                    x = 0.0
                g += link_time(t0[a], b[a], p[a], c[a], x) * dv[a]
                h += link_time_derivative(t0[a], b[a], p[a], c[a], x) * dv[a] * dv[a]
        return g, h

    g0, h0 = slope(0.0)
    if g0 >= 0.0:
        return 0.0
    g1, h1 = slope(1.0)
    if g1 <= 0.0:
        return 1.0
    lo, hi = 0.0, 1.0
    tau = 0.0 if -g0 < g1 else 1.0
    g, h = (g0, h0) if tau == 0.0 else (g1, h1)
    target = tolerance * -g0
    for _ in range(100):
        nxt = tau - g / h if h > 0.0 else -1.0
        if not lo < nxt < hi:
            nxt = 0.5 * (lo + hi)
        tau = nxt
        g, h = slope(tau)
        if abs(g) <= target or hi - lo < 1e-15:
            break
        if g < 0.0:
            lo = tau
        else:
            hi = tau
    return tau

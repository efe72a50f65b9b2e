"""Bi-conjugate Frank-Wolfe (Mitradjieva & Lindberg, Transportation Science 47(2), 2013).

Each iteration loads every class all-or-nothing on its current shortest paths (the target
``y``), combines it with the two previous targets into a direction conjugate to the previous
two directions with respect to the Hessian of the Beckmann objective (diagonal: the BPR
derivatives), and moves along it by an exact line search. The first iteration after a start
or a restart is a plain Frank-Wolfe step, the second a conjugate one. The coefficients follow
AequilibraE's implementation of the same paper, so the two can be compared like for like.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from routing.algorithms.assignment import _bpr
from routing.algorithms.assignment._problem import Problem
from routing.algorithms.assignment.network import AssignmentNetwork, TrafficClass
from routing.algorithms.assignment.result import (
    AssignmentResult,
    Progress,
    StoppingCriterion,
    relative_gap,
)

# A conjugate combination may not weigh the previous target more than this (AequilibraE's).
CONJUGATE_MAX = 0.99999
# A step this close to 1 replaces the solution by the target: the history is void, restart.
FULL_STEP = 1.0 - 1e-10
LINE_SEARCH_TOLERANCE = 1e-8


def solve_bfw(
    network: AssignmentNetwork,
    classes: Sequence[TrafficClass],
    stop: StoppingCriterion,
    progress: Progress | None = None,
) -> AssignmentResult:
    """User equilibrium by bi-conjugate Frank-Wolfe.

    Parameters
    ----------
    network
        The links and their volume-delay parameters.
    classes
        One or more traffic classes.
    stop
        Gap target, iteration and time limits.
    progress
        Called with (iteration, gap) after each iteration.

    Returns
    -------
    AssignmentResult
        Class and total volumes, times and the gap history; no paths.
    """
    started = time.perf_counter()
    pb = Problem.build(network, classes)
    n_classes, pce = pb.n_classes, pb.pce
    x = np.stack([pb.all_or_nothing(k)[0] for k in range(n_classes)])
    volume = pce @ x
    s1 = s2 = np.empty(0)  # the previous two targets (class flows)
    tau_prev = 1.0
    direction = "fw"
    history: list[float] = []
    gap = np.inf
    iteration = 0
    while iteration < stop.max_iterations:
        iteration += 1
        pb.update_times(volume)
        loads = [pb.all_or_nothing(k) for k in range(n_classes)]
        y = np.stack([flows for flows, _ in loads])
        shortest = float(sum(pce[k] * loads[k][1] for k in range(n_classes)))
        gap = relative_gap(pb.total_cost(x), shortest)
        history.append(gap)
        if progress is not None:
            progress(iteration, gap)
        if gap <= stop.gap or _out_of_time(stop, started):
            break
        hess = pb.derivatives(volume)
        if direction == "fw":
            s = y
            direction = "cfw"
        elif direction == "cfw":
            s = _conjugate(pce, hess, x, y, s1)
            direction = "bfw"
        else:
            s = _biconjugate(pce, hess, x, y, s1, s2, tau_prev)
        dx = s - x
        dv = pce @ dx
        fixed_slope = float((pb.fixed * dx).sum(axis=1) @ pce)
        tau = _bpr.line_search(
            network.free_flow_time,
            network.b,
            network.power,
            network.capacity,
            volume,
            dv,
            fixed_slope,
            LINE_SEARCH_TOLERANCE,
        )
        x = x + tau * dx
        np.maximum(x, 0.0, out=x)  # rounding may leave -1e-12 where a link is emptied
        volume = pce @ x
        s2, s1, tau_prev = s1, s, tau
        if tau >= FULL_STEP or tau <= 0.0:
            direction = "fw"  # the targets no longer describe directions from x
    pb.update_times(volume)
    return AssignmentResult(
        volume=volume,
        class_volume=x,
        travel_time=pb.time.copy(),
        iterations=iteration,
        relative_gap=float(gap),
        gap_history=np.array(history),
        run_time_s=time.perf_counter() - started,
        converged=bool(gap <= stop.gap),
        objective=pb.objective(volume, x),
        method="bfw",
    )


def _out_of_time(stop: StoppingCriterion, started: float) -> bool:
    return stop.time_budget_s is not None and time.perf_counter() - started >= stop.time_budget_s


def _conjugate(
    pce: np.ndarray, hess: np.ndarray, x: np.ndarray, y: np.ndarray, s1: np.ndarray
) -> np.ndarray:
    """Target of a conjugate Frank-Wolfe step: ``alpha * s1 + (1 - alpha) * y``."""
    prev_minus_x = pce @ (s1 - x)
    num = float((prev_minus_x * hess * (pce @ (y - x))).sum())
    den = float((prev_minus_x * hess * (pce @ (y - s1))).sum())
    alpha = num / den if den != 0.0 else 0.0
    alpha = min(max(alpha, 0.0), CONJUGATE_MAX)
    return alpha * s1 + (1.0 - alpha) * y


def _biconjugate(
    pce: np.ndarray,
    hess: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    tau: float,
) -> np.ndarray:
    """Target of a bi-conjugate step: ``b0 * y + b1 * s1 + b2 * s2``, all ``b >= 0``."""
    v_x = pce @ x
    d2 = tau * (pce @ s1) + (1.0 - tau) * (pce @ s2) - v_x  # previous-but-one direction
    d1 = pce @ s1 - v_x  # previous direction
    y_x = pce @ y - v_x
    w = pce @ (s2 - s1)
    mu_den = float((d2 * hess * w).sum())
    mu = max(0.0, -float((d2 * hess * y_x).sum()) / mu_den) if mu_den != 0.0 else 0.0
    nu_den = float((d1 * hess * d1).sum())
    nu = 0.0
    if nu_den != 0.0:
        nu = max(0.0, -float((d1 * hess * y_x).sum()) / nu_den + mu * tau / (1.0 - tau))
    b0 = 1.0 / (1.0 + mu + nu)
    return b0 * y + (nu * b0) * s1 + (mu * b0) * s2

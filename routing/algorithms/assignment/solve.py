"""The entry point: pick a method, solve, return the result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numba
import numpy as np

from routing.algorithms.assignment._shortest_paths import all_or_nothing_parallel
from routing.algorithms.assignment.bfw import solve_bfw
from routing.algorithms.assignment.network import AssignmentNetwork, TrafficClass
from routing.algorithms.assignment.path_based import solve_path_based
from routing.algorithms.assignment.result import AssignmentResult, Progress, StoppingCriterion

Method = Literal["path", "bfw"]
METHODS: tuple[Method, ...] = ("path", "bfw")


def assign(
    network: AssignmentNetwork,
    classes: Sequence[TrafficClass],
    *,
    method: Method = "path",
    stop: StoppingCriterion | None = None,
    progress: Progress | None = None,
) -> AssignmentResult:
    """Static user-equilibrium assignment with BPR volume-delay functions.

    Parameters
    ----------
    network
        Links, BPR parameters and the zones (never passed through).
    classes
        Traffic classes: demand, PCE, per-class fixed link costs.
    method
        ``"path"`` (default): path-based gradient projection, fast to tight gaps, and gives
        the used paths. ``"bfw"``: bi-conjugate Frank-Wolfe, link flows only.
    stop
        Gap target (default 1e-5), iteration and time limits.
    progress
        Called with (iteration, gap) after each iteration.

    Returns
    -------
    AssignmentResult

    Raises
    ------
    ValueError
        Inconsistent inputs; `UnreachableDemand` (a `ValueError`) when an OD pair with demand
        has no path.
    """
    stop = stop or StoppingCriterion()
    if method == "path":
        return solve_path_based(network, classes, stop, progress)
    if method == "bfw":
        return solve_bfw(network, classes, stop, progress)
    raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)}")


def warm_up() -> None:
    """Load (or compile, the first time) every numba kernel, on a toy network.

    Numba compiles on first call and caches to disk; loading the cache still takes a moment,
    which a benchmark or a latency-sensitive caller may want to pay up front.
    """
    net = AssignmentNetwork.from_links(
        np.array([0, 0, 2, 3, 2]),
        np.array([2, 3, 1, 1, 3]),
        np.array([1.0, 5.0, 5.0, 1.0, 1.0]),
        np.ones(5),
        np.full(5, 0.15),
        np.full(5, 4.0),
        n_zones=2,
    )
    demand = np.array([[0.0, 4.0], [0.0, 0.0]])
    for method in METHODS:
        assign(net, [TrafficClass(demand)], method=method, stop=StoppingCriterion(gap=1e-8))
    all_or_nothing_parallel(
        np.array([0]),
        demand,
        net.csr_start,
        net.csr_head,
        net.csr_link,
        net.tail,
        net.free_flow_time,
        np.zeros(net.n_links),
        net.first_thru,
        True,
        max(1, numba.get_num_threads()),
    )

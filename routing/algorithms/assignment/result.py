"""What an assignment returns, how it stops, and the relative gap both methods report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# (iteration, relative gap) after each iteration: for a progress display.
Progress = Callable[[int, float], None]


@dataclass(frozen=True)
class StoppingCriterion:
    """Stop at a relative gap, an iteration count, or a time budget, whichever comes first.

    Attributes
    ----------
    gap
        Target relative gap (see :func:`relative_gap`).
    max_iterations
        At most this many iterations.
    time_budget_s
        Stop after the iteration during which this many seconds have passed (None: no limit).
    """

    gap: float = 1e-5
    max_iterations: int = 1000
    time_budget_s: float | None = None

    def __post_init__(self) -> None:
        if not self.gap >= 0:
            raise ValueError("the gap target must be non-negative")
        if self.max_iterations < 1:
            raise ValueError("max_iterations must be at least 1")
        if self.time_budget_s is not None and not self.time_budget_s > 0:
            raise ValueError("the time budget must be positive")


@dataclass(frozen=True)
class PathSet:
    """The used paths of a path-based assignment, pooled.

    OD pair ``i`` is class ``od_class[i]`` from node ``od_origin[i]`` to ``od_destination[i]``;
    its paths are ``od_paths[i] .. od_paths[i + 1] - 1``. Path ``j`` carries ``path_flow[j]``
    vehicles over links ``links[path_start[j] : path_start[j + 1]]`` (destination first).
    """

    od_class: np.ndarray
    od_origin: np.ndarray
    od_destination: np.ndarray
    od_paths: np.ndarray
    path_flow: np.ndarray
    path_start: np.ndarray
    links: np.ndarray

    def paths(self, od: int) -> list[tuple[np.ndarray, float]]:
        """(links, flow) of each path of OD pair ``od``."""
        return [
            (self.links[self.path_start[j] : self.path_start[j + 1]], float(self.path_flow[j]))
            for j in range(self.od_paths[od], self.od_paths[od + 1])
        ]


@dataclass(frozen=True)
class AssignmentResult:
    """Link volumes at (or near) user equilibrium, and how the run went.

    Attributes
    ----------
    volume
        PCE volume per link (``sum_k pce_k * class_volume[k]``).
    class_volume
        ``[n_classes, n_links]`` vehicles of each class per link.
    travel_time
        Link travel times at `volume`.
    iterations
        Iterations done (one all-or-nothing / column generation pass each).
    relative_gap
        The final relative gap.
    gap_history
        The gap after each iteration.
    run_time_s
        Wall-clock seconds of the solve (numba compilation excluded when cached).
    converged
        The gap target was reached.
    objective
        Beckmann objective plus the classes' fixed costs (PCE-weighted) at the solution.
    method
        ``"bfw"`` or ``"path"``.
    paths
        The path flows (path-based method only).
    """

    volume: np.ndarray
    class_volume: np.ndarray
    travel_time: np.ndarray
    iterations: int
    relative_gap: float
    gap_history: np.ndarray
    run_time_s: float
    converged: bool
    objective: float
    method: str
    paths: PathSet | None = None


def relative_gap(total_cost: float, shortest_cost: float) -> float:
    """``(sum_a x_a c_a - sum_od d_od * mincost_od) / sum_a x_a c_a``.

    The standard relative gap: the share of the total travel cost that would be saved if every
    traveller took a current shortest path. With several classes both sums run over classes,
    weighted by PCE (so the gap is that of the convex program solved). Zero when nothing
    travels.
    """
    if total_cost <= 0.0:
        return 0.0
    return max(0.0, (total_cost - shortest_cost) / total_cost)

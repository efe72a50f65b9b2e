"""OD matrix estimation: adjust a seed matrix so the assigned volumes match traffic counts.

The gradient method of Spiess (1990), "A gradient approach for the O-D matrix adjustment
problem" (EMME/2 support centre; what AequilibraE, Emme and Visum offer), bilevel:

- the upper level minimises ``Z(g) = 1/2 sum_a (v_a(g) - c_a)^2`` over the counted links
  ``a``, with ``v_a`` the modelled and ``c_a`` the observed volume;
- the lower level is the user equilibrium: every outer iteration assigns the current matrix
  (path-based, :func:`~routing.algorithms.assignment.assign`) and reads from its used paths the
  share ``p_a^od`` of each OD pair's demand that crosses each counted link. The assignment API
  has no warm start, so each one starts afresh (a few milliseconds on Sioux Falls);
- the gradient is ``dZ/dg_od = pce * sum_a p_a^od (v_a - c_a)`` and the step multiplicative,
  ``g_od <- g_od (1 - lambda dZ/dg_od)``: zero cells stay zero and the seed's structure is kept.
  ``lambda`` is the closed-form minimiser of ``Z`` along that direction with the proportions
  held fixed, capped (Spiess) so that no cell turns negative; the cells are then held within
  ``[seed / max_change, seed * max_change]``;
- the new matrix is re-assigned; the step is accepted only if ``Z`` falls (otherwise it is
  halved, up to `OdmeParams.max_halvings` times), so the objective history never rises. The
  run stops when an iteration gains less than `OdmeParams.tolerance` of ``Z``, or after
  `OdmeParams.max_iterations`.

The fit is reported per counted link with the GEH statistic (see :func:`geh`). One traffic
class only: several classes sharing the counts (cars and trucks in PCE) are not handled yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from routing.algorithms.assignment.network import AssignmentNetwork, TrafficClass
from routing.algorithms.assignment.result import AssignmentResult, PathSet, StoppingCriterion
from routing.algorithms.assignment.solve import assign

__all__ = [
    "GEH_THRESHOLD",
    "OdmeParams",
    "OdmeProgress",
    "OdmeResult",
    "adjust_od",
    "geh",
]

# The usual acceptance line: a counted link fits when its hourly GEH is below 5.
GEH_THRESHOLD = 5.0

# (outer iteration, objective Z after it) for a progress display; iteration 0 is the seed.
OdmeProgress = Callable[[int, float], None]


@dataclass(frozen=True)
class OdmeParams:
    """How the adjustment runs and stops.

    Attributes
    ----------
    max_iterations
        At most this many outer iterations (gradient step + re-assignment).
    gap
        Relative gap each assignment is solved to.
    assignment_iterations
        Iteration limit of each assignment.
    max_change
        Every cell stays within ``[seed / max_change, seed * max_change]``: counts on a few
        links cannot blow a cell up or empty it (practice: 2 to 5). Greater than 1.
    tolerance
        Stop once an iteration lowers the objective by less than this share of it.
    max_halvings
        A step that does not lower the re-assigned objective is halved at most this many times
        before the run stops.
    """

    max_iterations: int = 20
    gap: float = 1e-4
    assignment_iterations: int = 500
    max_change: float = 3.0
    tolerance: float = 1e-4
    max_halvings: int = 3

    def __post_init__(self) -> None:
        if self.max_iterations < 1:
            raise ValueError("max_iterations must be at least 1")
        if not self.gap >= 0:
            raise ValueError("the assignment gap must be non-negative")
        if self.assignment_iterations < 1:
            raise ValueError("assignment_iterations must be at least 1")
        if not (np.isfinite(self.max_change) and self.max_change > 1.0):
            raise ValueError("max_change must be a finite factor greater than 1")
        if not self.tolerance >= 0:
            raise ValueError("the tolerance must be non-negative")
        if self.max_halvings < 0:
            raise ValueError("max_halvings must be non-negative")


@dataclass(frozen=True)
class OdmeResult:
    """The adjusted matrix and how well it fits the counts.

    Attributes
    ----------
    demand
        ``[n_zones, n_zones]`` the adjusted matrix (same zero cells as the seed).
    objective_history
        ``1/2 sum (v_a - c_a)^2`` at the seed, then after each accepted iteration
        (non-increasing).
    iterations
        Accepted outer iterations.
    stop_reason
        ``"fitted"`` (objective zero), ``"stationary"`` (no descent direction: the gradient
        is zero or its cells are at their bounds), ``"converged"`` (gain below the tolerance),
        ``"no_improvement"`` (even the halved steps raised the objective) or
        ``"max_iterations"``.
    links
        Counted link indices, ascending; the per-link arrays below follow this order.
    observed
        The counts ``c_a``.
    modelled_before, modelled_after
        Assigned volumes (PCE) with the seed and with the adjusted matrix.
    geh_before, geh_after
        GEH of each counted link (see :func:`geh`).
    total_before, total_after
        Total demand of the seed and of the adjusted matrix.
    assignment
        The assignment of the adjusted matrix.
    run_time_s
        Wall-clock seconds of the whole run.
    """

    demand: np.ndarray
    objective_history: np.ndarray
    iterations: int
    stop_reason: str
    links: np.ndarray
    observed: np.ndarray
    modelled_before: np.ndarray
    modelled_after: np.ndarray
    geh_before: np.ndarray
    geh_after: np.ndarray
    total_before: float
    total_after: float
    assignment: AssignmentResult
    run_time_s: float

    @property
    def share_fit_before(self) -> float:
        """Share of counted links with GEH below 5 with the seed matrix."""
        return float(np.mean(self.geh_before < GEH_THRESHOLD))

    @property
    def share_fit_after(self) -> float:
        """Share of counted links with GEH below 5 with the adjusted matrix."""
        return float(np.mean(self.geh_after < GEH_THRESHOLD))


def geh(modelled: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """The GEH statistic ``sqrt(2 (M - C)^2 / (M + C))`` per link; 0 where both are 0.

    ``M`` and ``C`` are *hourly* volumes (vehicles or PCE an hour): the statistic is not scale
    free, and its customary threshold of 5 assumes hourly counts.
    """
    m = np.asarray(modelled, dtype=np.float64)
    c = np.asarray(observed, dtype=np.float64)
    total = m + c
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, np.sqrt(2.0 * (m - c) ** 2 / safe), 0.0)


def adjust_od(
    network: AssignmentNetwork,
    classes_or_demand: TrafficClass | Sequence[TrafficClass] | np.ndarray,
    counts: Mapping[int, float],
    params: OdmeParams | None = None,
    progress: OdmeProgress | None = None,
) -> OdmeResult:
    """Adjust the seed matrix so that its user-equilibrium volumes match the counts.

    Parameters
    ----------
    network
        The links and their volume-delay parameters.
    classes_or_demand
        The seed: one traffic class (its PCE and fixed costs are kept), a sequence holding
        exactly one, or an ``[n_zones, n_zones]`` matrix (a car class).
    counts
        Link index -> observed hourly volume, in the PCE units of the assignment.
    params
        Iteration limits, assignment gap, bound on the change of a cell.
    progress
        Called with (iteration, objective) for the seed (iteration 0) and each accepted
        iteration.

    Returns
    -------
    OdmeResult

    Raises
    ------
    ValueError
        No counts, a link index out of range, a negative or non-finite count, several traffic
        classes, or a seed the assignment rejects (`UnreachableDemand`).
    """
    started = time.perf_counter()
    params = params or OdmeParams()
    seed_class = _single_class(classes_or_demand)
    links, observed = _counted_links(counts, network.n_links)
    stop = StoppingCriterion(gap=params.gap, max_iterations=params.assignment_iterations)

    def solve(matrix: np.ndarray) -> AssignmentResult:
        k = TrafficClass(
            demand=matrix,
            pce=seed_class.pce,
            fixed_cost=seed_class.fixed_cost,
            name=seed_class.name,
        )
        return assign(network, [k], method="path", stop=stop)

    seed = seed_class.demand
    lower, upper = seed / params.max_change, seed * params.max_change
    demand = seed.copy()
    result = solve(demand)
    before = result.volume[links].copy()
    objective = _objective(before, observed)
    history = [objective]
    if progress is not None:
        progress(0, objective)
    iterations = 0
    reason = "max_iterations"
    while iterations < params.max_iterations:
        if objective <= 0.0:
            reason = "fitted"
            break
        assert result.paths is not None  # the path-based method always returns them
        step = _gradient_step(
            result.paths,
            demand,
            (lower, upper),
            links,
            result.volume[links] - observed,
            seed_class.pce,
        )
        if step is None:
            reason = "stationary"
            break
        factor, lam = step
        accepted = False
        for _ in range(params.max_halvings + 1):
            candidate = np.clip(demand * (1.0 - lam * factor), lower, upper)
            trial = solve(candidate)
            value = _objective(trial.volume[links], observed)
            if value < objective:
                accepted = True
                break
            lam /= 2.0
        if not accepted:
            reason = "no_improvement"
            break
        gain = objective - value
        demand, result, objective = candidate, trial, value
        iterations += 1
        history.append(objective)
        if progress is not None:
            progress(iterations, objective)
        if gain < params.tolerance * history[-2]:
            reason = "converged"
            break
    after = result.volume[links].copy()
    return OdmeResult(
        demand=demand,
        objective_history=np.array(history),
        iterations=iterations,
        stop_reason=reason,
        links=links,
        observed=observed,
        modelled_before=before,
        modelled_after=after,
        geh_before=geh(before, observed),
        geh_after=geh(after, observed),
        total_before=float(seed.sum()),
        total_after=float(demand.sum()),
        assignment=result,
        run_time_s=time.perf_counter() - started,
    )


def _single_class(seed: TrafficClass | Sequence[TrafficClass] | np.ndarray) -> TrafficClass:
    if isinstance(seed, TrafficClass):
        return seed
    if isinstance(seed, np.ndarray):
        return TrafficClass(demand=seed)
    classes = list(seed)
    if len(classes) != 1:
        raise ValueError(
            f"OD adjustment handles one traffic class, not {len(classes)} (multi-class: not yet)"
        )
    return classes[0]


def _counted_links(counts: Mapping[int, float], n_links: int) -> tuple[np.ndarray, np.ndarray]:
    if not counts:
        raise ValueError("no counted links: nothing to adjust the matrix to")
    links = np.array(sorted(counts), dtype=np.int64)
    bad = links[(links < 0) | (links >= n_links)]
    if bad.size:
        raise ValueError(
            f"counted link {int(bad[0])} is not a link of the network (0..{n_links - 1})"
        )
    observed = np.array([float(counts[int(a)]) for a in links])
    wrong = ~(np.isfinite(observed) & (observed >= 0))
    if wrong.any():
        a = int(links[np.argmax(wrong)])
        raise ValueError(f"the count of link {a} is {counts[a]!r}: not a volume")
    return links, observed


def _objective(modelled: np.ndarray, observed: np.ndarray) -> float:
    return float(0.5 * np.sum((modelled - observed) ** 2))


def _gradient_step(
    paths: PathSet,
    demand: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    links: np.ndarray,
    residual: np.ndarray,
    pce: float,
) -> tuple[np.ndarray, float] | None:
    """Spiess's step: per cell ``dZ/dg / pce`` (an ``[n_zones, n_zones]`` array) and lambda.

    Cells at a bound that the gradient pushes further out are left out of the direction (a
    projected gradient), so the line search is not spent on moves the bounds undo. ``None``
    when no direction is left (no used path crosses a mis-fitted counted link, or every
    such cell is at its bound).
    The gradient's PCE factor is left to ``lambda``; the volume change is in PCE.
    """
    n_od = paths.od_destination.shape[0]
    n_paths = paths.path_flow.shape[0]
    path_od = np.repeat(np.arange(n_od), np.diff(paths.od_paths))
    od_flow = np.bincount(path_od, weights=paths.path_flow, minlength=n_od)
    entry_path = np.repeat(np.arange(n_paths), np.diff(paths.path_start))
    position = np.full(int(paths.links.max(initial=-1)) + 1, -1, dtype=np.int64)
    inside = links[links < position.shape[0]]
    position[inside] = np.searchsorted(links, inside)
    entry_pos = position[paths.links] if paths.links.size else np.zeros(0, np.int64)
    keep = entry_pos >= 0
    e_path, e_pos = entry_path[keep], entry_pos[keep]
    e_od = path_od[e_path]
    flow = od_flow[e_od]
    share = np.divide(paths.path_flow[e_path], flow, out=np.zeros(e_od.shape[0]), where=flow > 0)
    # dZ/dg_od (without the PCE, which only rescales lambda)
    grad = np.bincount(e_od, weights=share * residual[e_pos], minlength=n_od)
    g = demand[paths.od_origin, paths.od_destination]
    lower, upper = (b[paths.od_origin, paths.od_destination] for b in bounds)
    grad[((g >= upper) & (grad < 0)) | ((g <= lower) & (grad > 0))] = 0.0
    # volume change on counted links per unit of lambda, proportions held fixed
    change = pce * np.bincount(e_pos, weights=share * (-g * grad)[e_od], minlength=links.shape[0])
    denominator = float(change @ change)
    if denominator <= 0.0:
        return None
    lam = -float(change @ residual) / denominator
    rising = grad[g > 0]
    rising = rising[rising > 0]
    if rising.size:
        lam = min(lam, 1.0 / float(rising.max()))  # Spiess's cap: no cell below zero
    if lam <= 0.0:
        return None
    factor = np.zeros_like(demand)
    factor[paths.od_origin, paths.od_destination] = grad
    return factor, lam

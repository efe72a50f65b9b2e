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

Several classes (cars and trucks, each with its PCE) are adjusted together, each keeping its
own matrix. An observation is a link's total count in PCE, ``sum_k pce_k v_a^k`` (counts
already converted to PCE), its count of all vehicles, ``sum_k v_a^k`` (a loop that does not
classify), or one class's count in vehicles, ``v_a^k`` (a classifying detector); all kinds
enter the same objective, and the gradient of class ``k``'s cell is
``sum_obs w_obs,k p_a^od,k (m_obs - c_obs)`` with ``w`` the PCE for a PCE total, 1 for a
vehicle total, and 1 for the class's own count (0 for the others). The step's ``lambda`` is
the closed form along the joint direction.

The fit is reported per observation with the GEH statistic (see :func:`geh`).
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
    "ALL_VEHICLES",
    "GEH_THRESHOLD",
    "OdmeParams",
    "OdmeProgress",
    "OdmeResult",
    "adjust_od",
    "geh",
]

# The label of an observation of every vehicle of every class (see `OdmeResult`).
ALL_VEHICLES = "all"

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
    relative
        Weigh each squared residual by ``1 / max(c, 1)`` (a Poisson-variance, chi-square
        objective) instead of Spiess's plain least squares. Counts of very different sizes
        (trucks beside cars, a side street beside an artery) then pull in proportion to
        their relative error, as the GEH judges them; plain least squares lets the largest
        counts dominate.
    """

    max_iterations: int = 20
    gap: float = 1e-4
    assignment_iterations: int = 500
    max_change: float = 3.0
    tolerance: float = 1e-4
    max_halvings: int = 3
    relative: bool = False

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
    """The adjusted matrices and how well they fit the counts.

    Attributes
    ----------
    demand
        ``[n_zones, n_zones]`` the adjusted matrix (same zero cells as the seed); with several
        classes, their sum in vehicles (each class's is in `class_demand`).
    class_demand
        The adjusted matrix of each class, in the order given.
    objective_history
        ``1/2 sum (m - c)^2`` over the observations (each term divided by ``max(c, 1)`` when
        `OdmeParams.relative`) at the seed, then after each accepted iteration
        (non-increasing).
    iterations
        Accepted outer iterations.
    stop_reason
        ``"fitted"`` (objective zero), ``"stationary"`` (no descent direction: the gradient
        is zero or its cells are at their bounds), ``"converged"`` (gain below the tolerance),
        ``"no_improvement"`` (even the halved steps raised the objective) or
        ``"max_iterations"``.
    links
        The counted link of each observation: total PCE counts first, ascending by link, then
        vehicle counts, then each class's counts (by class name, then link). The arrays below
        follow this order.
    observation_class
        ``""`` for a total PCE count, ``"all"`` for a count of all vehicles, else the class
        whose vehicles were counted.
    observed
        The counts ``c``.
    modelled_before, modelled_after
        The modelled value of each observation (PCE, or the class's vehicles) with the seed and
        with the adjusted matrices.
    geh_before, geh_after
        GEH of each observation (see :func:`geh`).
    total_before, total_after
        Total demand of the seed and of the adjusted matrix.
    assignment
        The assignment of the adjusted matrix.
    run_time_s
        Wall-clock seconds of the whole run.
    """

    demand: np.ndarray
    class_demand: tuple[np.ndarray, ...]
    objective_history: np.ndarray
    iterations: int
    stop_reason: str
    links: np.ndarray
    observation_class: tuple[str, ...]
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
        """Share of observations with GEH below 5 with the seed matrix."""
        return float(np.mean(self.geh_before < GEH_THRESHOLD))

    @property
    def share_fit_after(self) -> float:
        """Share of observations with GEH below 5 with the adjusted matrix."""
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
    *,
    class_counts: Mapping[str, Mapping[int, float]] | None = None,
    vehicle_counts: Mapping[int, float] | None = None,
) -> OdmeResult:
    """Adjust the seed matrices so that their user-equilibrium volumes match the counts.

    Parameters
    ----------
    network
        The links and their volume-delay parameters.
    classes_or_demand
        The seed: one traffic class or several (their PCE and fixed costs are kept; names
        unique when `class_counts` names them), or an ``[n_zones, n_zones]`` matrix (a car
        class).
    counts
        Link index -> observed hourly volume of all classes together, in PCE.
    params
        Iteration limits, assignment gap, bound on the change of a cell.
    progress
        Called with (iteration, objective) for the seed (iteration 0) and each accepted
        iteration.
    class_counts
        Class name -> (link index -> observed hourly vehicles of that class), for links whose
        detectors classify vehicles. A link may have several kinds.
    vehicle_counts
        Link index -> observed hourly vehicles of every class together (a loop that counts
        vehicles without classifying them: trucks count 1, not their PCE).

    Returns
    -------
    OdmeResult

    Raises
    ------
    ValueError
        No counts, a link index out of range, a negative or non-finite count, a class count of
        a class not in the seed, or a seed the assignment rejects (`UnreachableDemand`).
    """
    started = time.perf_counter()
    params = params or OdmeParams()
    seeds = _classes(classes_or_demand)
    obs = _observations(counts, class_counts or {}, vehicle_counts or {}, seeds, network.n_links)
    scale = 1.0 / np.maximum(obs.observed, 1.0) if params.relative else np.ones_like(obs.observed)
    stop = StoppingCriterion(gap=params.gap, max_iterations=params.assignment_iterations)

    def solve(matrices: list[np.ndarray]) -> AssignmentResult:
        classes = [
            TrafficClass(demand=m, pce=k.pce, fixed_cost=k.fixed_cost, name=k.name)
            for m, k in zip(matrices, seeds, strict=True)
        ]
        return assign(network, classes, method="path", stop=stop)

    bounds = [(k.demand / params.max_change, k.demand * params.max_change) for k in seeds]
    demand = [k.demand.copy() for k in seeds]
    result = solve(demand)
    before = obs.modelled(result)
    objective = _objective(before, obs.observed, scale)
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
            result.paths, demand, bounds, obs, obs.modelled(result) - obs.observed, scale
        )
        if step is None:
            reason = "stationary"
            break
        factors, lam = step
        accepted = False
        for _ in range(params.max_halvings + 1):
            candidate = [
                np.clip(g * (1.0 - lam * f), lo, hi)
                for g, f, (lo, hi) in zip(demand, factors, bounds, strict=True)
            ]
            trial = solve(candidate)
            value = _objective(obs.modelled(trial), obs.observed, scale)
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
    after = obs.modelled(result)
    return OdmeResult(
        demand=demand[0] if len(demand) == 1 else np.sum(demand, axis=0),
        class_demand=tuple(demand),
        objective_history=np.array(history),
        iterations=iterations,
        stop_reason=reason,
        links=obs.link,
        observation_class=obs.label,
        observed=obs.observed,
        modelled_before=before,
        modelled_after=after,
        geh_before=geh(before, obs.observed),
        geh_after=geh(after, obs.observed),
        total_before=float(sum(k.demand.sum() for k in seeds)),
        total_after=float(sum(g.sum() for g in demand)),
        assignment=result,
        run_time_s=time.perf_counter() - started,
    )


def _classes(seed: TrafficClass | Sequence[TrafficClass] | np.ndarray) -> list[TrafficClass]:
    if isinstance(seed, TrafficClass):
        return [seed]
    if isinstance(seed, np.ndarray):
        return [TrafficClass(demand=seed)]
    classes = list(seed)
    if not classes:
        raise ValueError("no traffic class to adjust")
    return classes


@dataclass(frozen=True)
class _Observations:
    """What was counted: observation ``i`` is ``sum_k weight[i, k] * v[link[i]]^k``."""

    link: np.ndarray
    weight: np.ndarray  # [n_obs, n_classes]
    observed: np.ndarray
    label: tuple[str, ...]

    def modelled(self, result: AssignmentResult) -> np.ndarray:
        return np.einsum("ik,ki->i", self.weight, result.class_volume[:, self.link])


def _observations(
    counts: Mapping[int, float],
    class_counts: Mapping[str, Mapping[int, float]],
    vehicle_counts: Mapping[int, float],
    classes: Sequence[TrafficClass],
    n_links: int,
) -> _Observations:
    names = [k.name for k in classes]
    pce = np.array([k.pce for k in classes], dtype=np.float64)
    links: list[int] = []
    weights: list[np.ndarray] = []
    values: list[float] = []
    labels: list[str] = []

    def add(table: Mapping[int, float], weight: np.ndarray, label: str) -> None:
        for a in sorted(table):
            if not 0 <= int(a) < n_links:
                raise ValueError(
                    f"counted link {int(a)} is not a link of the network (0..{n_links - 1})"
                )
            value = float(table[a])
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"the count of link {a} is {table[a]!r}: not a volume")
            links.append(int(a))
            weights.append(weight)
            values.append(value)
            labels.append(label)

    add(counts, pce, "")
    add(vehicle_counts, np.ones(len(classes)), ALL_VEHICLES)
    for name in sorted(class_counts):
        if names.count(name) != 1:
            raise ValueError(
                f"class counts of {name!r}: the seed has "
                + ("no such class" if name not in names else "several classes of that name")
            )
        add(class_counts[name], np.eye(len(classes))[names.index(name)], name)
    if not links:
        raise ValueError("no counted links: nothing to adjust the matrix to")
    return _Observations(
        np.array(links, dtype=np.int64),
        np.array(weights, dtype=np.float64).reshape(len(links), len(classes)),
        np.array(values),
        tuple(labels),
    )


def _objective(modelled: np.ndarray, observed: np.ndarray, scale: np.ndarray) -> float:
    return float(0.5 * np.sum(scale * (modelled - observed) ** 2))


def _gradient_step(
    paths: PathSet,
    demand: Sequence[np.ndarray],
    bounds: Sequence[tuple[np.ndarray, np.ndarray]],
    obs: _Observations,
    residual: np.ndarray,
    scale: np.ndarray,
) -> tuple[list[np.ndarray], float] | None:
    """Spiess's step: per class, per cell ``dZ/dg`` (an ``[n_zones, n_zones]`` array), and
    lambda.

    Cells at a bound that the gradient pushes further out are left out of the direction (a
    projected gradient), so the line search is not spent on moves the bounds undo. ``None``
    when no direction is left (no used path crosses a mis-fitted counted link, or every
    such cell is at its bound).
    """
    n_classes = len(demand)
    counted = np.unique(obs.link)
    obs_pos = np.searchsorted(counted, obs.link)
    # The residuals seen by a vehicle of class k on counted link a, weighted (PCE or 1).
    weighted = np.zeros((counted.shape[0], n_classes))
    np.add.at(weighted, obs_pos, obs.weight * (scale * residual)[:, None])
    n_od = paths.od_destination.shape[0]
    n_paths = paths.path_flow.shape[0]
    path_od = np.repeat(np.arange(n_od), np.diff(paths.od_paths))
    od_flow = np.bincount(path_od, weights=paths.path_flow, minlength=n_od)
    entry_path = np.repeat(np.arange(n_paths), np.diff(paths.path_start))
    position = np.full(int(paths.links.max(initial=-1)) + 1, -1, dtype=np.int64)
    inside = counted[counted < position.shape[0]]
    position[inside] = np.searchsorted(counted, inside)
    entry_pos = position[paths.links] if paths.links.size else np.zeros(0, np.int64)
    keep = entry_pos >= 0
    e_path, e_pos = entry_path[keep], entry_pos[keep]
    e_od = path_od[e_path]
    od_class = np.asarray(paths.od_class, dtype=np.int64)
    e_class = od_class[e_od]
    flow = od_flow[e_od]
    share = np.divide(paths.path_flow[e_path], flow, out=np.zeros(e_od.shape[0]), where=flow > 0)
    grad = np.bincount(e_od, weights=share * weighted[e_pos, e_class], minlength=n_od)
    g = np.empty(n_od)
    lower, upper = np.empty(n_od), np.empty(n_od)
    for k in range(n_classes):
        mine = od_class == k
        o, d = paths.od_origin[mine], paths.od_destination[mine]
        g[mine] = demand[k][o, d]
        lower[mine], upper[mine] = bounds[k][0][o, d], bounds[k][1][o, d]
    grad[((g >= upper) & (grad < 0)) | ((g <= lower) & (grad > 0))] = 0.0
    # Vehicles of each class added on each counted link per unit of lambda, shares held fixed.
    moved = np.zeros((counted.shape[0], n_classes))
    np.add.at(moved, (e_pos, e_class), share * (-g * grad)[e_od])
    change = np.einsum("ik,ik->i", obs.weight, moved[obs_pos])
    denominator = float(change @ (scale * change))
    if denominator <= 0.0:
        return None
    lam = -float(change @ (scale * residual)) / denominator
    rising = grad[g > 0]
    rising = rising[rising > 0]
    if rising.size:
        lam = min(lam, 1.0 / float(rising.max()))  # Spiess's cap: no cell below zero
    if lam <= 0.0:
        return None
    factors = [np.zeros_like(m) for m in demand]
    for k in range(n_classes):
        mine = od_class == k
        factors[k][paths.od_origin[mine], paths.od_destination[mine]] = grad[mine]
    return factors, lam

"""The PyVRP engine (iterated local search, Wouda, Lan and Kool 2024) for plain VRPTW.

Used for problems without pickup-delivery pairs or negative demands, where it is stronger
than OR-Tools' guided local search at a short time limit. PyVRP is an optional dependency.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

from routing.algorithms.fleet.params import SolveParams
from routing.algorithms.fleet.problem import FleetProblem
from routing.algorithms.fleet.solution import EngineResult

if TYPE_CHECKING:
    from pyvrp import Depot


def pyvrp_available() -> bool:
    """True when the `pyvrp` package can be imported."""
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        return False
    return True


def solve_pyvrp(
    problem: FleetProblem, params: SolveParams, skip: Sequence[int] = ()
) -> EngineResult:
    """Solve a plain VRPTW with PyVRP within the time limit.

    Parameters
    ----------
    problem
        A plain problem (`FleetProblem.is_plain`).
    params
        Time limit and seed.
    skip
        Jobs to leave out (known to be unservable).

    Returns
    -------
    EngineResult
        Routes by vehicle; when PyVRP's best solution is infeasible, no routes, every job
        dropped and status ``infeasible``.
    """
    from pyvrp import Model, solve
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.stop import MaxRuntime

    if not problem.is_plain:
        raise ValueError("the pyvrp engine takes no pickup-delivery pairs or negative demands")
    skipped = set(skip)
    jobs = [j for j in problem.jobs if j not in skipped]
    if not jobs:
        return EngineResult({}, [], "success")
    tw = problem.time_windows
    model = Model()
    depot_of: dict[int, Depot] = {}
    for node in problem.depots:
        location = model.add_location(x=0, y=0)
        depot_of[node] = model.add_depot(
            location, tw_early=int(tw[node, 0]), tw_late=int(tw[node, 1])
        )
    for node in jobs:
        model.add_client(
            model.add_location(x=0, y=0),
            delivery=[int(problem.demand[node])],
            service_duration=int(problem.service[node]),
            tw_early=int(tw[node, 0]),
            tw_late=int(tw[node, 1]),
        )
    first_vehicle, type_numbers = 0, []
    for vtype in problem.vehicle_types:
        if vtype.count:
            model.add_vehicle_type(
                num_available=vtype.count,
                capacity=[vtype.capacity],
                start_depot=depot_of[vtype.start_depot],
                end_depot=depot_of[vtype.end_depot],
                fixed_cost=vtype.fixed_cost,
                tw_early=max(vtype.shift_start, int(tw[vtype.start_depot, 0])),
                tw_late=min(vtype.shift_end, int(tw[vtype.end_depot, 1])),
                unit_distance_cost=vtype.cost_per_distance,
                unit_duration_cost=vtype.cost_per_time,
            )
            type_numbers.append(first_vehicle)
        first_vehicle += vtype.count
    # PyVRP numbers locations depots first, then clients, in the order added.
    order = list(problem.depots) + jobs
    data = model.data().replace(
        distance_matrices=[problem.distance[order][:, order]],  # type: ignore[list-item]
        duration_matrices=[problem.duration[order][:, order]],  # type: ignore[list-item]
    )
    with warnings.catch_warnings():
        # Its warning that no feasible solution is in sight: the caller falls back on OR-Tools.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = solve(data, MaxRuntime(params.time_limit_s), seed=params.seed, display=False)
    best = result.best
    if not best.is_feasible():
        return EngineResult({}, jobs, "infeasible")
    routes: dict[int, list[int]] = {}
    next_vehicle = list(type_numbers)
    for route in best.routes():
        vehicle = next_vehicle[route.vehicle_type()]
        next_vehicle[route.vehicle_type()] += 1
        # A client activity's idx counts clients only (depots not included).
        routes[vehicle] = [jobs[activity.idx] for activity in route if activity.is_client()]
    served = {n for nodes in routes.values() for n in nodes}
    return EngineResult(routes, [j for j in jobs if j not in served], "feasible")

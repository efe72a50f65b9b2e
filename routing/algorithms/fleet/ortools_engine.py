"""The OR-Tools engine: a RoutingModel with distance costs, time windows, capacity and pairing.

Transit costs are registered as matrices (`RegisterTransitMatrix`), so the guided local search
evaluates them in C++ without calling back into Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.algorithms.fleet.params import SolveParams
from routing.algorithms.fleet.problem import FleetProblem
from routing.algorithms.fleet.solution import EngineResult

# RoutingModel.status() values (routing_enums.proto's RoutingSearchStatus).
_STATUS = {
    0: "not_solved",
    1: "success",
    2: "partial_success_local_optimum_not_reached",
    3: "fail",
    4: "fail_timeout",
    5: "invalid",
    6: "infeasible",
    7: "optimal",
}


def _vehicle_bounds(problem: FleetProblem) -> list[tuple[int, int, int, int, int]]:
    """Per vehicle: start depot, end depot, earliest leave, latest back, type index."""
    tw = problem.time_windows
    bounds = []
    for type_index, vtype in enumerate(problem.vehicle_types):
        earliest = max(vtype.shift_start, int(tw[vtype.start_depot, 0]))
        latest = min(vtype.shift_end, int(tw[vtype.end_depot, 1]))
        bounds.extend(
            [(vtype.start_depot, vtype.end_depot, earliest, latest, type_index)] * vtype.count
        )
    return bounds


def solve_ortools(
    problem: FleetProblem,
    params: SolveParams,
    skip: Sequence[int] = (),
    initial_routes: dict[int, list[int]] | None = None,
    progress: Callable[[float], None] | None = None,
) -> EngineResult:
    """Solve with OR-Tools' routing library and guided local search.

    Parameters
    ----------
    problem
        The problem.
    params
        Time limit, first solution strategy and drop penalty.
    skip
        Jobs to leave out of the model (known to be unservable).
    initial_routes
        Optional warm start: vehicle number to job nodes; ignored if OR-Tools rejects it.
    progress
        Called with the share of the time limit used each time the search finds a better
        solution.

    Returns
    -------
    EngineResult
        Routes by vehicle and the jobs left out.
    """
    skipped = set(skip)
    jobs = [j for j in problem.jobs if j not in skipped]
    model_nodes = list(problem.depots) + jobs
    local = {node: i for i, node in enumerate(model_nodes)}
    bounds = _vehicle_bounds(problem)
    if not bounds or not jobs:
        return EngineResult({}, jobs, "no_vehicle" if jobs else "success")
    manager = pywrapcp.RoutingIndexManager(
        len(model_nodes), len(bounds), [local[b[0]] for b in bounds], [local[b[1]] for b in bounds]
    )
    routing = pywrapcp.RoutingModel(manager)
    sub = np.ix_(model_nodes, model_nodes)
    distance = problem.distance[sub]
    travel_time = problem.duration[sub] + problem.service[model_nodes][:, None]

    arc_callbacks: dict[int, int] = {}
    for vehicle, bound in enumerate(bounds):
        vtype = problem.vehicle_types[bound[4]]
        per_unit = vtype.cost_per_distance
        if per_unit not in arc_callbacks:
            arc_callbacks[per_unit] = routing.RegisterTransitMatrix((distance * per_unit).tolist())
        routing.SetArcCostEvaluatorOfVehicle(arc_callbacks[per_unit], vehicle)
        routing.SetFixedCostOfVehicle(vtype.fixed_cost, vehicle)

    time_cb = routing.RegisterTransitMatrix(travel_time.tolist())
    horizon = int(max(problem.time_windows[model_nodes, 1].max(), max(b[3] for b in bounds)))
    routing.AddDimension(time_cb, horizon, horizon, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    for node in jobs:
        early, late = (int(t) for t in problem.time_windows[node])
        cumul = time_dim.CumulVar(manager.NodeToIndex(local[node]))
        cumul.SetRange(early, late)
        for closed_from, closed_until in problem.closed.get(node, ()):
            if closed_until > early and closed_from <= late:
                cumul.RemoveInterval(closed_from, closed_until - 1)  # inclusive bounds
    for vehicle, (_, _, earliest, latest, type_index) in enumerate(bounds):
        time_dim.CumulVar(routing.Start(vehicle)).SetRange(earliest, latest)
        time_dim.CumulVar(routing.End(vehicle)).SetRange(earliest, latest)
        cost_per_time = problem.vehicle_types[type_index].cost_per_time
        if cost_per_time:
            time_dim.SetSpanCostCoefficientForVehicle(cost_per_time, vehicle)

    demand_cb = routing.RegisterUnaryTransitVector(problem.demand[model_nodes].tolist())
    capacities = [problem.vehicle_types[b[4]].capacity for b in bounds]
    routing.AddDimensionWithVehicleCapacity(demand_cb, 0, capacities, True, "Load")

    solver = routing.solver()
    for pickup, delivery in problem.pickup_delivery:
        if pickup in skipped or delivery in skipped:
            continue
        p, d = manager.NodeToIndex(local[pickup]), manager.NodeToIndex(local[delivery])
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(routing.ActiveVar(p) == routing.ActiveVar(d))
        solver.Add(time_dim.CumulVar(p) <= time_dim.CumulVar(d))

    penalty = params.drop_penalty
    if penalty is None:
        # Above any route's cost, so a job is dropped only when nothing can take it.
        max_unit = max(t.cost_per_distance for t in problem.vehicle_types)
        max_fixed = max(t.fixed_cost for t in problem.vehicle_types)
        penalty = int(distance.max()) * max_unit * 4 * len(model_nodes) + max_fixed + 1
    for node in jobs:
        routing.AddDisjunction([manager.NodeToIndex(local[node])], penalty)

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, params.first_solution
    )
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search.time_limit.FromMilliseconds(max(1, int(params.time_limit_s * 1000)))

    if progress is not None:
        started, limit = time.monotonic(), params.time_limit_s

        def on_solution() -> None:
            progress(min(1.0, (time.monotonic() - started) / limit))

        routing.AddAtSolutionCallback(on_solution)

    assignment = None
    if initial_routes:
        ordered = [
            [manager.NodeToIndex(local[n]) for n in initial_routes.get(v, []) if n in local]
            for v in range(len(bounds))
        ]
        routing.CloseModelWithParameters(search)
        start = routing.ReadAssignmentFromRoutes(ordered, True)
        if start is not None:
            assignment = routing.SolveFromAssignmentWithParameters(start, search)
    if assignment is None:
        assignment = routing.SolveWithParameters(search)
    status = _STATUS.get(routing.status(), str(routing.status()))
    if assignment is None:
        return EngineResult({}, jobs, status)

    routes: dict[int, list[int]] = {}
    served: set[int] = set()
    for vehicle in range(len(bounds)):
        index = assignment.Value(routing.NextVar(routing.Start(vehicle)))
        nodes = []
        while not routing.IsEnd(index):
            nodes.append(model_nodes[manager.IndexToNode(index)])
            index = assignment.Value(routing.NextVar(index))
        if nodes:
            routes[vehicle] = nodes
            served.update(nodes)
    return EngineResult(routes, [j for j in jobs if j not in served], status)

"""The result of a fleet solve: routes with their schedule, unassigned jobs, totals and status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from routing.algorithms.fleet.problem import FleetProblem


@dataclass(frozen=True)
class Stop:
    """One job on a route: when the vehicle gets there, serves it and leaves.

    Attributes
    ----------
    node
        The job's node.
    arrival
        Arrival time (the vehicle may then wait for the window to open).
    start
        Start of service, ``max(arrival, window start)``.
    departure
        ``start + service``.
    load
        The vehicle's load after serving the job.
    """

    node: int
    arrival: int
    start: int
    departure: int
    load: int


@dataclass(frozen=True)
class Route:
    """A vehicle's trip from its start depot through its stops to its end depot.

    Attributes
    ----------
    vehicle
        Vehicle number (across types, see `FleetProblem.vehicle_types`).
    vehicle_type
        Index of the vehicle's type.
    stops
        The jobs in visiting order (depots not included).
    leave, back
        Departure from the start depot (as late as possible without delaying the route) and
        arrival at the end depot.
    distance
        Distance travelled, in scaled units.
    max_load
        The highest load on the route.
    cost
        Fixed, distance and time cost of the route.
    """

    vehicle: int
    vehicle_type: int
    stops: tuple[Stop, ...]
    leave: int
    back: int
    distance: int
    max_load: int
    cost: int

    @property
    def nodes(self) -> list[int]:
        """The job nodes in visiting order."""
        return [stop.node for stop in self.stops]

    @property
    def duration(self) -> int:
        """Time from leaving the start depot to getting back to the end depot."""
        return self.back - self.leave


@dataclass(frozen=True)
class Unassigned:
    """A job left out of every route, and why."""

    node: int
    reason: str


@dataclass(frozen=True)
class FleetSolution:
    """Routes, unassigned jobs and totals of one solve.

    Attributes
    ----------
    routes
        Non-empty routes, by vehicle number.
    unassigned
        Jobs served by no route, each with a reason.
    distance
        Total distance, scaled units (see `FleetProblem.distance_scale`).
    objective
        Total cost: fixed, distance and time costs of the routes used (unassigned jobs are
        reported, not priced).
    engine
        The engine that found the routes (``ortools`` or ``pyvrp``).
    status
        ``feasible`` (every job served), ``partial`` (some unassigned) or ``no_solution``.
    runtime_s
        Wall time of the solve.
    engine_status
        The engine's own status word (e.g. OR-Tools' ``success`` or ``fail_timeout``).
    """

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    distance: int
    objective: int
    engine: str
    status: str
    runtime_s: float
    engine_status: str = ""

    @property
    def vehicles_used(self) -> int:
        """Number of non-empty routes."""
        return len(self.routes)

    def reported_distance(self, problem: FleetProblem) -> float:
        """Total distance in the caller's units (``distance / distance_scale``)."""
        return self.distance / problem.distance_scale


@dataclass(frozen=True)
class EngineResult:
    """Visiting orders found by an engine.

    Attributes
    ----------
    routes
        Vehicle number to job nodes in visiting order (problem node numbers).
    dropped
        Jobs the engine left out.
    status
        The engine's own status word.
    """

    routes: dict[int, list[int]]
    dropped: list[int]
    status: str


def schedule_route(problem: FleetProblem, vehicle: int, nodes: Sequence[int]) -> Route:
    """Times, load, distance and cost of visiting `nodes` in order with `vehicle`.

    Service starts as early as possible (and when the node is open, see
    `FleetProblem.closed`); the departure from the depot is then delayed as far as it goes
    without delaying any later service (Savelsbergh's forward time slack), so the route's
    duration has no avoidable waiting. Windows are not enforced here: `check_solution`
    reports violations.

    Parameters
    ----------
    problem
        The problem.
    vehicle
        Vehicle number.
    nodes
        Job nodes in visiting order.

    Returns
    -------
    Route
        The scheduled route.
    """
    type_index = problem.vehicle_type_of(vehicle)
    vtype = problem.vehicle_types[type_index]
    tw = problem.time_windows
    start_depot, end_depot = vtype.start_depot, vtype.end_depot
    earliest = max(vtype.shift_start, int(tw[start_depot, 0]))
    latest_back = min(vtype.shift_end, int(tw[end_depot, 1]))
    prev, time, load, max_load, distance = start_depot, earliest, 0, 0, 0
    arrivals, starts, loads = [], [], []
    for node in nodes:
        distance += int(problem.distance[prev, node])
        arrival = time + int(problem.duration[prev, node])
        start = problem.earliest_start(node, arrival)
        load += int(problem.demand[node])
        max_load = max(max_load, load)
        arrivals.append(arrival)
        starts.append(start)
        loads.append(load)
        time = start + int(problem.service[node])
        prev = node
    distance += int(problem.distance[prev, end_depot])
    back = time + int(problem.duration[prev, end_depot])
    # Leaving d later moves the service at stop i by max(0, d - W_i), W_i the waiting up to
    # and including i: d <= W_i + late_i - start_i keeps each window, d <= total waiting keeps
    # the return time (so the end depot's window holds).
    waited, slacks = 0, []
    for node, arrival, start in zip(nodes, arrivals, starts, strict=True):
        waited += start - arrival
        # A closure after `start` bounds the delay like the window's end does.
        slacks.append(waited + problem.latest_start_from(node, start) - start)
    delay = max(0, min([waited, *slacks])) if back <= latest_back else 0
    leave, stops = earliest + delay, []
    shift = delay
    for node, arrival, start, load_after in zip(nodes, arrivals, starts, loads, strict=True):
        new_arrival = arrival + shift
        new_start = max(new_arrival, start)
        shift = new_start - start
        stops.append(
            Stop(node, new_arrival, new_start, new_start + int(problem.service[node]), load_after)
        )
    back += shift
    cost = (
        (vtype.fixed_cost if nodes else 0)
        + vtype.cost_per_distance * distance
        + vtype.cost_per_time * (back - leave if nodes else 0)
    )
    return Route(vehicle, type_index, tuple(stops), leave, back, distance, max_load, cost)


def build_solution(
    problem: FleetProblem,
    routes: dict[int, list[int]],
    unassigned: Sequence[Unassigned],
    *,
    engine: str,
    runtime_s: float,
    engine_status: str = "",
) -> FleetSolution:
    """Assemble a `FleetSolution` from visiting orders per vehicle.

    Parameters
    ----------
    problem
        The problem.
    routes
        Vehicle number to job nodes in visiting order; empty routes are dropped.
    unassigned
        Jobs on no route, with reasons.
    engine
        Engine name for the report.
    runtime_s
        Wall time spent.
    engine_status
        The engine's status word.

    Returns
    -------
    FleetSolution
        The solution, with status ``feasible`` when nothing is unassigned.
    """
    scheduled = tuple(
        schedule_route(problem, vehicle, nodes)
        for vehicle, nodes in sorted(routes.items())
        if nodes
    )
    status = "partial" if unassigned else "feasible"
    if not scheduled and problem.jobs and len(unassigned) == len(problem.jobs):
        status = "no_solution"
    return FleetSolution(
        routes=scheduled,
        unassigned=tuple(sorted(unassigned, key=lambda u: u.node)),
        distance=sum(r.distance for r in scheduled),
        objective=sum(r.cost for r in scheduled),
        engine=engine,
        status=status,
        runtime_s=runtime_s,
        engine_status=engine_status,
    )

"""An independent check of a fleet solution against every constraint of its problem."""

from __future__ import annotations

from routing.algorithms.fleet.problem import FleetProblem
from routing.algorithms.fleet.solution import FleetSolution, Route


def _check_route(problem: FleetProblem, route: Route) -> list[str]:
    errors: list[str] = []
    label = f"vehicle {route.vehicle}"
    vtype = problem.vehicle_types[route.vehicle_type]
    tw = problem.time_windows
    depots = set(problem.depots)
    earliest = max(vtype.shift_start, int(tw[vtype.start_depot, 0]))
    latest_back = min(vtype.shift_end, int(tw[vtype.end_depot, 1]))
    if route.leave < earliest:
        errors.append(f"{label} leaves at {route.leave}, before its shift starts at {earliest}")
    prev, ready, load, distance = vtype.start_depot, route.leave, 0, 0
    for stop in route.stops:
        name = problem.name(stop.node)
        if stop.node in depots or not 0 <= stop.node < problem.size:
            errors.append(f"{label} visits {name}, which is not a job")
            continue
        travel = int(problem.duration[prev, stop.node])
        if stop.arrival < ready + travel:
            errors.append(f"{label} reaches {name} at {stop.arrival}, before {ready + travel}")
        if stop.start < max(stop.arrival, int(tw[stop.node, 0])):
            errors.append(f"{label} serves {name} at {stop.start}, before it is there or open")
        if stop.start > tw[stop.node, 1]:
            errors.append(
                f"{label} serves {name} at {stop.start}, after its window closes at "
                f"{tw[stop.node, 1]}"
            )
        if problem.is_closed(stop.node, stop.start):
            errors.append(f"{label} serves {name} at {stop.start}, when it is closed")
        if stop.departure < stop.start + int(problem.service[stop.node]):
            errors.append(f"{label} leaves {name} before its service is done")
        load += int(problem.demand[stop.node])
        if load > vtype.capacity or load < 0:
            errors.append(f"{label} carries {load} after {name}, outside 0..{vtype.capacity}")
        if stop.load != load:
            errors.append(f"{label} reports load {stop.load} after {name}, actually {load}")
        distance += int(problem.distance[prev, stop.node])
        prev, ready = stop.node, stop.departure
    distance += int(problem.distance[prev, vtype.end_depot])
    back = ready + int(problem.duration[prev, vtype.end_depot])
    if route.back < back:
        errors.append(f"{label} reports being back at {route.back}, not before {back}")
    if max(route.back, back) > latest_back:
        errors.append(f"{label} is back at {max(route.back, back)}, after {latest_back}")
    if route.distance != distance:
        errors.append(f"{label} reports distance {route.distance}, actually {distance}")
    return errors


def check_solution(problem: FleetProblem, solution: FleetSolution) -> list[str]:
    """Every violated constraint of `solution`, as readable messages (empty when valid).

    Checks that each job is served exactly once or reported unassigned (not both), vehicles
    exist and are used at most once, times are consistent with travel and service times and
    within every window and shift and outside closures, loads stay within capacity, each
    pickup-delivery pair is on one route with the pickup first (or both unassigned), and the
    reported distance adds up.

    Parameters
    ----------
    problem
        The problem solved.
    solution
        The solution to check.

    Returns
    -------
    list[str]
        One message per violation.
    """
    errors: list[str] = []
    position: dict[int, tuple[int, int]] = {}
    vehicles_seen: set[int] = set()
    for route in solution.routes:
        if not 0 <= route.vehicle < problem.num_vehicles:
            errors.append(f"vehicle {route.vehicle} does not exist")
            continue
        if route.vehicle in vehicles_seen:
            errors.append(f"vehicle {route.vehicle} has more than one route")
        vehicles_seen.add(route.vehicle)
        if route.vehicle_type != problem.vehicle_type_of(route.vehicle):
            errors.append(f"vehicle {route.vehicle} has the wrong type {route.vehicle_type}")
            continue
        errors.extend(_check_route(problem, route))
        for index, stop in enumerate(route.stops):
            if stop.node in position:
                errors.append(f"job {problem.name(stop.node)} is served more than once")
            position[stop.node] = (route.vehicle, index)
    unassigned = {u.node for u in solution.unassigned}
    for node in problem.jobs:
        if node not in position and node not in unassigned:
            errors.append(f"job {problem.name(node)} is neither served nor reported unassigned")
        if node in position and node in unassigned:
            errors.append(f"job {problem.name(node)} is served and reported unassigned")
    for pickup, delivery in problem.pickup_delivery:
        p, d = position.get(pickup), position.get(delivery)
        pair = f"pair {problem.name(pickup)}->{problem.name(delivery)}"
        if (p is None) != (d is None):
            errors.append(f"{pair}: only one of the two is served")
        elif p is not None and d is not None:
            if p[0] != d[0]:
                errors.append(f"{pair}: pickup and delivery on different vehicles")
            elif p[1] > d[1]:
                errors.append(f"{pair}: delivery before pickup")
    total = sum(route.distance for route in solution.routes)
    if solution.distance != total:
        errors.append(f"total distance {solution.distance} is not the routes' sum {total}")
    return errors

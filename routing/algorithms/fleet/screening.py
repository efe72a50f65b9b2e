"""Jobs no vehicle can serve on its own, found before the search, each with the reason."""

from __future__ import annotations

from routing.algorithms.fleet.problem import FleetProblem
from routing.algorithms.fleet.solution import Unassigned


def _reason_for_type(problem: FleetProblem, node: int, type_index: int) -> str | None:
    vtype = problem.vehicle_types[type_index]
    tw = problem.time_windows
    if vtype.count == 0:
        return "no vehicle available"
    demand = int(problem.demand[node])
    if demand > vtype.capacity or -demand > vtype.capacity:
        return f"demand {abs(demand)} exceeds the capacity {vtype.capacity}"
    leave = max(vtype.shift_start, int(tw[vtype.start_depot, 0]))
    latest_back = min(vtype.shift_end, int(tw[vtype.end_depot, 1]))
    arrival = leave + int(problem.duration[vtype.start_depot, node])
    if max(arrival, int(tw[node, 0])) > tw[node, 1]:
        return "its time window closes before a vehicle can get there"
    start = problem.earliest_start(node, arrival)
    if start > tw[node, 1]:
        return "the place is closed whenever a vehicle could serve it within its window"
    back = start + int(problem.service[node]) + int(problem.duration[node, vtype.end_depot])
    if back > latest_back:
        return "a vehicle serving it cannot be back at the depot before the shift ends"
    return None


def unservable_jobs(problem: FleetProblem) -> list[Unassigned]:
    """Jobs that no vehicle type can serve even alone on a route.

    A job is unservable when its window is empty, or when for every vehicle type its demand
    exceeds the capacity, the window closes (or the place is closed) before the earliest arrival
    from the depot, or the
    vehicle could not be back by the end of its shift. A pickup-delivery pair goes as a whole:
    if either end is unservable, or the delivery cannot follow the pickup in time, both are.

    Parameters
    ----------
    problem
        The problem.

    Returns
    -------
    list[Unassigned]
        The unservable jobs with the reason (that of the first vehicle type when all fail).
    """
    reasons: dict[int, str] = {}
    for node in problem.jobs:
        if problem.time_windows[node, 0] > problem.time_windows[node, 1]:
            reasons[node] = "its time window is empty"
            continue
        per_type = [_reason_for_type(problem, node, t) for t in range(len(problem.vehicle_types))]
        if all(reason is not None for reason in per_type):
            reasons[node] = str(per_type[0])
    tw = problem.time_windows
    for pickup, delivery in problem.pickup_delivery:
        if pickup in reasons:
            reasons.setdefault(delivery, f"its pickup {problem.name(pickup)} cannot be served")
        elif delivery in reasons:
            reasons[pickup] = f"its delivery {problem.name(delivery)} cannot be served"
        else:
            ready = problem.earliest_start(pickup, int(tw[pickup, 0])) + int(
                problem.service[pickup]
            )
            arrival = ready + int(problem.duration[pickup, delivery])
            if problem.earliest_start(delivery, arrival) > tw[delivery, 1]:
                reasons[pickup] = "its delivery's window closes before it can be reached"
                reasons[delivery] = "its window closes before it can be reached from the pickup"
    return [Unassigned(node, reason) for node, reason in sorted(reasons.items())]

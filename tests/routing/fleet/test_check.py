"""`check_solution` finds each kind of violation in handmade solutions."""

from __future__ import annotations

from dataclasses import replace

from routing.algorithms.fleet import FleetSolution, Route, Stop, Unassigned, check_solution
from routing.algorithms.fleet.solution import build_solution
from tests.routing.fleet.factories import plane_problem

# Depot at 0; jobs 1 and 2 on a line, 3 and 4 a pickup-delivery pair.
PROBLEM = plane_problem(
    [(0, 0), (1, 0), (2, 0), (0, 1), (0, 2)],
    demand=[0, 1, 1, 2, -2],
    windows=[(0, 100), (0, 100), (0, 100), (0, 100), (0, 100)],
    capacity=3,
    pairs=((3, 4),),
)


def solution(routes: dict[int, list[int]], unassigned: tuple[int, ...] = ()) -> FleetSolution:
    return build_solution(
        PROBLEM, routes, [Unassigned(n, "test") for n in unassigned], engine="test", runtime_s=0
    )


def test_valid_solution_passes() -> None:
    """Two vehicles, each job once, pair in order: no message."""
    assert check_solution(PROBLEM, solution({0: [1, 2], 1: [3, 4]})) == []


def test_missing_and_duplicate_jobs() -> None:
    """A job nowhere, a job twice, a job both served and unassigned are each reported."""
    errors = check_solution(PROBLEM, solution({0: [1, 1], 1: [3, 4]}, unassigned=(3,)))
    assert "job 2 is neither served nor reported unassigned" in errors
    assert "job 1 is served more than once" in errors
    assert "job 3 is served and reported unassigned" in errors


def test_pairing_violations() -> None:
    """Delivery before pickup, and a pair split over two vehicles."""
    assert "pair 3->4: delivery before pickup" in check_solution(
        PROBLEM, solution({0: [1, 2], 1: [4, 3]})
    )
    assert "pair 3->4: pickup and delivery on different vehicles" in check_solution(
        PROBLEM, solution({0: [1, 2, 3], 1: [4]})
    )
    assert "pair 3->4: only one of the two is served" in check_solution(
        PROBLEM, solution({0: [1, 2, 3]}, unassigned=(4,))
    )


def test_capacity_violation() -> None:
    """All four jobs on one vehicle of capacity 3 exceed it after the pickup."""
    errors = check_solution(PROBLEM, solution({0: [1, 2, 3, 4]}))
    assert any("carries 4 after 3, outside 0..3" in e for e in errors)


def test_window_and_time_violations() -> None:
    """A service after its window closes, an arrival faster than travel, a late return."""
    good = solution({0: [1, 2], 1: [3, 4]})
    route = good.routes[0]
    late = Stop(node=2, arrival=150, start=150, departure=150, load=2)
    bad_route = replace(route, stops=(route.stops[0], late), back=152)
    errors = check_solution(PROBLEM, replace(good, routes=(bad_route, good.routes[1])))
    assert any("serves 2 at 150, after its window closes at 100" in e for e in errors)
    assert any("is back at 152, after 100" in e for e in errors)
    fast = Stop(node=1, arrival=0, start=0, departure=0, load=1)
    errors = check_solution(
        PROBLEM, replace(good, routes=(replace(route, stops=(fast, *route.stops[1:])),))
    )
    assert any("reaches 1 at 0, before 1" in e for e in errors)


def test_distance_and_vehicle_errors() -> None:
    """A wrong total, a vehicle used twice, a vehicle that does not exist."""
    good = solution({0: [1, 2], 1: [3, 4]})
    assert "total distance 1 is not the routes' sum 8" in check_solution(
        PROBLEM, replace(good, distance=1)
    )
    twice = replace(good.routes[1], vehicle=0)
    assert "vehicle 0 has more than one route" in check_solution(
        PROBLEM, replace(good, routes=(good.routes[0], twice))
    )
    ghost = Route(9, 0, (), 0, 0, 0, 0, 0)
    assert "vehicle 9 does not exist" in check_solution(
        PROBLEM, replace(good, routes=(*good.routes, ghost))
    )

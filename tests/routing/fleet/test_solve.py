"""`solve` on Solomon's C101 (25 customers), pickup-delivery pairs and impossible jobs."""

from __future__ import annotations

import numpy as np
import pytest

from routing.algorithms.fleet import (
    FleetProblem,
    SolveParams,
    VehicleType,
    check_solution,
    choose_engine,
    solve,
)
from routing.algorithms.fleet.pyvrp_engine import pyvrp_available
from routing.fleet.solomon import read_solomon, read_solution, to_problem
from tests.routing.fleet.factories import C101_25, plane_problem, shared

C101_25_OPTIMUM = 191.3  # 3 vehicles; distances truncated to one decimal


@pytest.mark.parametrize(
    "engine",
    [
        "ortools",
        pytest.param("pyvrp", marks=pytest.mark.skipif(not pyvrp_available(), reason="no pyvrp")),
    ],
)
def test_c101_25_near_optimum(engine: str) -> None:
    """Within 1 s each engine serves all 25 customers of C101 within 2% of the optimum."""
    problem = to_problem(read_solomon(C101_25))
    solution = solve(problem, SolveParams(time_limit_s=1, engine=engine))
    assert check_solution(problem, solution) == []
    assert solution.status == "feasible"
    assert solution.engine == engine
    assert not solution.unassigned
    assert solution.reported_distance(problem) <= C101_25_OPTIMUM * 1.02
    assert solution.vehicles_used <= problem.num_vehicles
    assert sorted(n for route in solution.routes for n in route.nodes) == list(range(1, 26))


def test_warm_start_keeps_the_given_plan() -> None:
    """OR-Tools started from R101's best known routes returns them or better within 0.1 s;
    cold, it is far off in that time (the warm start is used)."""
    problem = to_problem(read_solomon(shared("R101.txt")))
    known = read_solution(shared("R101.sol"))
    initial = {vehicle: list(route) for vehicle, route in enumerate(known.routes)}
    params = SolveParams(time_limit_s=0.1, engine="ortools")
    warm = solve(problem, params, initial_routes=initial)
    assert check_solution(problem, warm) == []
    assert warm.reported_distance(problem) <= 1637.7
    assert solve(problem, params).reported_distance(problem) > 1637.7


def test_pickup_before_delivery_on_one_vehicle() -> None:
    """Three pairs whose deliveries lie on the way out: each pickup precedes its delivery on the
    same route, and the load never exceeds the capacity of 1."""
    points = [(0, 0), (10, 0), (5, 0), (0, 10), (0, 5), (10, 10), (5, 5)]
    pairs = ((1, 2), (3, 4), (5, 6))
    problem = plane_problem(
        points, demand=[0, 1, -1, 1, -1, 1, -1], capacity=1, vehicles=2, pairs=pairs
    )
    assert choose_engine(problem, SolveParams()) == "ortools"
    solution = solve(problem, SolveParams(time_limit_s=0.5))
    assert check_solution(problem, solution) == []
    assert not solution.unassigned
    for pickup, delivery in pairs:
        route = next(r for r in solution.routes if pickup in r.nodes)
        assert route.nodes.index(pickup) < route.nodes.index(delivery)
    assert all(route.max_load <= 1 for route in solution.routes)


def test_impossible_jobs_reported_with_reason() -> None:
    """A window that closes before anyone can arrive, an empty window and a demand over the
    capacity are unassigned with their reasons; a pair goes with its impossible end; the rest
    is served."""
    points = [(0, 0), (5, 0), (50, 0), (0, 5), (3, 3), (4, 4), (6, 0)]
    windows = [(0, 1000), (0, 100), (0, 10), (0, 100), (40, 30), (0, 100), (0, 3)]
    problem = plane_problem(
        points,
        windows=windows,
        demand=[0, 1, 1, 99, 1, 1, -1],
        pairs=((5, 6),),
        capacity=10,
    )
    solution = solve(problem, SolveParams(time_limit_s=0.5))
    assert check_solution(problem, solution) == []
    reasons = {u.node: u.reason for u in solution.unassigned}
    assert "closes before a vehicle can get there" in reasons[2]
    assert "exceeds the capacity 10" in reasons[3]
    assert "window is empty" in reasons[4]
    assert "closes before a vehicle can get there" in reasons[6]
    assert "its delivery 6 cannot be served" in reasons[5]
    assert [n for route in solution.routes for n in route.nodes] == [1]
    assert solution.status == "partial"


def test_fleet_too_small_drops_a_job() -> None:
    """One vehicle of capacity 2 and three unit jobs: two served, one dropped with a reason."""
    problem = plane_problem([(0, 0), (1, 0), (2, 0), (3, 0)], vehicles=1, capacity=2)
    solution = solve(problem, SolveParams(time_limit_s=0.5, engine="ortools"))
    assert check_solution(problem, solution) == []
    assert len(solution.unassigned) == 1
    assert "no route could take it" in solution.unassigned[0].reason


def test_schedule_leaves_late_to_avoid_waiting() -> None:
    """The vehicle leaves the depot so as to arrive as the first window opens: the route's
    duration has no avoidable waiting, and arrival and service times are reported."""
    problem = plane_problem(
        [(0, 0), (10, 0), (20, 0)], windows=[(0, 500), (100, 120), (110, 200)], service=5
    )
    solution = solve(problem, SolveParams(time_limit_s=0.3, engine="ortools"))
    (route,) = solution.routes
    assert route.nodes == [1, 2]
    assert route.leave == 90
    assert [(s.arrival, s.start, s.departure) for s in route.stops] == [
        (100, 100, 105),
        (115, 115, 120),
    ]
    assert route.back == 140
    assert route.distance == 40


def test_problem_validates_itself() -> None:
    """Wrong shapes, float matrices, a depot with demand and bad pairs fail at construction."""
    good = plane_problem([(0, 0), (1, 0), (2, 0)])
    with pytest.raises(ValueError, match="integer array"):
        FleetProblem(
            good.distance.astype(float),
            good.duration,
            good.demand,
            good.time_windows,
            good.service,
            good.vehicle_types,
        )
    with pytest.raises(ValueError, match="shape"):
        FleetProblem(
            good.distance[:2],
            good.duration,
            good.demand,
            good.time_windows,
            good.service,
            good.vehicle_types,
        )
    with pytest.raises(ValueError, match="depot 0 has a demand"):
        FleetProblem(
            good.distance,
            good.duration,
            np.array([1, 1, 1]),
            good.time_windows,
            good.service,
            good.vehicle_types,
        )
    with pytest.raises(ValueError, match="more than one pickup-delivery pair"):
        plane_problem([(0, 0), (1, 0), (2, 0), (3, 0)], pairs=((1, 2), (2, 3)))
    with pytest.raises(ValueError, match="not a job"):
        plane_problem([(0, 0), (1, 0), (2, 0)], pairs=((0, 2),))
    with pytest.raises(ValueError, match="shift_start"):
        VehicleType(count=1, capacity=1, shift_start=5, shift_end=1)


def test_params_validate_themselves() -> None:
    """A non-positive time limit, an unknown engine, and PyVRP with pairs are refused."""
    with pytest.raises(ValueError, match="time_limit_s"):
        SolveParams(time_limit_s=0)
    with pytest.raises(ValueError, match="engine"):
        SolveParams(engine="cplex")
    paired = plane_problem([(0, 0), (1, 0), (2, 0)], demand=[0, 1, -1], pairs=((1, 2),))
    with pytest.raises(ValueError, match="pyvrp engine"):
        solve(paired, SolveParams(engine="pyvrp"))

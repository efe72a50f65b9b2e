"""The Solomon instance and CVRPLIB solution readers, and the distance conventions."""

from __future__ import annotations

import pytest

from routing.fleet.solomon import (
    SolomonFormatError,
    parse_solomon,
    parse_solution,
    read_solomon,
    read_solution,
    solution_cost,
    to_problem,
)
from tests.routing.fleet.factories import shared


def test_reads_c101() -> None:
    """C101: 100 customers, 25 vehicles of capacity 200, the depot's due date 1236."""
    instance = read_solomon(shared("C101.txt"))
    assert instance.name == "C101"
    assert (instance.vehicles, instance.capacity, instance.customers) == (25, 200, 100)
    assert instance.ids[:3] == (0, 1, 2)
    assert tuple(instance.coords[1]) == (45.0, 68.0)
    assert (instance.demand[1], instance.ready[1], instance.due[1], instance.service[1]) == (
        10,
        912,
        967,
        90,
    )
    assert instance.due[0] == 1236


def test_sol_cost_matches_both_conventions() -> None:
    """The .sol routes of C101 cost 827.3 truncated to one decimal, 828.9369 unrounded, as
    solomon_bks.csv says, and serve every customer once."""
    instance = read_solomon(shared("C101.txt"))
    solution = read_solution(shared("C101.sol"))
    assert len(solution.routes) == 10
    assert solution.cost == pytest.approx(827.3)
    assert sorted(c for route in solution.routes for c in route) == list(range(1, 101))
    assert solution_cost(instance, solution.routes) == pytest.approx(827.3)
    assert solution_cost(instance, solution.routes, "exact") == pytest.approx(828.9369, abs=1e-4)


def test_problem_scales_times_with_distances() -> None:
    """Under trunc1 distances, windows and service times are all in tenths."""
    problem = to_problem(read_solomon(shared("C101.txt")))
    assert problem.distance_scale == 10
    assert problem.distance[0, 1] == 186  # sqrt(5^2 + 18^2) = 18.68... truncated to 18.6
    assert tuple(problem.time_windows[1]) == (9120, 9670)
    assert problem.service[1] == 900
    assert problem.num_vehicles == 25
    exact = to_problem(read_solomon(shared("C101.txt")), "exact")
    assert exact.distance[0, 1] == 18682  # thousandths, rounded
    assert exact.time_windows[1, 0] == 912_000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello\nworld\n", "no VEHICLE section"),
        ("X\nVEHICLE\nNUMBER CAPACITY\n 2 10\n", "no CUSTOMER rows"),
        (
            "X\nVEHICLE\nNUMBER CAPACITY\n 2 10\nCUST NO. XCOORD.\n 0 1 2 0 0 9\n",
            "<text>:6: expected 7 numbers",
        ),
        (
            "X\nVEHICLE\nNUMBER CAPACITY\n 2 10\nCUST NO. XCOORD.\n 1 1 2 0 0 9 0\n",
            "must be the depot",
        ),
    ],
)
def test_bad_instances_say_where(text: str, message: str) -> None:
    """A malformed file raises SolomonFormatError naming the problem (and line)."""
    with pytest.raises(SolomonFormatError, match=message):
        parse_solomon(text)


def test_bad_solution() -> None:
    """A solution without routes, or with a non-number in a route, is rejected."""
    with pytest.raises(SolomonFormatError, match="no 'Route #'"):
        parse_solution("Cost 3\n")
    with pytest.raises(SolomonFormatError, match=":1: bad route"):
        parse_solution("Route #1: 1 x\n")

"""Closures (a terminal's closed hours inside a job's window): the engine never serves a job
while closed, the check catches a schedule that does, and screening says why a job is out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from routing.algorithms.fleet import FleetProblem, SolveParams, check_solution, solve
from routing.algorithms.fleet.solution import build_solution
from tests.routing.fleet.factories import plane_problem


def closed_problem(closed: dict[int, tuple[tuple[int, int], ...]]) -> FleetProblem:
    base = plane_problem([(0, 0), (10, 0), (20, 0), (0, 10)], service=5, vehicles=2)
    return replace(base, closed=closed)


def test_service_waits_for_the_terminal_to_open() -> None:
    """A job closed from 0 to 100 is served at 100 at the earliest, and the solution passes
    the check; every served start lies outside the closures."""
    problem = closed_problem({1: ((0, 100),), 2: ((30, 60), (200, 10_001))})
    solution = solve(problem, SolveParams(time_limit_s=1, engine="ortools"))
    assert check_solution(problem, solution) == []
    assert not solution.unassigned
    starts = {s.node: s.start for r in solution.routes for s in r.stops}
    assert starts[1] >= 100
    assert not 30 <= starts[2] < 60
    assert starts[2] < 200


def test_check_reports_service_while_closed() -> None:
    """A schedule computed without the closure serves the job while closed: the check says so."""
    open_problem = plane_problem([(0, 0), (10, 0)], service=5, vehicles=1)
    schedule = build_solution(open_problem, {0: [1]}, [], engine="test", runtime_s=0.0)
    closed = replace(open_problem, closed={1: ((0, 50),)})
    assert any("when it is closed" in e for e in check_solution(closed, schedule))


def test_screening_names_a_closure() -> None:
    """A job whose window lies wholly in a closure is unassigned with a reason saying so; a
    pickup-delivery pair whose delivery is always closed goes out as a pair."""
    problem = closed_problem({1: ((0, 10_001),)})
    solution = solve(problem, SolveParams(time_limit_s=1, engine="ortools"))
    reasons = {u.node: u.reason for u in solution.unassigned}
    assert "closed" in reasons[1]
    assert check_solution(problem, solution) == []
    paired = replace(
        plane_problem([(0, 0), (10, 0), (20, 0)], demand=[0, 1, -1], pairs=((1, 2),), vehicles=1),
        closed={2: ((0, 10_001),)},
    )
    out = solve(paired, SolveParams(time_limit_s=1, engine="ortools"))
    assert {u.node for u in out.unassigned} == {1, 2}
    assert check_solution(paired, out) == []


def test_late_departure_does_not_slide_into_a_closure() -> None:
    """The schedule delays leaving the depot to cut the wait for the second job's window (at
    100), but never so far that the first job's service (closed from 15) would fall in its
    closure."""
    problem = replace(
        plane_problem(
            [(0, 0), (10, 0), (20, 0)],
            service=0,
            vehicles=1,
            windows=[(0, 10_000), (0, 10_000), (100, 10_000)],
        ),
        closed={1: ((15, 10_001),)},
    )
    schedule = build_solution(problem, {0: [1, 2]}, [], engine="test", runtime_s=0.0)
    assert check_solution(problem, schedule) == []
    first, second = schedule.routes[0].stops
    assert first.start < 15
    assert second.start == 100
    assert schedule.routes[0].leave == 4  # as late as the closure allows, not 80


def test_closed_intervals_validate_themselves() -> None:
    """Overlapping, empty or depot closures are refused when the problem is made."""
    base = plane_problem([(0, 0), (10, 0)])
    for closed in ({1: ((5, 5),)}, {1: ((0, 10), (5, 20))}, {0: ((0, 10),)}):
        try:
            replace(base, closed=closed)
        except ValueError:
            continue
        raise AssertionError(f"{closed} was accepted")
    assert not replace(base, closed={1: ((0, 1),)}).is_plain
    assert np.array_equal(base.demand, replace(base, closed={}).demand)


def test_earliest_start_skips_touching_closures() -> None:
    """Closures that touch ([0, 10) then [10, 20)) are crossed together: the earliest start
    from 5 is 20, not 10 (closed too); an open moment is its own earliest start."""
    problem = closed_problem({1: ((0, 10), (10, 20), (25, 30))})
    assert [problem.earliest_start(1, t) for t in (5, 21, 26, 40)] == [20, 21, 30, 40]
    assert not problem.is_closed(1, problem.earliest_start(1, 5))

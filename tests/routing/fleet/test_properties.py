"""Random small problems: whatever the engine returns passes `check_solution`."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.algorithms.fleet import FleetProblem, SolveParams, check_solution, solve
from tests.routing.fleet.factories import plane_problem


@st.composite
def problems(draw: st.DrawFn) -> FleetProblem:
    """Up to 8 jobs around a depot, random windows and demands, maybe one pickup-delivery."""
    jobs = draw(st.integers(min_value=1, max_value=8))
    points = [(0, 0)] + [
        (draw(st.integers(-20, 20)), draw(st.integers(-20, 20))) for _ in range(jobs)
    ]
    windows = [(0, 200)]
    for _ in range(jobs):
        start = draw(st.integers(0, 150))
        windows.append((start, start + draw(st.integers(0, 60))))
    demand = [0] + [draw(st.integers(0, 4)) for _ in range(jobs)]
    pairs: tuple[tuple[int, int], ...] = ()
    if jobs >= 2 and draw(st.booleans()):
        pairs = ((1, 2),)
        demand[2] = -demand[1]
    return plane_problem(
        points,
        windows=windows,
        demand=demand,
        pairs=pairs,
        vehicles=draw(st.integers(1, 3)),
        capacity=6,
        service=3,
    )


@settings(max_examples=12, deadline=None)
@given(problems())
def test_solutions_pass_the_check(problem: FleetProblem) -> None:
    """Every job is served or unassigned with a reason, and the plan violates nothing."""
    solution = solve(problem, SolveParams(time_limit_s=0.1, engine="ortools"))
    assert check_solution(problem, solution) == []
    assert all(u.reason for u in solution.unassigned)


@settings(max_examples=8, deadline=None)
@given(problems())
def test_auto_engine_passes_the_check(problem: FleetProblem) -> None:
    """The same with engine auto (PyVRP for the plain problems, OR-Tools after it fails)."""
    solution = solve(problem, SolveParams(time_limit_s=0.1, seed=1))
    assert check_solution(problem, solution) == []

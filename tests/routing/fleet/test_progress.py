"""The OR-Tools engine reports its progress as the share of the time limit used."""

from __future__ import annotations

from routing.algorithms.fleet import SolveParams, check_solution, solve
from tests.routing.fleet.factories import plane_problem


def test_progress_is_reported_between_zero_and_one() -> None:
    """Each better solution reports a share of the budget in [0, 1], never going back."""
    points = [(0, 0)] + [(x * 7 % 50, x * 13 % 50) for x in range(1, 30)]
    problem = plane_problem(points, vehicles=5, capacity=8)
    shares: list[float] = []
    solution = solve(
        problem, SolveParams(time_limit_s=0.5, engine="ortools"), progress=shares.append
    )
    assert check_solution(problem, solution) == []
    assert shares
    assert all(0.0 <= share <= 1.0 for share in shares)
    assert shares == sorted(shares)

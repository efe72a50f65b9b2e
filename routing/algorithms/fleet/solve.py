"""`solve`: screen out unservable jobs, pick an engine, schedule and report the routes."""

from __future__ import annotations

import time
from collections.abc import Callable

from routing.algorithms.fleet.ortools_engine import solve_ortools
from routing.algorithms.fleet.params import SolveParams
from routing.algorithms.fleet.problem import FleetProblem
from routing.algorithms.fleet.pyvrp_engine import pyvrp_available, solve_pyvrp
from routing.algorithms.fleet.screening import unservable_jobs
from routing.algorithms.fleet.solution import (
    EngineResult,
    FleetSolution,
    Unassigned,
    build_solution,
)

DROPPED_REASON = "no route could take it with the other jobs (capacity, windows or fleet size)"


def choose_engine(problem: FleetProblem, params: SolveParams) -> str:
    """The engine `solve` uses: ``auto`` is PyVRP for a plain VRPTW when installed."""
    if params.engine == "pyvrp" and not problem.is_plain:
        raise ValueError("the pyvrp engine takes no pickup-delivery pairs or negative demands")
    if params.engine != "auto":
        return params.engine
    return "pyvrp" if problem.is_plain and pyvrp_available() else "ortools"


def solve(
    problem: FleetProblem,
    params: SolveParams | None = None,
    initial_routes: dict[int, list[int]] | None = None,
    progress: Callable[[float], None] | None = None,
) -> FleetSolution:
    """Route the fleet over the jobs, minimising fixed, distance and time costs.

    Jobs that no vehicle can serve even alone (empty or unreachable window, demand over every
    capacity) are reported unassigned with the reason and left out of the search. The engine
    then searches within ``params.time_limit_s``. If PyVRP finds no feasible solution, OR-Tools
    (which may leave jobs out) gets a second budget of the same length.

    Parameters
    ----------
    problem
        The problem.
    params
        Engine, time limit and seed (default: `SolveParams()`).
    initial_routes
        Warm start for the OR-Tools engine (e.g. the current plan when re-planning): vehicle
        number to job nodes. Ignored by PyVRP, and by OR-Tools if it is not feasible.
    progress
        OR-Tools only: called with the share of the time limit used at each better solution.

    Returns
    -------
    FleetSolution
        Routes with their schedules, unassigned jobs with reasons, totals, engine and status.
    """
    params = params or SolveParams()
    started = time.perf_counter()
    engine = choose_engine(problem, params)
    unservable = unservable_jobs(problem)
    skip = [u.node for u in unservable]
    result: EngineResult | None = None
    if engine == "pyvrp":
        result = solve_pyvrp(problem, params, skip)
        if result.status == "infeasible":
            result, engine = None, "ortools"
    if result is None:
        result = solve_ortools(problem, params, skip, initial_routes, progress)
    unassigned = [*unservable, *(Unassigned(node, DROPPED_REASON) for node in result.dropped)]
    return build_solution(
        problem,
        result.routes,
        unassigned,
        engine=engine,
        runtime_s=time.perf_counter() - started,
        engine_status=result.status,
    )

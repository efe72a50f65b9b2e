"""Solver parameters: the engine, the stopping criterion (a time limit) and the seed."""

from __future__ import annotations

from dataclasses import dataclass

ENGINES = ("auto", "ortools", "pyvrp")
FIRST_SOLUTIONS = ("PARALLEL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC", "AUTOMATIC")


@dataclass(frozen=True)
class SolveParams:
    """How to solve a `FleetProblem`; validates itself.

    Attributes
    ----------
    time_limit_s
        Wall-time budget of the search, in seconds.
    seed
        Random seed (PyVRP; OR-Tools' guided local search is deterministic given its budget).
    engine
        ``ortools`` (every side constraint), ``pyvrp`` (plain VRPTW: no pickup-delivery pairs,
        no negative demands) or ``auto``: PyVRP for a plain problem when it is installed,
        OR-Tools otherwise.
    first_solution
        OR-Tools first solution strategy.
    drop_penalty
        OR-Tools cost of leaving a job out; None: large enough that a job is left out only
        when no route can take it.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    engine: str = "auto"
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    drop_penalty: int | None = None

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise ValueError(f"time_limit_s must be > 0, got {self.time_limit_s}")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.first_solution not in FIRST_SOLUTIONS:
            raise ValueError(f"first_solution must be one of {', '.join(FIRST_SOLUTIONS)}")
        if self.seed < 0:
            raise ValueError("seed must be >= 0")
        if self.drop_penalty is not None and self.drop_penalty < 0:
            raise ValueError("drop_penalty must be >= 0")

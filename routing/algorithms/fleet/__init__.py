"""Fleet routing: vehicle routing with time windows, capacities and pickup-delivery pairs.

A `FleetProblem` (integer matrices, demands, windows, service times, vehicle types, pairs) and
`SolveParams` (engine, time limit, seed) go into `solve`, which returns a `FleetSolution`:
routes with arrival and service times, unassigned jobs with their reason, distance, cost,
engine and status. `check_solution` verifies a solution independently of the engines.

Engines: OR-Tools' routing library (every side constraint) and, for plain VRPTW, PyVRP.
"""

from routing.algorithms.fleet.check import check_solution
from routing.algorithms.fleet.params import SolveParams
from routing.algorithms.fleet.problem import FleetProblem, VehicleType
from routing.algorithms.fleet.solution import FleetSolution, Route, Stop, Unassigned
from routing.algorithms.fleet.solve import choose_engine, solve

__all__ = [
    "FleetProblem",
    "FleetSolution",
    "Route",
    "SolveParams",
    "Stop",
    "Unassigned",
    "VehicleType",
    "check_solution",
    "choose_engine",
    "solve",
]

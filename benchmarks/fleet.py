"""Solomon VRPTW: gap to the best known distance, our solver against PyVRP at the same budget.

    .venv/bin/python benchmarks/fleet.py [--time-limit 10] [--instances C101,R101]
                                         [--solvers ortools,auto,pyvrp] [--seed 0]
                                         [--convention trunc1|exact]

Instances: the Solomon 100-customer C1, R1 and RC1 sets in ../shared/data/vrptw/solomon, with
the CVRPLIB convention of their ``.sol`` files (Euclidean distance truncated to one decimal,
travel time = distance, at most the file's VEHICLE NUMBER), compared with
``cvrplib_cost_trunc1`` of solomon_bks.csv (``--convention exact``: distances to a thousandth,
against ``cvrplib_routes_double_distance``, our distance then measured unrounded). Solvers,
each with the same time limit:

- ``ortools``: `routing.algorithms.fleet.solve` with engine ``ortools`` (guided local search,
  the engine that takes every side constraint);
- ``auto``: the same `solve` with engine ``auto``, which on a plain VRPTW is PyVRP through our
  wrapper (screening, our scheduling and `check_solution`);
- ``pyvrp``: PyVRP on its own, fed by vrplib's Solomon reader (none of our code), the peer.

Every solution of ours is checked with `check_solution`; a non-empty check or an unserved
customer is printed. Prints a table per instance, then averages per family and overall. It
prints, never asserts; with the data absent it says so and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "vrptw"
SOLVERS = ("ortools", "auto", "pyvrp")
BKS_COLUMN = {"trunc1": "cvrplib_cost_trunc1", "exact": "cvrplib_routes_double_distance"}
SCALE = {"trunc1": 10, "exact": 1000}


def load_bks() -> dict[str, dict[str, str]]:
    """solomon_bks.csv by instance name."""
    with (DATA / "solomon_bks.csv").open(newline="") as handle:
        return {row["instance"]: row for row in csv.DictReader(handle)}


def run_ours(
    path: Path, engine: str, time_limit: float, seed: int, convention: str
) -> tuple[float, int, str]:
    """Distance, vehicles and a note (check failures, unassigned) with our `solve`."""
    from routing.algorithms.fleet import SolveParams, check_solution, solve
    from routing.fleet.solomon import read_solomon, solution_cost, to_problem

    instance = read_solomon(path)
    problem = to_problem(instance, convention)
    solution = solve(problem, SolveParams(time_limit_s=time_limit, seed=seed, engine=engine))
    errors = check_solution(problem, solution)
    note = f"CHECK FAILED: {errors[0]}" if errors else ""
    if solution.unassigned:
        note += f" {len(solution.unassigned)} unassigned"
    routes = [[instance.ids[n] for n in route.nodes] for route in solution.routes]
    distance = solution_cost(instance, routes, convention)
    return distance, solution.vehicles_used, note.strip()


def run_pyvrp(path: Path, time_limit: float, seed: int, convention: str) -> tuple[float, int, str]:
    """Distance and vehicles with PyVRP alone (vrplib reads the instance)."""
    import numpy as np
    import vrplib
    from pyvrp import Model, solve
    from pyvrp.stop import MaxRuntime

    instance = vrplib.read_instance(path, instance_format="solomon")
    scale = SCALE[convention]
    weights = np.asarray(instance["edge_weight"]) * scale
    if convention == "trunc1":
        scaled = np.floor(weights + 1e-9).astype(np.int64)
    else:
        scaled = np.round(weights).astype(np.int64)
    windows = np.asarray(instance["time_window"]) * scale
    service = np.asarray(instance["service_time"]) * scale
    model = Model()
    depot = model.add_depot(
        model.add_location(x=0, y=0), tw_early=int(windows[0, 0]), tw_late=int(windows[0, 1])
    )
    for node in range(1, len(scaled)):
        model.add_client(
            model.add_location(x=0, y=0),
            delivery=[int(instance["demand"][node])],
            service_duration=int(service[node]),
            tw_early=int(windows[node, 0]),
            tw_late=int(windows[node, 1]),
        )
    model.add_vehicle_type(
        num_available=int(instance["vehicles"]),
        capacity=[int(instance["capacity"])],
        start_depot=depot,
        end_depot=depot,
        tw_early=int(windows[0, 0]),
        tw_late=int(windows[0, 1]),
    )
    matrices = [scaled]
    data = model.data().replace(
        distance_matrices=matrices,  # type: ignore[arg-type]
        duration_matrices=matrices,  # type: ignore[arg-type]
    )
    best = solve(data, MaxRuntime(time_limit), seed=seed, display=False).best
    note = "" if best.is_feasible() else "infeasible"
    return best.distance() / scale, best.num_routes(), note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--instances", default="", help="comma-separated, e.g. C101,R101")
    parser.add_argument("--solvers", default=",".join(SOLVERS), help="of ortools,auto,pyvrp")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--convention", choices=list(BKS_COLUMN), default="trunc1")
    args = parser.parse_args()
    if not (DATA / "solomon_bks.csv").exists():
        print(f"{DATA} is absent (../shared/data beside the repository): nothing to measure")
        return
    bks = load_bks()
    names = [n.strip() for n in args.instances.split(",") if n.strip()] or list(bks)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    for name in (*names, *solvers):
        if name not in bks and name not in SOLVERS:
            parser.error(f"unknown instance or solver {name!r}")
    print(
        f"Solomon VRPTW, {args.time_limit:g} s per solve, seed {args.seed}, "
        f"{args.convention} distances vs {BKS_COLUMN[args.convention]}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    header = f"{'instance':<8} {'BKS':>8} {'veh':>3}"
    for solver in solvers:
        header += f" | {solver:>8} {'veh':>3} {'gap %':>6}"
    print(header)
    gaps: dict[str, dict[str, list[float]]] = {s: {} for s in solvers}
    notes: list[str] = []
    started = time.perf_counter()
    for name in names:
        row = bks[name]
        best = float(row[BKS_COLUMN[args.convention]])
        line = f"{name:<8} {best:>8.1f} {row['cvrplib_vehicles']:>3}"
        path = DATA / "solomon" / f"{name}.txt"
        for solver in solvers:
            if solver == "pyvrp":
                distance, vehicles, note = run_pyvrp(
                    path, args.time_limit, args.seed, args.convention
                )
            else:
                distance, vehicles, note = run_ours(
                    path, solver, args.time_limit, args.seed, args.convention
                )
            distance = round(distance, 4)  # the precision of solomon_bks.csv
            gap = 100 * (distance - best) / best
            gaps[solver].setdefault(row["family"], []).append(gap)
            line += f" | {distance:>8.1f} {vehicles:>3} {gap:>6.2f}"
            if note:
                notes.append(f"{name} {solver}: {note}")
        print(line, flush=True)
    print()
    families = sorted({bks[n]["family"] for n in names})
    print(f"{'average gap %':<13}" + "".join(f" {s:>8}" for s in solvers))
    for family in [*families, "all"]:
        cells = []
        for solver in solvers:
            values = [
                g
                for f, family_gaps in gaps[solver].items()
                if family in (f, "all")
                for g in family_gaps
            ]
            cells.append(f" {statistics.mean(values):>8.2f}")
        print(f"{family:<13}" + "".join(cells))
    for note in notes:
        print(note)
    print(
        f"\n{len(names)} instances x {len(solvers)} solvers in "
        f"{time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()

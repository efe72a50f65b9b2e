"""`mobility fleet ...`: solve vehicle routing instances from files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Fleet routing: vehicle routing with time windows.")


@app.command("solve")
def solve_file(
    file: Annotated[Path, typer.Argument(help="The instance file")],
    format: Annotated[str, typer.Option("--format", help="Instance format: solomon")] = "solomon",
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Search time in seconds")
    ] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    engine: Annotated[str, typer.Option(help="auto, ortools or pyvrp")] = "auto",
    seed: Annotated[int, typer.Option(min=0, help="Random seed")] = 0,
    convention: Annotated[
        str, typer.Option(help="Distances: trunc1 (one decimal, truncated) or exact")
    ] = "trunc1",
) -> None:
    """Solve a Solomon VRPTW instance: minimum total distance within the file's fleet.

    Prints vehicles used, total distance and the routes (customer ids, depot omitted); exit
    status 1 if some customer could not be served.
    """
    from routing.algorithms.fleet import SolveParams, check_solution, solve
    from routing.fleet.solomon import CONVENTIONS, SolomonFormatError, read_solomon, to_problem
    from services.cli import err, fail

    if format != "solomon":
        fail(f"--format must be solomon, got {format!r}", 2)
    if convention not in CONVENTIONS:
        fail(f"--convention must be one of {', '.join(CONVENTIONS)}", 2)
    try:
        params = SolveParams(time_limit_s=time_limit, seed=seed, engine=engine)
    except ValueError as exc:
        fail(str(exc), 2)
    try:
        instance = read_solomon(file)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except SolomonFormatError as exc:
        fail(str(exc))
    problem = to_problem(instance, convention)
    solution = solve(problem, params)
    errors = check_solution(problem, solution)
    if errors:  # an engine bug, never expected: say so rather than print a wrong plan
        fail(f"the {solution.engine} solution fails its check: {errors[0]}")
    distance = round(solution.reported_distance(problem), 1 if convention == "trunc1" else 3)
    routes = [[int(problem.name(node)) for node in route.nodes] for route in solution.routes]
    if as_json:
        body = {"vehicles": solution.vehicles_used, "distance": distance, "routes": routes}
        typer.echo(json.dumps(body))
    else:
        typer.echo(
            f"{instance.name}: {solution.vehicles_used} vehicles, distance {distance} "
            f"({solution.engine}, {solution.runtime_s:.1f} s)"
        )
        for number, route in enumerate(routes, 1):
            typer.echo(f"Route #{number}: {' '.join(str(c) for c in route)}")
    if solution.unassigned:
        for job in solution.unassigned:
            err.print(f"unassigned {problem.name(job.node)}: {job.reason}", highlight=False)
        raise typer.Exit(1)

"""`mobility traffic ...`: road traffic. Here `assign`; the network, demand and counts commands
of `cli_traffic_data` and `cli_traffic_counts` register themselves onto the same sub-app."""

from __future__ import annotations

import csv
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from services.cli_traffic_counts import register as register_counts
from services.cli_traffic_data import register as register_data
from services.cli_traffic_odme import register as register_odme
from services.cli_traffic_scenarios import register as register_scenarios

if TYPE_CHECKING:
    from mobility.traffic.tntp import TntpNetwork
    from routing.algorithms.assignment import AssignmentResult

traffic_app = typer.Typer(
    no_args_is_help=True, help="Road traffic: networks, demand, counts, assignment."
)
CSV_COLUMNS = ["init_node", "term_node", "volume", "travel_time"]


@traffic_app.command("assign")
def assign(
    net: Annotated[Path, typer.Argument(help="TNTP network file (*_net.tntp)")],
    trips: Annotated[Path, typer.Argument(help="TNTP trip table (*_trips.tntp)")],
    out: Annotated[Path, typer.Option("--out", help="CSV of link volumes and times to write")],
    nodes: Annotated[
        Path | None,
        typer.Option(help="TNTP node file (*_node.tntp): adds link end coordinates to the CSV"),
    ] = None,
    gap: Annotated[float, typer.Option(min=0.0, help="Target relative gap")] = 1e-5,
    max_iter: Annotated[int, typer.Option("--max-iter", min=1, help="Iteration limit")] = 1000,
    method: Annotated[
        str, typer.Option(help="path (gradient projection) or bfw (bi-conjugate Frank-Wolfe)")
    ] = "path",
    time_budget: Annotated[
        float | None, typer.Option("--time-budget", min=0.001, help="Stop after these seconds")
    ] = None,
    toll_factor: Annotated[
        float, typer.Option(min=0.0, help="Time units per unit of toll (generalized cost)")
    ] = 0.0,
    distance_factor: Annotated[
        float, typer.Option(min=0.0, help="Time units per unit of length (generalized cost)")
    ] = 0.0,
) -> None:
    """User-equilibrium assignment (BPR) of a TNTP network and trip table; writes link flows."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mobility.errors import MobilityError
    from mobility.traffic.tntp import read_net, read_nodes, read_trips
    from routing.algorithms.assignment import (
        METHODS,
        StoppingCriterion,
        class_from_tntp,
        generalized_cost,
        network_from_tntp,
    )
    from routing.algorithms.assignment import assign as solve
    from services.cli import err, fail

    if method not in METHODS:
        fail(f"--method {method!r}: one of {', '.join(METHODS)}")
    try:
        network = read_net(net)
        demand = read_trips(trips)
        coordinates = read_nodes(nodes) if nodes is not None else None
    except MobilityError as exc:
        fail(exc.detail)
    if demand.n_zones > network.n_zones:
        fail(f"{trips} has {demand.n_zones} zones, {net} only {network.n_zones}")
    if coordinates is not None:
        used = set(network.init_node.tolist()) | set(network.term_node.tolist())
        missing = sorted(used - set(coordinates))
        if missing:
            fail(f"{nodes} lacks node {missing[0]} ({len(missing)} nodes of {net} missing)")

    # The bar runs from the first gap to the target on a log scale: the gap falls roughly
    # geometrically, so the bar moves evenly.
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("iteration 0", total=1.0)
        first_gap: list[float] = []

        def report(iteration: int, relative_gap: float) -> None:
            if not first_gap:
                first_gap.append(max(relative_gap, gap * 10, 1e-300))
            done = 1.0
            if relative_gap > gap > 0:
                done = math.log(first_gap[0] / relative_gap) / math.log(first_gap[0] / gap)
            progress.update(
                task,
                completed=min(max(done, 0.0), 1.0),
                description=f"iteration {iteration:5d}  gap {relative_gap:.3e}",
            )

        started = time.perf_counter()
        try:
            result = solve(
                network_from_tntp(network),
                [
                    class_from_tntp(
                        demand,
                        n_zones=network.n_zones,
                        fixed_cost=generalized_cost(
                            network, toll_factor=toll_factor, distance_factor=distance_factor
                        ),
                    )
                ],
                method="bfw" if method == "bfw" else "path",
                stop=StoppingCriterion(gap=gap, max_iterations=max_iter, time_budget_s=time_budget),
                progress=report,
            )
        except ValueError as exc:
            fail(str(exc))
        elapsed = time.perf_counter() - started
    try:
        _write_csv(out, network, result, coordinates)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    status = "reached" if result.converged else "NOT reached"
    typer.echo(
        f"{method}: {result.iterations} iterations, relative gap {result.relative_gap:.3e} "
        f"(target {gap:g} {status}), {elapsed:.2f} s; {network.n_links} links written to {out}"
    )


def _write_csv(
    out: Path,
    network: TntpNetwork,
    result: AssignmentResult,
    coordinates: dict[int, tuple[float, float]] | None,
) -> None:
    columns = list(CSV_COLUMNS)
    if coordinates is not None:
        columns += ["init_x", "init_y", "term_x", "term_y"]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for a in range(network.n_links):
            i, j = int(network.init_node[a]), int(network.term_node[a])
            row: list[object] = [
                i,
                j,
                repr(float(result.volume[a])),
                repr(float(result.travel_time[a])),
            ]
            if coordinates is not None:
                row += [*coordinates[i], *coordinates[j]]
            writer.writerow(row)


register_data(traffic_app)
register_counts(traffic_app)
register_odme(traffic_app)
register_scenarios(traffic_app)

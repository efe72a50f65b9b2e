"""`mobility traffic adjust-od`: adjust a TNTP trip table to link counts (Spiess's ODME).

Registered onto the `traffic` sub-app by `register`. The counts file is a CSV with the columns
``init_node,term_node,volume`` (TNTP node ids, hourly volumes in the assignment's units); any
problem with the inputs exits 1 with one line.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import numpy as np

    from mobility.traffic.tntp import TntpNetwork

COUNTS_COLUMNS = ("init_node", "term_node", "volume")
OUTPUT_SUFFIXES = (".tntp", ".csv")
# Destinations per line of a written TNTP trip table, as the collection's files have them.
TNTP_PER_LINE = 5


class BadCounts(ValueError):
    """The counts file cannot be used: the message names the file and the line."""


def adjust_od(
    net: Annotated[Path, typer.Argument(help="TNTP network file (*_net.tntp)")],
    trips: Annotated[Path, typer.Argument(help="TNTP trip table (*_trips.tntp): the seed")],
    counts: Annotated[Path, typer.Argument(help="CSV: init_node,term_node,volume (an hour)")],
    out: Annotated[
        Path, typer.Option("--out", help="Adjusted matrix: *.tntp (trip table) or *.csv")
    ],
    gap: Annotated[float, typer.Option(min=0.0, help="Relative gap of each assignment")] = 1e-4,
    iterations: Annotated[
        int, typer.Option("--iterations", min=1, help="At most this many adjustment iterations")
    ] = 20,
    max_change: Annotated[
        float,
        typer.Option("--max-change", min=1.0, help="Cells stay within seed/F .. seed*F"),
    ] = 3.0,
) -> None:
    """Adjust the trip table so its equilibrium volumes match the counts; report GEH fit."""
    from mobility.errors import MobilityError
    from mobility.traffic.tntp import read_net, read_trips
    from routing.algorithms.assignment import class_from_tntp, network_from_tntp
    from routing.algorithms.assignment.odme import GEH_THRESHOLD, OdmeParams
    from routing.algorithms.assignment.odme import adjust_od as solve
    from services.cli import fail

    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        fail(f"--out {out}: the name must end in {' or '.join(OUTPUT_SUFFIXES)}")
    try:
        params = OdmeParams(max_iterations=iterations, gap=gap, max_change=max_change)
    except ValueError as exc:
        fail(str(exc))
    try:
        network = read_net(net)
        demand = read_trips(trips)
    except MobilityError as exc:
        fail(exc.detail)
    if demand.n_zones > network.n_zones:
        fail(f"{trips} has {demand.n_zones} zones, {net} only {network.n_zones}")
    try:
        observed = read_counts(counts, network)
    except BadCounts as exc:
        fail(str(exc))

    def report(iteration: int, objective: float) -> None:
        typer.echo(f"iteration {iteration:3d}  objective {objective:.6g}")

    try:
        result = solve(
            network_from_tntp(network),
            class_from_tntp(demand, n_zones=network.n_zones),
            observed,
            params,
            progress=report,
        )
    except ValueError as exc:
        fail(str(exc))
    try:
        write_matrix(out, result.demand)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    n = result.links.shape[0]
    typer.echo(
        f"{result.iterations} iterations ({result.stop_reason}), {result.run_time_s:.2f} s; "
        f"total demand {result.total_before:.6g} -> {result.total_after:.6g}"
    )
    typer.echo(
        f"GEH < {GEH_THRESHOLD:g} on {n} counted links: before "
        f"{result.share_fit_before:.1%} (max {result.geh_before.max():.2f}), after "
        f"{result.share_fit_after:.1%} (max {result.geh_after.max():.2f}); written to {out}"
    )


def read_counts(path: Path, network: TntpNetwork) -> dict[int, float]:
    """Link index (file order of the network) -> volume, from ``init_node,term_node,volume``.

    Raises
    ------
    BadCounts
        Unreadable file, missing columns, a row that is not two node ids and a volume, a link
        the network lacks, a link counted twice, or no rows at all.
    """
    index = {
        (int(i), int(j)): a
        for a, (i, j) in enumerate(zip(network.init_node, network.term_node, strict=True))
    }
    counts: dict[int, float] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = [f.strip() for f in reader.fieldnames or []]
            missing = [c for c in COUNTS_COLUMNS if c not in fields]
            if missing:
                raise BadCounts(
                    f"{path}: no column {missing[0]!r} (need {','.join(COUNTS_COLUMNS)})"
                )
            reader.fieldnames = fields
            for row in reader:
                line = reader.line_num
                try:
                    i, j = int(row["init_node"]), int(row["term_node"])
                    volume = float(row["volume"])
                except (TypeError, ValueError):
                    raise BadCounts(
                        f"{path}, line {line}: expected two node ids and a volume"
                    ) from None
                if not (math.isfinite(volume) and volume >= 0):
                    raise BadCounts(f"{path}, line {line}: the volume {row['volume']!r} is not one")
                link = index.get((i, j))
                if link is None:
                    raise BadCounts(f"{path}, line {line}: the network has no link {i} -> {j}")
                if link in counts:
                    raise BadCounts(f"{path}, line {line}: the link {i} -> {j} is counted twice")
                counts[link] = volume
    except OSError as exc:
        raise BadCounts(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadCounts(f"{path}: not a CSV file ({exc})") from None
    if not counts:
        raise BadCounts(f"{path}: no counts")
    return counts


def write_matrix(out: Path, matrix: np.ndarray) -> None:
    """The matrix as a TNTP trip table (``*.tntp``) or ``origin,destination,trips`` CSV rows,
    non-zero cells only, zones numbered from 1; values written exactly (``repr``)."""
    n = matrix.shape[0]
    with out.open("w", newline="", encoding="utf-8") as handle:
        if out.suffix.lower() == ".csv":
            writer = csv.writer(handle)
            writer.writerow(["origin", "destination", "trips"])
            for o in range(n):
                for d in range(n):
                    if matrix[o, d] > 0:
                        writer.writerow([o + 1, d + 1, repr(float(matrix[o, d]))])
            return
        handle.write(f"<NUMBER OF ZONES> {n}\n")
        handle.write(f"<TOTAL OD FLOW> {float(matrix.sum())!r}\n")
        handle.write("<END OF METADATA>\n\n")
        for o in range(n):
            cells = [f"{d + 1:5d} : {float(matrix[o, d])!r};" for d in range(n) if matrix[o, d] > 0]
            if not cells:
                continue
            handle.write(f"\nOrigin {o + 1}\n")
            for start in range(0, len(cells), TNTP_PER_LINE):
                handle.write("  ".join(cells[start : start + TNTP_PER_LINE]) + "\n")


def register(traffic_app: typer.Typer) -> None:
    """Add `adjust-od` to the `traffic` sub-app."""
    traffic_app.command("adjust-od")(adjust_od)

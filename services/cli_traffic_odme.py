"""`mobility traffic adjust-od`: adjust a trip table to link counts (Spiess's ODME).

Registered onto the `traffic` sub-app by `register`. Two sources: TNTP files with a counts CSV
``init_node,term_node,volume`` (TNTP node ids, hourly volumes in the assignment's units), or a
stored network whose period demand (every class: multi-class ODME) is fitted to the hourly
counts of its mapped detectors (`routing.scenarios.odme`). Any problem with the inputs exits 1
with one line.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer

if TYPE_CHECKING:
    from mobility.traffic.tntp import TntpNetwork
    from routing.algorithms.assignment.odme import OdmeParams, OdmeResult

COUNTS_COLUMNS = ("init_node", "term_node", "volume")
OUTPUT_SUFFIXES = (".tntp", ".csv")
# Destinations per line of a written TNTP trip table, as the collection's files have them.
TNTP_PER_LINE = 5


class BadCounts(ValueError):
    """The counts file cannot be used: the message names the file and the line."""


def adjust_od(
    out: Annotated[
        Path, typer.Option("--out", help="Adjusted matrix: *.tntp (trip table) or *.csv")
    ],
    net: Annotated[
        Path | None, typer.Argument(help="TNTP network file (*_net.tntp); file mode")
    ] = None,
    trips: Annotated[
        Path | None, typer.Argument(help="TNTP trip table (*_trips.tntp): the seed")
    ] = None,
    counts: Annotated[
        Path | None, typer.Argument(help="CSV: init_node,term_node,volume (an hour)")
    ] = None,
    network: Annotated[
        int | None, typer.Option("--network", help="Stored network id: counts from the database")
    ] = None,
    period: Annotated[str | None, typer.Option("--period", help="Its period code")] = None,
    first_day: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First local day of counts"),
    ] = None,
    last_day: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last local day of counts (inclusive)"),
    ] = None,
    classes: Annotated[
        str | None, typer.Option("--classes", help="Comma-separated (default: all with demand)")
    ] = None,
    gap: Annotated[float, typer.Option(min=0.0, help="Relative gap of each assignment")] = 1e-4,
    iterations: Annotated[
        int, typer.Option("--iterations", min=1, help="At most this many adjustment iterations")
    ] = 20,
    max_change: Annotated[
        float,
        typer.Option("--max-change", min=1.0, help="Cells stay within seed/F .. seed*F"),
    ] = 3.0,
    relative: Annotated[
        bool,
        typer.Option(
            "--relative/--plain",
            help="Weigh residuals by 1/count (default with several classes) or not (Spiess)",
        ),
    ] = False,
) -> None:
    """Adjust the trip table so its equilibrium volumes match the counts; report GEH fit.

    Either NET TRIPS COUNTS (files), or --network --period --from --to (the stored demand of
    the period, every class, and the hourly counts of the detectors mapped to its links).
    """
    from routing.algorithms.assignment.odme import OdmeParams
    from services.cli import fail

    from_db = network is not None
    if from_db and any(p is not None for p in (net, trips, counts)):
        fail("give either NET TRIPS COUNTS files or --network with --period, not both")
    if not from_db and any(p is None for p in (net, trips, counts)):
        fail("give NET TRIPS COUNTS files, or --network --period --from --to")
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        fail(f"--out {out}: the name must end in {' or '.join(OUTPUT_SUFFIXES)}")
    several = from_db and (classes is None or "," in classes)
    try:
        params = OdmeParams(
            max_iterations=iterations,
            gap=gap,
            max_change=max_change,
            relative=relative or several,
        )
    except ValueError as exc:
        fail(str(exc))

    def report(iteration: int, objective: float) -> None:
        typer.echo(f"iteration {iteration:3d}  objective {objective:.6g}")

    if from_db:
        if period is None or first_day is None or last_day is None:
            fail("--network needs --period, --from and --to")
        assert network is not None
        codes = [c.strip() for c in classes.split(",") if c.strip()] if classes else None
        _from_database(
            network, period, first_day.date(), last_day.date(), codes, out, params, report
        )
        return
    assert net is not None
    assert trips is not None
    assert counts is not None
    _from_files(net, trips, counts, out, params, report)


def _from_files(
    net: Path,
    trips: Path,
    counts: Path,
    out: Path,
    params: OdmeParams,
    report: Callable[[int, float], None],
) -> None:
    from mobility.errors import MobilityError
    from mobility.traffic.tntp import read_net, read_trips
    from routing.algorithms.assignment import class_from_tntp, network_from_tntp
    from routing.algorithms.assignment.odme import adjust_od as solve
    from services.cli import fail

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
    _report(result, out)


def _from_database(
    network_id: int,
    period: str,
    first_day: date,
    last_day: date,
    classes: list[str] | None,
    out: Path,
    params: OdmeParams,
    report: Callable[[int, float], None],
) -> None:
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from routing.scenarios.odme import adjust_from_database
    from services.cli import fail

    if out.suffix.lower() != ".csv":
        fail(f"--out {out}: counts from the database write origin,destination,class,trips CSV")
    try:
        with session_scope() as session:
            fit = adjust_from_database(
                session, network_id, period, first_day, last_day, classes, params, report
            )
    except MobilityError as exc:
        fail(exc.detail)
    except ValueError as exc:
        fail(str(exc))
    seen = fit.observed
    typer.echo(
        f"counts: {seen.links} links, {seen.detectors} detectors, {seen.hours} hours "
        f"({seen.incomplete_hours} incomplete detector-hours left out); classes "
        f"{', '.join(fit.classes)}"
    )
    zone_ids = fit.network.zone_ids
    try:
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["origin", "destination", "class", "trips"])
            for code, matrix in zip(fit.classes, fit.result.class_demand, strict=True):
                for o, d in zip(*np.nonzero(matrix), strict=True):
                    writer.writerow(
                        [int(zone_ids[o]), int(zone_ids[d]), code, repr(float(matrix[o, d]))]
                    )
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    _report(fit.result, out)


def _report(result: OdmeResult, out: Path) -> None:
    from routing.algorithms.assignment.odme import GEH_THRESHOLD

    n = result.links.shape[0]
    typer.echo(
        f"{result.iterations} iterations ({result.stop_reason}), {result.run_time_s:.2f} s; "
        f"total demand {result.total_before:.6g} -> {result.total_after:.6g}"
    )
    typer.echo(
        f"GEH < {GEH_THRESHOLD:g} on {n} counts: before "
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

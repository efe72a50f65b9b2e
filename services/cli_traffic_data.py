"""`mobility traffic import-network | import-demand | networks`: the road network's data.

Registered onto the `traffic` sub-app by `register`, so these commands live beside the
assignment's without either module editing the other's.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mobility.traffic.service import DemandImport


def _pce_factors(values: list[str], default_class: str) -> dict[str, float]:
    """`--pce 2.5` (for the --class) or `--pce truck=2.5`, repeatable."""
    from services.cli import fail

    factors: dict[str, float] = {}
    for value in values:
        code, _, number = value.rpartition("=")
        try:
            factors[code.strip() or default_class] = float(number)
        except ValueError:
            fail(f"--pce {value!r}: expected a number or CLASS=NUMBER")
    return factors


def _period_times(start: str | None, end: str | None) -> tuple[time | None, time | None]:
    """`--period-start 07:00 --period-end 09:00`: local times of a new period."""
    from services.cli import fail

    times: list[time | None] = []
    for option, value in (("--period-start", start), ("--period-end", end)):
        try:
            times.append(time.fromisoformat(value) if value else None)
        except ValueError:
            fail(f"{option} {value!r}: expected a time such as 07:30")
    return times[0], times[1]


def import_network(
    name: Annotated[str, typer.Option("--name", help="The network's name (unique)")],
    tntp: Annotated[Path | None, typer.Option("--tntp", help="A TNTP *_net.tntp file")] = None,
    nodes: Annotated[
        Path | None, typer.Option("--nodes", help="Its *_node.tntp coordinates (TNTP)")
    ] = None,
    trips: Annotated[
        Path | None, typer.Option("--trips", help="Its *_trips.tntp demand (TNTP)")
    ] = None,
    gmns: Annotated[
        Path | None, typer.Option("--gmns", help="A GMNS folder (node.csv, link.csv)")
    ] = None,
    vehicle_class: Annotated[str, typer.Option("--class", help="Class of --trips")] = "car",
    period: Annotated[str, typer.Option("--period", help="Period of --trips")] = "day",
    pce: Annotated[float | None, typer.Option("--pce", help="PCE factor of a new --class")] = None,
    crs: Annotated[str, typer.Option("--crs", help="What TNTP node coordinates are")] = "",
    source: Annotated[str, typer.Option("--source", help="Provenance to record")] = "",
    replace: Annotated[
        bool, typer.Option("--replace", help="Reload a changed network (drops its demand)")
    ] = False,
) -> None:
    """Import a road network (TNTP or GMNS), all or nothing; the same files again are a no-op."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic import service
    from services.cli import fail

    if (tntp is None) == (gmns is None):
        fail("give exactly one of --tntp NET and --gmns DIR")
    if gmns is not None and (nodes or trips or crs):
        fail("--nodes, --trips and --crs go with --tntp; a GMNS folder carries its own")
    try:
        with session_scope() as session:
            if tntp is not None:
                result = service.import_tntp_network(
                    session, name, tntp, nodes, crs=crs, source=source, replace=replace
                )
            else:
                assert gmns is not None
                result = service.import_gmns_network(
                    session, name, gmns, source=source, replace=replace
                )
            demand = (
                service.import_tntp_trips(
                    session, name, trips, vehicle_class, period, pce=pce, replace=replace
                )
                if trips is not None
                else None
            )
    except MobilityError as exc:
        fail(exc.detail)
    typer.echo(
        f"network {result.name} (id {result.network_id}): {result.status}, {result.nodes} "
        f"nodes, {result.links} links, {result.zones} zones"
    )
    if demand is not None:
        _echo_demand(name, demand)


def _echo_demand(network: str, demand: DemandImport) -> None:
    typer.echo(
        f"demand {network} {demand.class_code}/{demand.period_code}: {demand.status}, "
        f"{demand.cells} OD pairs, {demand.total_trips:,.1f} trips"
    )


def import_demand(
    network: Annotated[str, typer.Option("--network", help="The network's name")],
    file: Annotated[
        Path | None,
        typer.Argument(help="CSV: origin,destination,trips[,class][,period]"),
    ] = None,
    tntp: Annotated[Path | None, typer.Option("--tntp", help="A TNTP *_trips.tntp file")] = None,
    vehicle_class: Annotated[
        str, typer.Option("--class", help="Class (CSV: where the file names none)")
    ] = "car",
    period: Annotated[
        str, typer.Option("--period", help="Period (CSV: where the file names none)")
    ] = "day",
    pce: Annotated[
        list[str] | None,
        typer.Option("--pce", help="PCE factor of a new class: 2.5 (for --class) or truck=2.5"),
    ] = None,
    period_start: Annotated[
        str | None, typer.Option("--period-start", help="Local start of a new --period")
    ] = None,
    period_end: Annotated[
        str | None, typer.Option("--period-end", help="Local end of a new --period")
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Reload a changed matrix")] = False,
) -> None:
    """Import demand (vehicles per OD pair) for a class and period, all or nothing."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic import service
    from services.cli import fail

    if (file is None) == (tntp is None):
        fail("give exactly one of FILE.csv and --tntp TRIPS")
    factors = _pce_factors(pce or [], vehicle_class)
    times = _period_times(period_start, period_end)
    try:
        with session_scope() as session:
            if tntp is not None:
                results = [
                    service.import_tntp_trips(
                        session,
                        network,
                        tntp,
                        vehicle_class,
                        period,
                        pce=factors.get(vehicle_class),
                        period_times=times,
                        replace=replace,
                    )
                ]
            else:
                assert file is not None
                results = service.import_demand_csv(
                    session,
                    network,
                    file,
                    default_class=vehicle_class,
                    default_period=period,
                    pce=factors,
                    period_times={period: times},
                    replace=replace,
                )
    except MobilityError as exc:
        fail(exc.detail)
    for result in results:
        _echo_demand(network, result)


def networks() -> None:
    """The road networks: size, format and demand matrices."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic import repository
    from services.cli import fail

    try:
        with session_scope() as session:
            lines = []
            for network in repository.list_networks(session):
                counts = repository.network_counts(session, network.id)
                demand = ", ".join(
                    f"{d.class_code}/{d.period_code} {d.total_trips:,.0f}"
                    for d in repository.demand_totals(session, network.id)
                )
                lines.append(
                    f"{network.id}\t{network.name}\t{network.source_format}\t"
                    f"{counts['nodes']} nodes\t{counts['links']} links\t"
                    f"{counts['zones']} zones\t{demand or 'no demand'}"
                )
    except MobilityError as exc:
        fail(exc.detail)
    if not lines:
        typer.echo("no road networks")
    for line in lines:
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add these commands to the `traffic` sub-app."""
    app.command("import-network")(import_network)
    app.command("import-demand")(import_demand)
    app.command("networks")(networks)

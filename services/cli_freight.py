"""`mobility freight ...`: the freight network data set (terminals, links, services, factors)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True, help="Freight network: terminals, links, services, emission factors."
)


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="The freight data file (TOML)")],
    check: Annotated[
        bool, typer.Option("--check", help="Only validate the file; the database is not touched")
    ] = False,
) -> None:
    """Validate a freight data file and make it the current freight network (all or nothing)."""
    from mobility.errors import MobilityError
    from services.cli import fail, read_toml_text

    text = read_toml_text(file)
    try:
        if check:
            from mobility.freight.loader import counts
            from mobility.freight.schema import parse_freight

            data = parse_freight(text, source=str(file))
            parts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts(data).items())
            typer.echo(f"freight {data.dataset}: {file} is valid ({parts})")
            return
        from mobility.db import session_scope
        from mobility.freight.loader import load_freight

        with session_scope() as session:
            result = load_freight(session, text, source=str(file))
    except MobilityError as exc:
        fail(exc.detail)
    typer.echo(result.summary_line())


@app.command("terminals")
def terminals(
    all_: Annotated[
        bool, typer.Option("--all", help="Include terminals the current data set no longer has")
    ] = False,
) -> None:
    """List the terminals: code, kind, modes, position, gate capacity, the cargo they take
    beyond dry containers (reefer, hazardous), links and services."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.freight.repository import FreightRepository
    from services.cli import fail

    try:
        with session_scope() as session:
            repo = FreightRepository(session)
            rows = repo.terminals(include_inactive=all_)
            usage = repo.link_and_service_counts()
            lines = []
            for t in rows:
                links, services = usage.get(t.id, (0, 0))
                state = "" if t.active else "  (inactive)"
                # "-": dry containers only; the route search keeps other cargo out.
                accepts = "+".join(sorted(filter(None, t.accepts.split(",")))) or "-"
                lines.append(
                    f"{t.code:<14} {t.kind:<14} {t.modes:<14} {t.lat:8.3f} {t.lon:8.3f} "
                    f"{t.gate_capacity_teu_per_hour:5d} TEU/h {accepts:<16} {links:3d} links "
                    f"{services:3d} services  {t.name}{state}"
                )
    except MobilityError as exc:
        fail(exc.detail)
    if not lines:
        typer.echo("no freight terminals (load a data file with `mobility freight load FILE`)")
        return
    for line in lines:
        typer.echo(line)

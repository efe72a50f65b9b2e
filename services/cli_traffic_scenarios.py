"""`mobility traffic scenario ...`: create a scenario from a TOML file, run it, list, show,
compare and publish its congestion to fares; and the two inputs of publishing, a period's
time band and a network's fare zone map.

A scenario file holds what `POST /v1/scenarios` takes, validated the same way::

    name = "Viale Italia closed"
    network = "spezia"            # name or id
    period = "am"
    gap = 1e-4                    # optional
    [[changes]]
    type = "close_link"
    link = [10, 15]

`run` runs in this process on the embedded default (no REDIS_URL); otherwise the worker runs
it and `--wait` follows its progress. Problems exit 1 with one line.
"""

from __future__ import annotations

import csv
import getpass
import json
import time
from datetime import time as clock
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mobility.traffic.scenarios.models import TrafficScenario

scenario_app = typer.Typer(no_args_is_help=True, help="Traffic scenarios and their publication.")
POLL_S = 1.0


def _author() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except OSError:  # no user name in this environment (a container without /etc/passwd)
        return "cli"


def _summary(scenario: TrafficScenario) -> str:
    gap = f", gap {scenario.gap:.2e}" if scenario.gap is not None else ""
    its = f", {scenario.iterations} iterations" if scenario.iterations is not None else ""
    return f"scenario {scenario.id} ({scenario.name}): {scenario.status.value}{its}{gap}"


@scenario_app.command("create")
def create(file: Annotated[Path, typer.Argument(help="Scenario TOML file")]) -> None:
    """Create a scenario from FILE.toml (validated like the API); its run is queued."""
    from mobility.config_files import parse_file
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.scenarios.errors import ScenarioInvalid
    from mobility.traffic.scenarios.schemas import ScenarioCreate
    from mobility.traffic.scenarios.service import create_scenario
    from services.cli import fail, read_toml_text

    text = read_toml_text(file)
    try:
        body = parse_file(text, ScenarioCreate, lambda _: [], ScenarioInvalid, source=str(file))
        with session_scope() as session:
            scenario = create_scenario(session, body, _author())
            typer.echo(
                f"{_summary(scenario)}; run it with `mobility traffic scenario run {scenario.id}`"
            )
    except MobilityError as exc:
        fail(exc.detail)


def _run_here(scenario_id: int) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mobility.db import session_scope
    from routing.scenarios.run import run_scenario
    from services.cli import err

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("assigning", total=1.0)

        def report(iteration: int, gap: float, fraction: float) -> None:
            progress.update(
                task, completed=fraction, description=f"iteration {iteration:4d}  gap {gap:.2e}"
            )

        with session_scope() as session:
            run_scenario(session, scenario_id, report)


def _wait(scenario_id: int) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mobility.db import session_scope
    from mobility.traffic.scenarios import repository
    from mobility.traffic.scenarios.models import ScenarioStatus
    from services.cli import err

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("waiting for the worker", total=1.0)
        while True:
            with session_scope() as session:
                scenario = repository.get_scenario(session, scenario_id)
                status, fraction = scenario.status, scenario.progress
                described = _summary(scenario)
            progress.update(task, completed=fraction, description=described)
            if status in (ScenarioStatus.DONE, ScenarioStatus.FAILED):
                return
            time.sleep(POLL_S)


@scenario_app.command("run")
def run(
    scenario_id: Annotated[int, typer.Argument(help="Scenario id")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Follow the worker until it finishes")
    ] = False,
) -> None:
    """Run a queued (or failed) scenario: here on the embedded default, else by the worker."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.settings import get_settings
    from mobility.traffic.scenarios import repository
    from mobility.traffic.scenarios.models import ScenarioStatus
    from mobility.traffic.scenarios.service import requeue_scenario
    from services.cli import fail

    try:
        with session_scope() as session:
            scenario = requeue_scenario(session, scenario_id)
            status = scenario.status
        if status == ScenarioStatus.DONE:
            pass
        elif not get_settings().redis_url:
            _run_here(scenario_id)
        elif wait:
            _wait(scenario_id)
        with session_scope() as session:
            scenario = repository.get_scenario(session, scenario_id)
            typer.echo(_summary(scenario))
            if scenario.status == ScenarioStatus.FAILED:
                fail(f"scenario {scenario_id} failed: {scenario.error}")
    except MobilityError as exc:
        fail(exc.detail)


@scenario_app.command("list")
def list_scenarios() -> None:
    """Scenarios, newest first."""
    from sqlalchemy import select

    from mobility.db import session_scope
    from mobility.traffic.scenarios.models import TrafficScenario

    with session_scope() as session:
        rows = session.scalars(select(TrafficScenario).order_by(TrafficScenario.id.desc())).all()
        typer.echo(f"{'id':>5}  {'status':8}  {'period':8}  {'network':>7}  name")
        for s in rows:
            typer.echo(
                f"{s.id:>5}  {s.status.value:8}  {s.period_code:8}  {s.network_id:>7}  {s.name}"
            )


@scenario_app.command("show")
def show(scenario_id: Annotated[int, typer.Argument(help="Scenario id")]) -> None:
    """A scenario: changes, state, totals and its congestion levels per zone."""
    from collections import Counter

    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.congestion.repository import CongestionRepository
    from mobility.traffic.scenarios import repository
    from services.cli import fail

    try:
        with session_scope() as session:
            s = repository.get_scenario(session, scenario_id)
            typer.echo(_summary(s))
            typer.echo(
                f"network {s.network_id}, period {s.period_code}, classes "
                f"{', '.join(s.classes)}, created by {s.created_by}"
            )
            for i, change in enumerate(s.changes):
                typer.echo(f"  change {i}: {json.dumps(change, sort_keys=True)}")
            for key, value in sorted((s.totals or {}).items()):
                typer.echo(f"  {key:20} {value:.6g}")
            if s.error:
                typer.echo(f"  error: {s.error}")
            zones = CongestionRepository(session).zones_of(scenario_id)
            if zones:
                counts = Counter(z.level.value for z in zones)
                worst = max(zones, key=lambda z: z.voc)
                typer.echo(
                    f"congestion: {len(zones)} zones ("
                    + ", ".join(f"{n} {level}" for level, n in sorted(counts.items()))
                    + f"); worst zone {worst.zone_id}: v/c {worst.voc:.2f}, "
                    f"travel-time index {worst.travel_time_index:.2f}"
                )
    except MobilityError as exc:
        fail(exc.detail)


@scenario_app.command("compare")
def compare(
    base: Annotated[int, typer.Argument(help="Base scenario id")],
    other: Annotated[int, typer.Argument(help="Scenario compared with it")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    top: Annotated[int, typer.Option(min=1, max=1000, help="Links listed")] = 10,
) -> None:
    """Totals of two finished scenarios, their difference, and the links changed most."""
    from dataclasses import asdict

    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.scenarios.service import compare as compared
    from services.cli import fail

    try:
        with session_scope() as session:
            result = compared(session, base, other, top)
    except MobilityError as exc:
        fail(exc.detail)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, sort_keys=True))
        return
    typer.echo(f"{'total':20} {'base':>14} {'other':>14} {'difference':>14}")
    for key, diff in result.totals_diff.items():
        a, b = result.totals_base.get(key, 0.0), result.totals_other.get(key, 0.0)
        typer.echo(f"{key:20} {a:14.6g} {b:14.6g} {diff:+14.6g}")
    typer.echo(f"{'link':>12} {'volume base':>12} {'other':>12} {'VHT diff':>10}")
    for d in result.top_links:
        typer.echo(
            f"{d.from_node:>5}->{d.to_node:<6} {d.volume_base:12.1f} "
            f"{d.volume_other:12.1f} {d.vht_diff:+10.2f}"
        )


@scenario_app.command("publish")
def publish(
    scenario_id: Annotated[int, typer.Argument(help="A finished scenario's id")],
    free: Annotated[int, typer.Option(help="Basis points for free zones")] = -500,
    moderate: Annotated[int, typer.Option(help="... moderate")] = 0,
    heavy: Annotated[int, typer.Option(help="... heavy")] = 1000,
    severe: Annotated[int, typer.Option(help="... severe")] = 2000,
) -> None:
    """Make the scenario the active congestion scenario of its period; fares follow it."""
    from pydantic import ValidationError

    from mobility.config_files import pydantic_problems
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.congestion.publish import publish as publishing
    from mobility.traffic.congestion.schemas import CongestionPolicy
    from services.cli import fail
    from services.wiring import install

    try:
        policy = CongestionPolicy(free=free, moderate=moderate, heavy=heavy, severe=severe)
    except ValidationError as exc:
        fail("; ".join(f"{p['path']}: {p['message']}" for p in pydantic_problems(exc)))
    install()  # the fares' handler, delivered in this process once the publication commits
    try:
        with session_scope() as session:
            publication, bands = publishing(session, scenario_id, _author(), policy)
            typer.echo(
                f"publication {publication.id}: scenario {scenario_id} active for period "
                f"{publication.period_code}; {len(bands)} fare bands sent"
            )
            for b in bands:
                typer.echo(
                    f"  {b.zone:12} {','.join(b.weekdays)} {b.start}-{b.end} "
                    f"{b.level.value:8} v/c {b.voc:.2f} {b.adjustment_bp:+d} bp"
                )
    except MobilityError as exc:
        fail(exc.detail)


def period_band(
    code: Annotated[str, typer.Argument(help="Time period code")],
    start: Annotated[str, typer.Argument(help="Local start, HH:MM")],
    end: Annotated[str, typer.Argument(help="Local end, HH:MM (before start: crosses midnight)")],
    weekdays: Annotated[
        str, typer.Option(help="Comma-separated (default every day, as the API)")
    ] = "mon,tue,wed,thu,fri,sat,sun",
) -> None:
    """Set a period's local time band, in which its scenarios' congestion applies."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.congestion.bands import parse_weekdays
    from mobility.traffic.congestion.service import set_period_band
    from services.cli import fail

    try:
        times = clock.fromisoformat(start), clock.fromisoformat(end)
        days = parse_weekdays(weekdays)
    except ValueError as exc:
        fail(str(exc))
    try:
        with session_scope() as session:
            set_period_band(session, code, times[0], times[1], days)
    except MobilityError as exc:
        fail(exc.detail)
    typer.echo(f"period {code}: {start}-{end} on {weekdays}")


def fare_zone_map(
    network: Annotated[int, typer.Argument(help="Road network id")],
    file: Annotated[Path, typer.Argument(help="CSV: zone_id,fare_zone")],
) -> None:
    """Replace a network's map of traffic zones to fare zones from a CSV file."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.congestion.service import set_fare_zone_map
    from services.cli import fail

    mapping: dict[int, str] = {}
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not {"zone_id", "fare_zone"} <= set(reader.fieldnames or []):
                fail(f"{file}: the columns are zone_id,fare_zone")
            for row in reader:
                try:
                    zone = int(row["zone_id"])
                except (TypeError, ValueError):
                    fail(f"{file}, line {reader.line_num}: zone_id is not an integer")
                fare = (row["fare_zone"] or "").strip()
                if not fare or zone in mapping:
                    fail(f"{file}, line {reader.line_num}: empty fare zone or zone listed twice")
                mapping[zone] = fare
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except (csv.Error, UnicodeDecodeError) as exc:  # garbage or another encoding
        fail(f"{file}: not a UTF-8 CSV file ({exc.__class__.__name__})")
    try:
        with session_scope() as session:
            set_fare_zone_map(session, network, mapping)
    except MobilityError as exc:
        fail(exc.detail)
    typer.echo(
        f"network {network}: {len(mapping)} zones mapped to {len(set(mapping.values()))} fare zones"
    )


def register(traffic_app: typer.Typer) -> None:
    """Add `scenario ...`, `period-band` and `fare-zone-map` to the `traffic` sub-app."""
    traffic_app.add_typer(scenario_app, name="scenario")
    traffic_app.command("period-band")(period_band)
    traffic_app.command("fare-zone-map")(fare_zone_map)

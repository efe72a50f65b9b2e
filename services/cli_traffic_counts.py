"""`mobility traffic counts import | rejected | report | detector | api-key`: traffic counts.

Registered onto the `traffic` sub-app by `register`, as a `counts` group of its own.
A file that cannot be read as counts at all exits 1 with one line and stores nothing; rows
with problems are rejected (and listed by `rejected BATCH`) while the rest are imported.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer(no_args_is_help=True, help="Traffic counts: import, quality reports.")


@app.command("import")
def import_counts(
    file: Annotated[Path, typer.Argument(help="CSV: detector or link, timestamp, class, count")],
    timezone: Annotated[
        str | None,
        typer.Option(help="Zone of timestamps without offset (else rejected), e.g. Europe/Rome"),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite stored counts that differ (else rejected)")
    ] = False,
    register_detectors: Annotated[
        bool,
        typer.Option(
            "--register-detectors", help="Create unknown detectors (else their rows are rejected)"
        ),
    ] = False,
    interval: Annotated[
        int, typer.Option(help="Interval (s) of registered detectors when the file has none")
    ] = 900,
    check: Annotated[
        bool,
        typer.Option("--check", help="Only check: list what would be rejected, store nothing"),
    ] = False,
) -> None:
    """Check and import a counts file as one batch; print its tallies and batch id."""
    from mobility.db import get_sessionmaker, session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.counts.quality import RowProblem
    from mobility.traffic.counts.reader import read_counts_file
    from mobility.traffic.counts.service import ImportOptions, ImportReport, import_rows
    from services.cli import fail

    try:
        options = ImportOptions(
            timezone=timezone,
            replace=replace,
            register_detectors=register_detectors,
            default_interval_s=interval,
        )
    except ValueError as exc:
        fail(str(exc))
    except RowProblem as exc:
        fail(f"--interval: {exc.message}")
    try:
        counts = read_counts_file(file)

        def run(session: Session) -> ImportReport:
            return import_rows(
                session,
                counts.rows(),
                source=counts.name,
                source_sha256=counts.sha256,
                options=options,
            )

        if check:  # the very same import, rolled back: the same answers, no writes
            with get_sessionmaker()() as session:
                report = run(session)
                session.rollback()
        else:
            with session_scope() as session:
                report = run(session)
    except MobilityError as exc:
        fail(exc.detail)
    if check:
        typer.echo(f"check only, nothing stored: {report.summary_line().partition(': ')[2]}")
        for row in report.rejections:
            typer.echo(f"line {row.line}\t{row.outcome}\t{row.reason}\t{row.message}\t{row.raw}")
        return
    typer.echo(report.summary_line())
    reasons = Counter(r.reason for r in report.rejections if r.outcome == "rejected")
    if reasons:
        listed = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
        typer.echo(
            f"rejected: {listed} (mobility traffic counts rejected {report.batch_id})",
            err=True,
        )


@app.command("rejected")
def rejected(
    batch: Annotated[int, typer.Argument(help="The batch id an import printed")],
    ignored: Annotated[
        bool, typer.Option(help="Also list identical duplicates that were ignored")
    ] = True,
) -> None:
    """List a batch's rejected rows: line, reason code, message and the row as submitted."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.counts.repository import CountsRepository
    from mobility.traffic.counts.service import get_batch
    from services.cli import fail

    try:
        with session_scope() as session:
            get_batch(session, batch)
            rows = CountsRepository(session).rejected_rows(batch)
    except MobilityError as exc:
        fail(exc.detail)
    shown = [r for r in rows if ignored or r.outcome == "rejected"]
    for row in shown:
        typer.echo(f"line {row.line}\t{row.outcome}\t{row.reason}\t{row.message}\t{row.raw}")
    if not shown:
        typer.echo(f"batch {batch}: no rejected rows", err=True)


@app.command("report")
def report(batch: Annotated[int, typer.Argument(help="The batch id an import printed")]) -> None:
    """A batch's tallies and its findings: gaps, stuck detectors, daytime zero runs."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.counts.repository import CountsRepository
    from mobility.traffic.counts.service import get_batch
    from services.cli import fail

    try:
        with session_scope() as session:
            b = get_batch(session, batch)
            typer.echo(
                f"batch {b.id} ({b.source}, {b.channel.value}): {b.rows_total} rows, "
                f"{b.accepted} accepted ({b.replaced} replaced), {b.rejected} rejected, "
                f"{b.duplicates} duplicates ignored, {b.flagged} flagged, "
                f"{b.gaps} missing intervals"
            )
            for finding, code in CountsRepository(session).findings(batch):
                typer.echo(
                    f"{finding.kind.value}\t{code}\t{finding.vehicle_class.value}\t"
                    f"{finding.starts_at.isoformat()}\t{finding.ends_at.isoformat()}\t"
                    f"{finding.intervals} intervals"
                )
    except MobilityError as exc:
        fail(exc.detail)


@app.command("api-key")
def api_key(
    label: Annotated[str, typer.Option(help="Who will push, e.g. 'loop controller A12'")],
) -> None:
    """Create an API key that may push counts (POST /v1/traffic/counts); printed once."""
    from mobility.auth.api_keys import create_api_credential
    from mobility.auth.models import ApiCredentialKind
    from mobility.auth.principals import Scope
    from mobility.db import session_scope
    from services.cli import fail

    try:
        with session_scope() as session:
            issued = create_api_credential(
                session,
                kind=ApiCredentialKind.INTEGRATION,
                label=label,
                scopes=[Scope.TRAFFIC_COUNTS_WRITE],
            )
    except ValueError as exc:
        fail(str(exc))
    typer.echo(issued.key)


def register(traffic_app: typer.Typer) -> None:
    """Add the `counts` group to the `traffic` sub-app."""
    traffic_app.add_typer(app, name="counts")


@app.command("detector")
def detector(
    code: Annotated[str, typer.Argument(help="The detector's code, as count files name it")],
    name: Annotated[str | None, typer.Option(help="A name for people")] = None,
    link: Annotated[
        int | None, typer.Option(help="Road-network link id it measures (0 removes the mapping)")
    ] = None,
    direction: Annotated[str | None, typer.Option(help="e.g. N, SB, 'to Livorno'")] = None,
    lanes: Annotated[int | None, typer.Option(help="Lanes it counts (sets the ceiling)")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude (WGS 84)")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude (WGS 84)")] = None,
    interval: Annotated[int | None, typer.Option(help="Interval length it reports (s)")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
) -> None:
    """Register a detector or change it, e.g. map it onto a link of a road network."""
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.traffic.counts.detectors import DetectorChanges, upsert_detector
    from services.cli import fail

    try:
        changes = DetectorChanges(
            name=name,
            link_id=link,
            direction=direction,
            lanes=lanes,
            lat=lat,
            lon=lon,
            interval_s=interval,
            active=active,
        )
        with session_scope() as session:
            made, created = upsert_detector(session, code, changes)
            mapped = (
                f"link {made.link_id} of network {made.network_id}" if made.link_id else "no link"
            )
            typer.echo(
                f"detector {made.code} {'registered' if created else 'updated'}: "
                f"{made.interval_s} s intervals, {made.lanes or 'unknown'} lanes, {mapped}"
                + ("" if made.active else ", inactive")
            )
    except MobilityError as exc:
        fail(exc.detail)

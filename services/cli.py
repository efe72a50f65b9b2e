"""The `mobility` command: serve the API, migrate the database, validate and import GTFS."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from mobility.errors import MobilityError
from services.cli_auth import app as auth_app
from services.cli_fleet import app as fleet_app
from services.cli_freight import app as freight_app
from services.cli_gate import app as gate_app
from services.cli_ticketing import app as ticketing_app
from services.cli_traffic import traffic_app

if TYPE_CHECKING:
    from access_control.keys import KeyRing

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help=__doc__, pretty_exceptions_enable=False
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema migrations.")
gtfs_app = typer.Typer(no_args_is_help=True, help="GTFS Schedule and Realtime.")
keys_app = typer.Typer(no_args_is_help=True, help="Pass-signing keys (never printed).")
app.add_typer(db_app, name="db")
app.add_typer(gtfs_app, name="gtfs")
app.add_typer(keys_app, name="keys")
app.add_typer(gate_app, name="gate")
app.add_typer(auth_app, name="auth")
app.add_typer(ticketing_app, name="ticketing")
app.add_typer(traffic_app, name="traffic")
app.add_typer(fleet_app, name="fleet")
app.add_typer(freight_app, name="freight")
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr and a non-zero exit: what a script or a person needs."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def read_toml_text(file: Path) -> str:
    """A data file's text, or `fail` with why it cannot be read (TOML files are UTF-8)."""
    try:
        return file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text (TOML files are UTF-8)")


# -- serve --------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: API_HOST (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Default: API_PORT (8000)")] = None,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    sample_data: Annotated[
        bool, typer.Option(help="Import the bundled sample feed if no feed exists yet")
    ] = True,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from access_control.keyring_provider import ensure_development_keyring
    from mobility.db import get_engine
    from mobility.migrate import ensure_migrated
    from mobility.settings import get_settings
    from services.logging_setup import configure_logging
    from services.sample_data import load_sample_data_if_empty

    settings = get_settings()
    configure_logging()
    try:
        ensure_migrated(get_engine())
        # Outside production a development signing key exists from the start, for the local
        # tools that issue passes with it (gate demo-pass, load tests).
        ensure_development_keyring()
        if sample_data and settings.load_sample_data:
            load_sample_data_if_empty(err)
    except MobilityError as exc:
        fail(exc.detail)
    uvicorn.run(
        "services.asgi:app",
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        proxy_headers=True,
        # Our handlers (LOG_FORMAT) and our access lines (with request ids), not uvicorn's.
        log_config=None,
        access_log=False,
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="One round in this process, then exit (cron)")] = False,
    processes: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: JOBS_PROCESSES)")
    ] = None,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Threads per process (default: JOBS_THREADS)")
    ] = None,
) -> None:
    """Background jobs (Dramatiq on REDIS_URL) and the scheduler of periodic work: GTFS-Realtime
    polling, pruning, outbox relay, payment reconciliation."""
    from mobility.db import get_engine
    from mobility.migrate import ensure_migrated
    from mobility.settings import get_settings
    from services.worker import Worker, run_processes

    try:
        configured = Worker.from_settings()  # a configuration error first, before any I/O
        ensure_migrated(get_engine())
        settings = get_settings()
        if once:
            from services.logging_setup import configure_logging

            configure_logging()
            configured.round()
            return
        if not settings.redis_url:
            fail("mobility worker needs REDIS_URL (embedded, the API process runs the jobs)")
        code = run_processes(processes or settings.jobs_processes, threads or settings.jobs_threads)
    except (MobilityError, ValueError) as exc:
        fail(exc.detail if isinstance(exc, MobilityError) else str(exc))
    if code:
        raise typer.Exit(code)


# -- db -----------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from mobility.db import get_engine
    from mobility.migrate import current_revision, upgrade

    engine = get_engine()
    upgrade(engine, revision)
    err.print(f"database at revision {current_revision(engine)} ({engine.dialect.name})")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the code's newest."""
    from mobility.db import get_engine
    from mobility.migrate import current_revision, head_revision

    typer.echo(f"current: {current_revision(get_engine())}\nhead:    {head_revision()}")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message")],
    autogenerate: bool = True,
) -> None:
    """Write a new migration (developers), comparing the models with the database."""
    from alembic import command

    from mobility.migrate import alembic_config
    from mobility.settings import get_settings

    command.revision(
        alembic_config(get_settings().effective_database_url),
        message=message,
        autogenerate=autogenerate,
    )


# -- gtfs ---------------------------------------------------------------------------------


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _progress_callback(progress: Progress) -> Callable[[str, int, int], None]:
    """Rich progress: a bar per GTFS file, measured in uncompressed bytes read."""
    tasks: dict[str, TaskID] = {}

    def update(file: str, done: int, total: int) -> None:
        if file not in tasks:
            tasks[file] = progress.add_task(file, total=max(total, 1))
        progress.update(tasks[file], completed=done)

    return update


@gtfs_app.command("validate")
def gtfs_validate(
    path: Path,
    format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    max_notices: Annotated[int, typer.Option(help="Per code, in text output")] = 20,
) -> None:
    """Validate a GTFS feed (zip or folder); exit status 1 when it has errors."""
    from gtfs.schedule.reader import FeedSource, FeedSourceError
    from gtfs.schedule.validator import validate

    if format not in ("text", "json"):
        fail("--format must be text or json", 2)
    try:
        source = FeedSource(path)
    except FeedSourceError as exc:
        fail(str(exc))
    with source, _progress() as progress:
        report = validate(source, progress=_progress_callback(progress))
    summary = report.notices.summary()
    if format == "json":
        body = {
            "feed": str(path),
            "valid": report.valid,
            "summary": summary,
            "row_counts": report.row_counts,
            "notices": [
                {
                    "code": code["code"],
                    "severity": code["severity"],
                    "total": code["total"],
                    "sample": [n.as_dict() for n in report.notices.find(code["code"])],
                }
                for code in summary["by_code"]
            ],
        }
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        for code in summary["by_code"]:
            samples = report.notices.find(code["code"])[:max_notices]
            for notice in samples:
                typer.echo(notice.as_text())
            if code["total"] > len(samples):
                typer.echo(f"        ... {code['total'] - len(samples)} more {code['code']}")
        typer.echo(
            f"{path.name}: {summary['errors']} errors, {summary['warnings']} warnings, "
            f"{summary['infos']} infos; {sum(report.row_counts.values()):,} rows"
        )
    raise typer.Exit(0 if report.valid else 1)


@gtfs_app.command("import")
def gtfs_import(
    path: Path,
    feed: Annotated[str, typer.Option("--feed", help="Feed id, e.g. prato")],
    name: Annotated[str, typer.Option(help="Human name of the feed")] = "",
    keep_versions: Annotated[int, typer.Option(min=0, help="Superseded versions kept")] = 0,
) -> None:
    """Validate and import a feed as a new version of FEED, switched to atomically."""
    import re

    from gtfs.importer import FEED_ID_PATTERN, import_feed
    from mobility.db import get_engine

    if not re.match(FEED_ID_PATTERN, feed):
        fail(f"feed id '{feed}' must be lower-case letters, digits, '-' or '_' (max 64)", 2)
    try:
        with _progress() as progress:
            result = import_feed(
                get_engine(),
                path,
                feed,
                name=name,
                progress=_progress_callback(progress),
                keep_versions=keep_versions,
            )
    except MobilityError as exc:
        fail(exc.detail)
    typer.echo(result.summary_line())


@gtfs_app.command("realtime")
def gtfs_realtime(
    source: Annotated[str, typer.Argument(help="A .pb file or an http(s) URL")],
    feed: Annotated[str, typer.Option("--feed", help="The feed the trips belong to")],
) -> None:
    """Ingest GTFS-Realtime TripUpdates, VehiclePositions and Alerts (latest state kept)."""
    from gtfs.realtime.jobs import ingest_source, summary_line

    try:
        summary = ingest_source(source, feed)
    except MobilityError as exc:
        fail(exc.detail)
    typer.echo(summary_line(feed, summary))


@gtfs_app.command("feeds")
def gtfs_feeds() -> None:
    """List imported feeds and their current versions."""
    from gtfs.service import list_feeds
    from mobility.db import session_scope

    with session_scope() as session:
        for feed in list_feeds(session):
            v = feed.current_version
            if v is None:
                typer.echo(f"{feed.id}: no current version")
                continue
            typer.echo(
                f"{feed.id}: version {v.id}, {v.row_counts.get('stop_times.txt', 0):,} stop_times,"
                f" service {v.service_start}..{v.service_end}, tz {v.timezone}"
            )


# -- keys ---------------------------------------------------------------------------------


@keys_app.command("generate")
def keys_generate(
    file: Annotated[Path, typer.Option("--file", help="The keyring file to create")],
    kid: Annotated[str, typer.Option("--kid", help="Key id, e.g. 2026a")],
) -> None:
    """Create a keyring file with one new Ed25519 key (mode 0600); refuses to overwrite."""
    from access_control.keys import KeyRing, generate_key, write_keyring_file

    if file.exists():
        fail(f"{file} exists: rotate it instead of overwriting live keys")
    try:
        write_keyring_file(file, KeyRing([generate_key(kid)]))
    except MobilityError as exc:
        fail(exc.detail)
    typer.echo(f"created {file} with key {kid}")


@keys_app.command("rotate")
def keys_rotate(
    file: Annotated[Path, typer.Option("--file", help="The keyring file to rotate")],
    kid: Annotated[str, typer.Option("--kid", help="The new key's id")],
    activate_in_hours: Annotated[
        float, typer.Option(min=0, help="Gates fetch the new public key before it signs")
    ] = 24,
) -> None:
    """Add a key that signs from now + N hours; older keys verify until their tokens expire."""
    from datetime import UTC, datetime, timedelta

    from access_control.keys import rotate_keyring_file
    from mobility.settings import get_settings

    now = datetime.now(UTC)
    try:
        ring = rotate_keyring_file(
            file,
            kid,
            activate_at=now + timedelta(hours=activate_in_hours),
            max_token_lifetime=timedelta(seconds=get_settings().pass_token_max_lifetime_s),
            now=now,
        )
    except (MobilityError, OSError) as exc:
        fail(exc.detail if isinstance(exc, MobilityError) else str(exc))
    _print_ring(ring)


@keys_app.command("jwks")
def keys_jwks(file: Annotated[Path, typer.Option("--file")]) -> None:
    """Print the public JWK Set of a keyring file (for gates; no private part)."""
    from datetime import UTC, datetime

    from access_control.keys import load_keyring_file

    try:
        typer.echo(json.dumps(load_keyring_file(file).jwks(datetime.now(UTC)), indent=2))
    except (MobilityError, OSError) as exc:
        fail(exc.detail if isinstance(exc, MobilityError) else str(exc))


@keys_app.command("show")
def keys_show(file: Annotated[Path, typer.Option("--file")]) -> None:
    """List the keys of a keyring file: ids and validity, never key material."""
    from access_control.keys import load_keyring_file

    try:
        _print_ring(load_keyring_file(file))
    except (MobilityError, OSError) as exc:
        fail(exc.detail if isinstance(exc, MobilityError) else str(exc))


def _print_ring(ring: KeyRing) -> None:
    for key in ring.keys:
        retire = key.retire_after.isoformat() if key.retire_after else "-"
        signs = key.not_before.isoformat()
        typer.echo(f"{key.kid}\t{key.alg}\tsigns from {signs}\tretires {retire}")


def main() -> None:
    from mobility.auth.redact import install_log_redaction
    from services.wiring import install

    install_log_redaction()
    install()
    try:
        app()
    except MobilityError as exc:  # anything a command did not catch itself
        err.print(f"[bold red]error:[/] {exc.detail}", highlight=False)
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("MOBILITY_DEBUG"):
            raise
        # One line for people and scripts; MOBILITY_DEBUG=1 shows the traceback.
        err.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()

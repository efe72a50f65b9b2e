"""`mobility ticketing clearing`: run revenue clearing of a month, optionally post it.

Exit codes: 0 done; 1 the clearing could not be done or posted (period not over, a ledger
conflict, database not migrated); 2 invalid arguments (a period that is not YYYY-MM).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True, help="Revenue clearing among operators.")
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@app.callback()
def clearing() -> None:
    """Revenue clearing among operators (a group, so that `run` keeps its name)."""


@app.command("run")
def run(
    period: Annotated[str, typer.Option("--period", help="The month, YYYY-MM (local time)")],
    post: Annotated[
        bool, typer.Option("--post", help="Post the apportionment to the ledger (ended months)")
    ] = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write the report as CSV to FILE ('-': stdout)")
    ] = None,
    queue: Annotated[
        bool,
        typer.Option(
            "--queue", help="Queue the clearing and posting as a run on the worker instead"
        ),
    ] = False,
) -> None:
    """Apportion a month's revenue among operators; print totals, write CSV, post if asked."""
    if queue:
        _queue_run(period)
        return
    from mobility.db import get_engine, session_scope
    from mobility.errors import MobilityError
    from mobility.migrate import ensure_migrated
    from mobility.settings import get_settings
    from ticketing.clearing.errors import InvalidPeriod
    from ticketing.clearing.export import decimal_amount, report_csv
    from ticketing.clearing.service import (
        clearing_report,
        current_rules,
        parse_period,
        post_clearing,
    )

    tz = get_settings().timezone
    try:
        parsed = parse_period(period, tz)
    except InvalidPeriod as exc:
        err.print(f"[bold red]error:[/] {exc.detail}")
        raise typer.Exit(2) from exc
    to_stdout = csv_file is not None and str(csv_file) == "-"
    # With the CSV on stdout, the human summary goes to stderr.
    console = err if to_stdout else out
    try:
        ensure_migrated(get_engine())
        with session_scope() as session:
            rules, source = current_rules(session)
            posted = post_clearing(session, parsed, rules, tz=tz) if post else []
            report = clearing_report(session, parsed, rules, tz=tz)
    except MobilityError as exc:
        err.print(f"[bold red]error:[/] {exc.detail}")
        raise typer.Exit(1) from exc

    table = Table(title=f"Clearing {parsed.label} ({source})")
    for column in (
        "operator",
        "currency",
        "gross",
        "vat",
        "net",
        "refunds",
        "fees",
        "taps",
        "passenger-km",
        "posted",
    ):
        table.add_column(column, justify="left" if column in ("operator", "currency") else "right")
    for t in report.operators:
        table.add_row(
            t.operator_id or "(unallocated)",
            t.currency,
            decimal_amount(t.gross),
            decimal_amount(t.vat),
            decimal_amount(t.net),
            decimal_amount(t.refunds),
            decimal_amount(t.fees),
            str(t.taps),
            f"{t.distance_m / 1000:.3f}",
            decimal_amount(t.posted),
        )
    console.print(table)
    for row in report.rows:
        if row.note:
            console.print(
                f"note: {row.product_id} / {row.operator_id or '(unallocated)'}: {row.note}"
            )
    if post:
        console.print(
            f"posted {len(posted)} apportionment transaction(s)"
            + ("" if posted else ": the ledger was already up to date")
        )
    if csv_file is not None:
        text = report_csv(report)
        if to_stdout:
            sys.stdout.write(text)
        else:
            csv_file.write_text(text, encoding="utf-8", newline="")
            console.print(f"wrote {csv_file}")


def _queue_run(period: str) -> None:
    """Queue a clearing run (computed and posted by the worker, like POST /v1/clearing/runs)."""
    import getpass

    from mobility.db import get_engine, session_scope
    from mobility.errors import MobilityError
    from mobility.migrate import ensure_migrated
    from mobility.settings import get_settings
    from ticketing.clearing.errors import InvalidPeriod
    from ticketing.clearing.models import ClearingRunTrigger
    from ticketing.clearing.runs import request_run

    try:
        ensure_migrated(get_engine())
        with session_scope() as session:
            run, created = request_run(
                session,
                period,
                f"cli:{getpass.getuser()}",
                trigger=ClearingRunTrigger.CLI,
                tz=get_settings().timezone,
            )
            run_id, label = run.id, run.period
    except MobilityError as exc:
        err.print(f"[bold red]error:[/] {exc.detail}")
        raise typer.Exit(2 if isinstance(exc, InvalidPeriod) else 1) from exc
    state = "queued" if created else "already queued or running"
    out.print(f"clearing run {run_id} of {label}: {state} (GET /v1/clearing/runs/{run_id})")

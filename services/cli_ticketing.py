"""`mobility ticketing ...`: load an authority's tariffs, run clearing, reconcile payments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from services.cli_clearing import app as clearing_app

app = typer.Typer(no_args_is_help=True, help="Tariffs, clearing and payment reconciliation.")
app.add_typer(clearing_app, name="clearing")


@app.command("load-tariffs")
def load_tariffs(
    file: Annotated[Path, typer.Argument(help="The authority's tariff file (TOML)")],
    check: Annotated[
        bool, typer.Option("--check", help="Only validate the file; the database is not touched")
    ] = False,
) -> None:
    """Validate a tariff file and make it the current catalogue (all or nothing)."""
    from mobility.errors import MobilityError
    from services.cli import fail, read_toml_text

    text = read_toml_text(file)
    try:
        if check:
            from ticketing.catalogue.validation import parse_tariffs

            config = parse_tariffs(text, source=str(file))
            typer.echo(
                f"tariffs {config.authority.id}: {file} is valid ({len(config.operators)} "
                f"operators, {len(config.zones)} zones, {len(config.products)} products)"
            )
            return
        from mobility.db import session_scope
        from ticketing.catalogue.loader import load_tariffs as load

        with session_scope() as session:
            result = load(session, text, source=str(file))
    except MobilityError as exc:
        fail(exc.detail)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(result.summary_line())


@app.command("reconcile")
def reconcile(
    grace_minutes: Annotated[
        int, typer.Option(min=0, help="Leave payments younger than this to their webhooks")
    ] = 10,
) -> None:
    """Repair payments without passes and passes without payments (idempotent)."""
    from datetime import UTC, datetime, timedelta

    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from services.cli import fail
    from ticketing.orders.reconcile import reconcile as run
    from ticketing.payments.factory import get_payment_provider

    try:
        with session_scope() as session:
            report = run(
                session,
                get_payment_provider(),
                datetime.now(UTC),
                grace=timedelta(minutes=grace_minutes),
            )
    except MobilityError as exc:
        fail(exc.detail)
    typer.echo(report.summary())
    if report.errors:
        for line in report.errors:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(1)


@app.command("best-fare")
def best_fare(
    period: Annotated[str, typer.Option(help="The month to review, e.g. 2026-11")],
    post: Annotated[bool, typer.Option("--post", help="Post the refunds to the ledger")] = False,
) -> None:
    """Review a month's pay-as-you-go riders against the best fare; refund the difference."""
    from datetime import UTC, datetime

    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from mobility.money import Money
    from services.cli import fail
    from ticketing.catalogue.service import require_config
    from ticketing.clearing.service import parse_period
    from ticketing.pricing.service import best_fare_reviews, settle_best_fare

    try:
        with session_scope() as session:
            span = parse_period(period, require_config(session).timezone)
            if post:
                settlement = settle_best_fare(
                    session, span.label, span.start, span.end, datetime.now(UTC)
                )
                reviews, posted, errors = (settlement.reviews, settlement.posted, settlement.errors)
            else:
                reviews, posted, errors = best_fare_reviews(session, span.start, span.end), {}, []
    except MobilityError as exc:
        fail(exc.detail)
    due = [r for r in reviews if r.result.refund > 0]
    currency = reviews[0].currency if reviews else "EUR"
    total = Money(sum(r.result.refund for r in due), currency)
    line = f"{span.label}: {len(reviews)} rider(s) reviewed, {len(due)} owed {total} in all"
    if post:
        line += f"; posted now: {Money(sum(posted.values()), currency)}"
    typer.echo(line)
    for error in errors:
        typer.echo(f"  {error}", err=True)
    if errors:
        raise typer.Exit(1)

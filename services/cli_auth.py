"""`mobility auth token`: mint an access token on the server, to bootstrap operators.

Whoever can run this holds the server's JWT_SECRET already: it is the way a deployment's first
administrator or operator staff get a credential, before any login flow exists. The token
goes to stdout only (pipe it where it is needed); it is never logged.
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Credentials of API callers (bootstrap).")


@app.command("token")
def token(
    subject: Annotated[str, typer.Option(help="Who the token is for, e.g. an e-mail")],
    kind: Annotated[str, typer.Option(help="admin, operator_staff, planner, logistics, ...")],
    scope: Annotated[list[str], typer.Option(help="A scope to grant (repeat)")],
    operator: Annotated[str | None, typer.Option(help="Operator id, for operator staff")] = None,
    organisation: Annotated[str | None, typer.Option(help="For logistics firms")] = None,
    ttl_s: Annotated[int, typer.Option(min=60, max=86_400, help="Lifetime in seconds")] = 900,
) -> None:
    """Print an access token for a principal (run where JWT_SECRET is configured)."""
    from mobility.auth.access_tokens import issue_access_token
    from mobility.auth.principals import Principal, PrincipalKind
    from mobility.errors import MobilityError
    from services.cli import fail

    try:
        principal = Principal(
            subject=subject,
            kind=PrincipalKind(kind),
            scopes=frozenset(scope),
            operator_id=operator,
            organisation_id=organisation,
        )
        typer.echo(issue_access_token(principal, ttl_s=ttl_s))
    except (MobilityError, ValueError) as exc:
        fail(exc.detail if isinstance(exc, MobilityError) else str(exc), 2)

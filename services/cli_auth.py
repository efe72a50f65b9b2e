"""`mobility auth`: bootstrap credentials, and the organisations their holders belong to.

Whoever can run `auth token` holds the server's JWT_SECRET already: it is the way a
deployment's first administrator or operator staff get a credential, before any login flow
exists. Tokens and keys go to stdout only (pipe them where they are needed); never to a log.
A credential naming an organisation is issued only to one of its members, and carries it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mobility.auth.principals import Principal

app = typer.Typer(no_args_is_help=True, help="Credentials of API callers, organisations.")
org_app = typer.Typer(no_args_is_help=True, help="Organisations (logistics firms, operators).")
app.add_typer(org_app, name="org")


@app.command("token")
def token(
    subject: Annotated[str, typer.Option(help="Who the token is for, e.g. an e-mail")],
    kind: Annotated[str, typer.Option(help="admin, operator_staff, planner, logistics, ...")],
    scope: Annotated[list[str], typer.Option(help="A scope to grant (repeat)")],
    operator: Annotated[str | None, typer.Option(help="Operator id, for operator staff")] = None,
    organisation: Annotated[
        str | None, typer.Option(help="The member's organisation (logistics firms)")
    ] = None,
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
        if organisation is not None:
            principal = _member_principal(principal, organisation)
        typer.echo(issue_access_token(principal, ttl_s=ttl_s))
    except (MobilityError, ValueError) as exc:
        fail(exc.detail if isinstance(exc, MobilityError) else str(exc), 2)


def _member_principal(asked: Principal, organisation: str) -> Principal:
    """The member's principal as the organisation defines it (kind, operator), checked against
    what was asked: a token never claims an organisation its subject is not a member of."""
    from mobility.auth.organisations import member_principal
    from mobility.db import session_scope

    with session_scope() as session:
        member = member_principal(session, organisation, asked.subject, asked.scopes)
    if member.kind is not asked.kind:
        raise ValueError(f"members of {organisation!r} are {member.kind.value}, not {asked.kind}")
    if asked.operator_id is not None and asked.operator_id != member.operator_id:
        raise ValueError(f"{organisation!r} is not operator {asked.operator_id!r}")
    return member


@app.command("key")
def key(
    organisation: Annotated[str, typer.Option(help="The logistics firm the key acts for")],
    label: Annotated[str, typer.Option(help="What the key is for, e.g. the firm's TMS")],
    scope: Annotated[list[str], typer.Option(help="A scope to grant (repeat)")],
) -> None:
    """Create an API key for a logistics firm's own systems; the key is printed once."""
    from mobility.auth.api_keys import create_api_credential
    from mobility.auth.models import ApiCredentialKind, OrganisationKind
    from mobility.auth.organisations import get_organisation
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from services.cli import fail

    try:
        with session_scope() as session:
            if get_organisation(session, organisation).kind is not OrganisationKind.LOGISTICS:
                raise ValueError(f"{organisation!r} is an operator: its gates have their keys")
            issued = create_api_credential(
                session,
                kind=ApiCredentialKind.LOGISTICS,
                label=label,
                scopes=scope,
                organisation_id=organisation,
            )
            credential_id, api_key = issued.credential.id, issued.key
    except (MobilityError, ValueError) as exc:
        fail(exc.detail if isinstance(exc, MobilityError) else str(exc), 2)
    typer.echo(f"credential {credential_id} for {organisation}", err=True)
    typer.echo(api_key)


@org_app.command("create")
def org_create(
    organisation_id: Annotated[str, typer.Argument(help="Short code, e.g. trasporti-rossi")],
    name: Annotated[str, typer.Option(help="The organisation's name")],
    kind: Annotated[str, typer.Option(help="logistics or operator")] = "logistics",
    operator: Annotated[str | None, typer.Option(help="For an operator: its code")] = None,
    owner: Annotated[str | None, typer.Option(help="First owner's subject (e-mail)")] = None,
) -> None:
    """Create an organisation (and its first owner)."""
    from mobility.auth.models import OrganisationKind
    from mobility.auth.organisations import create_organisation
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from services.cli import fail

    try:
        with session_scope() as session:
            create_organisation(
                session,
                organisation_id,
                name,
                OrganisationKind(kind),
                operator_id=operator,
                owner=owner,
            )
    except (MobilityError, ValueError) as exc:
        fail(exc.detail if isinstance(exc, MobilityError) else str(exc), 2)
    typer.echo(f"organisation {organisation_id} created")


@org_app.command("add-member")
def org_add_member(
    organisation_id: Annotated[str, typer.Argument(help="The organisation")],
    subject: Annotated[str, typer.Argument(help="The member's subject (e-mail)")],
    role: Annotated[str, typer.Option(help="owner, admin or member")] = "member",
) -> None:
    """Add a member to an organisation."""
    from mobility.auth.models import MemberRole
    from mobility.auth.organisations import add_member
    from mobility.db import session_scope
    from mobility.errors import MobilityError
    from services.cli import fail

    try:
        with session_scope() as session:
            add_member(session, organisation_id, subject, MemberRole(role))
    except (MobilityError, ValueError) as exc:
        fail(exc.detail if isinstance(exc, MobilityError) else str(exc), 2)
    typer.echo(f"{subject} is {role} of {organisation_id}")


@org_app.command("list")
def org_list() -> None:
    """Organisations, with their members and roles."""
    from mobility.auth.organisations import list_organisations, members
    from mobility.db import session_scope

    with session_scope() as session:
        for organisation in list_organisations(session):
            operator = f", operator {organisation.operator_id}" if organisation.operator_id else ""
            typer.echo(f"{organisation.id}: {organisation.name} ({organisation.kind}{operator})")
            for member in members(session, organisation.id):
                typer.echo(f"  {member.subject} {member.role}")

"""`mobility auth org create/add-member/list`, and credentials issued for members: a token or
key names an organisation only for one of its members; mistakes are one line and exit 2."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mobility.auth.access_tokens import AccessTokenConfig, verify_access_token
from mobility.auth.api_keys import authenticate_api_key
from mobility.auth.principals import PrincipalKind
from tests.services.test_cli import run_cli


def test_organisations_members_and_their_credentials(engine: Engine) -> None:
    """Create a firm with its owner, add a member, list them; the member's token carries the
    firm; a firm's key authenticates as it; a non-member gets no token."""
    secret = secrets.token_urlsafe(48)
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False), "JWT_SECRET": secret}
    created = run_cli("auth", "org", "create", "rossi", "--name", "Trasporti Rossi",
                      "--owner", "anna@rossi.example", env=env)  # fmt: skip
    assert created.returncode == 0, created.stderr
    added = run_cli("auth", "org", "add-member", "rossi", "marco@rossi.example",
                    "--role", "admin", env=env)  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = run_cli("auth", "org", "list", env=env)
    assert listed.stdout.splitlines() == [
        "rossi: Trasporti Rossi (logistics)",
        "  anna@rossi.example owner",
        "  marco@rossi.example admin",
    ]

    token = run_cli("auth", "token", "--subject", "marco@rossi.example", "--kind", "logistics",
                    "--organisation", "rossi", "--scope", "freight:plan", env=env)  # fmt: skip
    assert token.returncode == 0, token.stderr
    principal = verify_access_token(token.stdout.strip(), config=AccessTokenConfig(secret=secret))
    assert (principal.kind, principal.organisation_id) == (PrincipalKind.LOGISTICS, "rossi")

    key = run_cli("auth", "key", "--organisation", "rossi", "--label", "TMS",
                  "--scope", "freight:plan", env=env)  # fmt: skip
    assert key.returncode == 0, key.stderr
    with Session(engine) as session:
        by_key = authenticate_api_key(session, key.stdout.strip())
    assert (by_key.kind, by_key.organisation_id) == (PrincipalKind.LOGISTICS, "rossi")

    stranger = run_cli("auth", "token", "--subject", "eve@else.example", "--kind", "logistics",
                       "--organisation", "rossi", "--scope", "freight:plan", env=env)  # fmt: skip
    assert stranger.returncode == 2
    assert "not a member" in stranger.stderr
    assert stranger.stderr.strip().count("\n") == 0


def test_bad_organisations_are_usage_errors(engine: Engine) -> None:
    """A bad id, an operator without its operator code, a duplicate and an unknown role are
    each one line on stderr and exit 2, and change nothing."""
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    for args in (
        ("create", "Bad Id", "--name", "X"),
        ("create", "ctt-org", "--name", "CTT", "--kind", "operator"),
        ("add-member", "nobody", "x@y.it"),
    ):
        result = run_cli("auth", "org", *args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip().count("\n") == 0
    assert run_cli("auth", "org", "create", "blu", "--name", "Blu", env=env).returncode == 0
    again = run_cli("auth", "org", "create", "blu", "--name", "Blu", env=env)
    assert again.returncode == 2
    assert "exists" in again.stderr
    role = run_cli("auth", "org", "add-member", "blu", "x@blu.it", "--role", "boss", env=env)
    assert role.returncode == 2
    assert run_cli("auth", "org", "list", env=env).stdout.splitlines() == ["blu: Blu (logistics)"]

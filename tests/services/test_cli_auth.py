"""`mobility auth token` mints a working access token; bad principals are usage errors."""

from __future__ import annotations

import secrets

import pytest

from mobility.auth.access_tokens import AccessTokenConfig, verify_access_token
from mobility.auth.principals import PrincipalKind
from tests.services.test_cli import run_cli


def test_token_for_operator_staff_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The printed token verifies with the same secret and carries kind, scope and operator."""
    secret = secrets.token_urlsafe(48)
    monkeypatch.setenv("JWT_SECRET", secret)
    r = run_cli("auth", "token", "--subject", "ops@ctt.example", "--kind", "operator_staff",
                "--scope", "operator:manage", "--operator", "CTT",
                env={"JWT_SECRET": secret})  # fmt: skip
    assert r.returncode == 0, r.stderr
    principal = verify_access_token(r.stdout.strip(), config=AccessTokenConfig(secret=secret))
    assert principal.kind is PrincipalKind.OPERATOR_STAFF
    assert principal.operator_id == "CTT"
    assert "operator:manage" in principal.scopes


def test_staff_without_operator_is_refused() -> None:
    """Operator staff must name their operator: exit 2, one line."""
    r = run_cli("auth", "token", "--subject", "x", "--kind", "operator_staff",
                "--scope", "operator:manage", env={"JWT_SECRET": "x" * 40})  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0

"""Helpers of the ledger and clearing tests: an app client and callers' bearer headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope

JWT_SECRET = "ledger-test-secret-" + "y" * 40


@pytest.fixture
def client(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # noqa: ARG001
    """The whole app on this test's database, with an access-token secret."""
    from mobility.settings import get_settings
    from services.app import create_app

    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    get_settings.cache_clear()
    with TestClient(create_app()) as made:
        yield made


def bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def admin() -> dict[str, str]:
    return bearer(Principal("root", PrincipalKind.ADMIN, frozenset({Scope.ADMIN})))


def clearing_staff(operator: str | None = None) -> dict[str, str]:
    """clearing:read: of one operator's staff, or of the authority (no operator)."""
    if operator is None:
        return bearer(
            Principal("auditor", PrincipalKind.INTEGRATION, frozenset({Scope.CLEARING_READ}))
        )
    return bearer(
        Principal(
            f"staff-{operator}",
            PrincipalKind.OPERATOR_STAFF,
            frozenset({Scope.CLEARING_READ}),
            operator_id=operator,
        )
    )


def traveller() -> dict[str, str]:
    return bearer(Principal("acc_1", PrincipalKind.TRAVELLER, frozenset({Scope.ORDERS_READ})))

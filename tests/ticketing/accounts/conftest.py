"""Fixtures of the account tests: settings on both databases and real Redis, a rolled-back
session for service tests, and the service's application for API tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import make_engine
from mobility.migrate import upgrade
from mobility.settings import get_settings
from services.app import create_app
from tests.conftest import _migrated

JWT_SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"


@pytest.fixture
def rate_limit() -> str:
    """The auth rate limit of the test; high unless a test is about rate limiting."""
    return "1000/minute"


@pytest.fixture
def app_env(
    settings_env: None,  # noqa: ARG001
    monkeypatch: pytest.MonkeyPatch,
    rate_limit: str,
) -> Iterator[None]:
    """This test's database and Redis prefix, an access-token secret, the auth rate limit."""
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("AUTH_RATE_LIMIT", rate_limit)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def session(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """A session inside a transaction rolled back after the test, on the migrated database
    (the service tests commit nothing, so they skip the engine fixture's emptying)."""
    if database_url not in _migrated:
        made_engine = make_engine(database_url)
        upgrade(made_engine)
        _migrated[database_url] = made_engine
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    get_settings.cache_clear()
    with _migrated[database_url].connect() as conn, conn.begin() as transaction:
        made = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield made
        finally:
            made.close()
            transaction.rollback()
    get_settings.cache_clear()


@pytest.fixture
def app(app_env: None) -> FastAPI:  # noqa: ARG001
    """The service's application, as deployed (without the start-up migration check)."""
    return create_app(check_migrations=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as made:
        yield made


def bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def staff(operator: str = "ATL") -> dict[str, str]:
    """Headers of operator staff (operator:manage)."""
    return bearer(
        Principal(
            subject=f"staff-{operator}",
            kind=PrincipalKind.OPERATOR_STAFF,
            scopes=frozenset({Scope.OPERATOR_MANAGE}),
            operator_id=operator,
        )
    )


def admin() -> dict[str, str]:
    return bearer(
        Principal(subject="root", kind=PrincipalKind.ADMIN, scopes=frozenset({Scope.ADMIN}))
    )


def assert_problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    """The response is problem+json with this status (and type slug); its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if slug is not None:
        assert body["type"].endswith("/" + slug), body["type"]
    return body


@pytest.fixture
def signup(client: TestClient) -> Callable[..., dict[str, Any]]:
    """Register through the API and log in; the account and its token response."""

    def make(email: str = "anna@example.it", password: str = PASSWORD) -> dict[str, Any]:
        made = client.post(
            "/v1/auth/register",
            json={"email": email, "password": password, "display_name": "Anna"},
        )
        assert made.status_code == 201, made.text
        login = client.post(
            "/v1/auth/token", json={"grant_type": "password", "email": email, "password": password}
        )
        assert login.status_code == 200, login.text
        tokens = login.json()
        return {
            "account": made.json(),
            "tokens": tokens,
            "headers": {"Authorization": f"Bearer {tokens['access_token']}"},
        }

    return make

"""The FastAPI dependencies on a tiny app: 401, 403 and 200, as problem+json with challenges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.api_keys import create_api_credential, revoke_api_credential
from mobility.auth.deps import (
    CurrentPrincipal,
    OptionalPrincipal,
    install_auth_problem_handlers,
    require_scopes,
)
from mobility.auth.models import ApiCredentialKind
from mobility.auth.principals import Principal, PrincipalKind, Scope, ensure_gate_access
from mobility.deps import get_session
from mobility.errors import PROBLEM_BASE
from mobility.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from mobility.settings import get_settings

from .conftest import TEST_SECRET

PLANNER = Principal(
    subject="planner-1", kind=PrincipalKind.PLANNER, scopes=frozenset({Scope.SCENARIOS_RUN})
)


def _app(engine: Engine) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_auth_problem_handlers(app)

    def session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as s:
            yield s
            s.commit()

    app.dependency_overrides[get_session] = session

    @app.get("/me")
    def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"subject": principal.subject, "kind": principal.kind.value}

    @app.get("/hello")
    def hello(principal: OptionalPrincipal) -> dict[str, str | None]:
        return {"subject": principal.subject if principal else None}

    @app.post("/scenarios", dependencies=[Depends(require_scopes(Scope.SCENARIOS_RUN))])
    def run_scenario() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/operators/{operator_id}/gates/{gate_id}/validations")
    def validate(
        operator_id: str,
        gate_id: str,
        principal: Annotated[Principal, Depends(require_scopes(Scope.GATES_VALIDATE))],
    ) -> dict[str, str]:
        ensure_gate_access(principal, gate_id, operator_id)
        return {"gate": gate_id}

    return app


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    get_settings.cache_clear()
    with TestClient(_app(engine)) as c:
        yield c
    get_settings.cache_clear()


@pytest.fixture
def gate_key(engine: Engine) -> str:
    with Session(engine) as s:
        issued = create_api_credential(
            s,
            kind=ApiCredentialKind.GATE,
            label="gate 1",
            scopes=[Scope.GATES_VALIDATE],
            operator_id="op-a",
            gate_ids=["g1"],
        )
        s.commit()
        return issued.key


def _bearer(principal: Principal, now: datetime | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_access_token(principal, now=now)}"}


def _assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == PROBLEM_BASE + slug
    assert response.headers["www-authenticate"]


@pytest.mark.parametrize(
    ("headers", "slug"),
    [
        ({}, "unauthorized"),
        ({"Authorization": "Bearer garbage"}, "invalid-credentials"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "unauthorized"),
        ({"X-API-Key": "mob_garbage"}, "invalid-credentials"),
        ({"Authorization": "ApiKey nope"}, "invalid-credentials"),
    ],
)
def test_missing_or_garbage_credentials_are_401(
    client: TestClient, headers: dict[str, str], slug: str
) -> None:
    """No header, or one that is not a valid token or key, is 401 problem+json with a challenge."""
    response = client.post("/scenarios", headers=headers)
    _assert_problem(response, 401, slug)
    assert "garbage" not in response.text


def test_expired_token_is_401(client: TestClient) -> None:
    """An expired access token is 401 invalid-credentials, with error=invalid_token."""
    past = datetime.now(UTC) - timedelta(hours=2)
    response = client.post("/scenarios", headers=_bearer(PLANNER, now=past))
    _assert_problem(response, 401, "invalid-credentials")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "expired" in response.json()["detail"]


def test_right_scope_is_200_wrong_scope_is_403(client: TestClient) -> None:
    """A planner token may run scenarios but not validate at gates (403 insufficient-scope)."""
    assert client.post("/scenarios", headers=_bearer(PLANNER)).json() == {"ok": True}
    assert client.get("/me", headers=_bearer(PLANNER)).json()["kind"] == "planner"
    response = client.post("/operators/op-a/gates/g1/validations", headers=_bearer(PLANNER))
    _assert_problem(response, 403, "insufficient-scope")
    assert response.json()["missing_scopes"] == ["gates:validate"]
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


def test_gate_key_acts_only_at_its_gate(client: TestClient, gate_key: str) -> None:
    """A gate key is 200 at its gate (either header), 403 at another operator's or gate."""
    for headers in ({"X-API-Key": gate_key}, {"Authorization": f"ApiKey {gate_key}"}):
        ok = client.post("/operators/op-a/gates/g1/validations", headers=headers)
        assert ok.status_code == 200, ok.text
    other_operator = client.post(
        "/operators/op-b/gates/g1/validations", headers={"X-API-Key": gate_key}
    )
    assert other_operator.status_code == 403
    assert other_operator.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert other_operator.json()["type"] == PROBLEM_BASE + "forbidden"
    other_gate = client.post(
        "/operators/op-a/gates/g2/validations", headers={"X-API-Key": gate_key}
    )
    assert other_gate.status_code == 403
    assert client.post("/scenarios", headers={"X-API-Key": gate_key}).status_code == 403


def test_revoked_key_and_two_credentials_are_401(
    client: TestClient, gate_key: str, engine: Engine
) -> None:
    """A revoked key is refused; so is a request presenting both a token and a key."""
    both = {"X-API-Key": gate_key, **_bearer(PLANNER)}
    _assert_problem(client.get("/me", headers=both), 401, "invalid-credentials")
    with Session(engine) as s:
        revoke_api_credential(s, gate_key.split("_")[1])
        s.commit()
    response = client.get("/me", headers={"X-API-Key": gate_key})
    _assert_problem(response, 401, "invalid-credentials")
    assert "revoked" in response.json()["detail"]


def test_optional_principal(client: TestClient) -> None:
    """An anonymous caller passes as None; a caller with a bad credential is still 401."""
    assert client.get("/hello").json() == {"subject": None}
    assert client.get("/hello", headers=_bearer(PLANNER)).json() == {"subject": "planner-1"}
    _assert_problem(
        client.get("/hello", headers={"Authorization": "Bearer x"}), 401, "invalid-credentials"
    )


def test_openapi_declares_both_schemes(client: TestClient) -> None:
    """The OpenAPI document names the bearer token and the API key header as security schemes."""
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["AccessToken"]["scheme"] == "bearer"
    assert schemes["ApiKey"]["name"] == "X-API-Key"

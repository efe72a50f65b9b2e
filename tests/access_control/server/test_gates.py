"""The gate registry: POST /v1/gates with its credential, GET /v1/gates/{id}."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect

from tests.access_control.server.conftest import (
    RegisteredGate,
    admin,
    assert_problem,
    gate_body,
    staff,
)


def test_migration_creates_the_access_tables(engine: Engine) -> None:
    """The Alembic head has the four access-control tables."""
    names = set(inspect(engine).get_table_names())
    assert {"access_gates", "access_revocation_events", "access_taps", "access_single_use"} <= names


def test_staff_register_a_gate_of_their_operator_with_a_credential(client: TestClient) -> None:
    """Staff get the gate (their operator) and a gate API key that reads it back."""
    response = client.post("/v1/gates", json=gate_body(), headers=staff("ATL"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["gate"]["operator_id"] == "ATL"
    assert body["gate"]["zones"] == ["Z1"]
    assert body["api_key"].startswith("mob_")
    own = client.get("/v1/gates/G-MOLO-1-E1", headers={"X-API-Key": body["api_key"]})
    assert own.status_code == 200, own.text
    assert own.json()["gate_group"] == "molo-1"
    assert client.get("/v1/gates/G-MOLO-1-E1", headers=staff("ATL")).status_code == 200


def test_staff_cannot_register_for_another_operator(client: TestClient) -> None:
    """An operator_id other than the caller's is refused with problem+json 403."""
    response = client.post("/v1/gates", json=gate_body(operator_id="CTT"), headers=staff("ATL"))
    assert_problem(response, 403)


def test_admin_registers_for_any_operator(client: TestClient) -> None:
    """An administrator names the operator."""
    response = client.post("/v1/gates", json=gate_body(operator_id="CTT"), headers=admin())
    assert response.status_code == 201, response.text
    assert response.json()["gate"]["operator_id"] == "CTT"


def test_duplicate_gate_conflicts(
    register: Callable[..., RegisteredGate], client: TestClient
) -> None:
    """A gate id is registered once."""
    register()
    assert_problem(client.post("/v1/gates", json=gate_body(), headers=staff()), 409)


def test_stop_reference_is_feed_colon_stop(client: TestClient) -> None:
    """A stop gate needs FEED:STOP_ID."""
    response = client.post("/v1/gates", json=gate_body(location_ref="MOLO1"), headers=staff())
    assert_problem(response, 422)


def test_other_operator_and_other_gate_cannot_read(
    register: Callable[..., RegisteredGate], client: TestClient
) -> None:
    """Another operator's staff get 404 (gate ids are not enumerable across operators);
    another gate of the same operator 403; no credential 401."""
    gate = register()
    other = register("G-MOLO-1-E2")
    assert_problem(client.get(f"/v1/gates/{gate.id}", headers=staff("CTT")), 404)
    assert_problem(client.get(f"/v1/gates/{gate.id}", headers=other.headers), 403)
    assert_problem(client.get(f"/v1/gates/{gate.id}"), 401)
    assert_problem(client.get("/v1/gates/NOPE", headers=staff()), 404)


def test_gate_credential_cannot_register_gates(
    register: Callable[..., RegisteredGate], client: TestClient
) -> None:
    """A gate key lacks operator:manage."""
    gate = register()
    assert_problem(client.post("/v1/gates", json=gate_body("X2"), headers=gate.headers), 403)

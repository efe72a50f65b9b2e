"""Two API processes against one PostgreSQL and one Redis behave as one: no state held in a
process breaks correctness when a client's requests alternate between them, as a load balancer
sends them.

Each process is `uvicorn services.asgi:app` on a free port of 127.0.0.1, started for the test."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from access_control.keys import KeyRing, generate_key, write_keyring_file
from access_control.proof import DeviceKey
from access_control.qr import format_payload
from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from mobility.settings import get_settings
from tests.faults.processes import ApiProcess
from tests.ticketing.shop import TARIFFS, steady_tariffs
from ticketing.catalogue.loader import load_tariffs

JWT_SECRET = "two-processes-secret-" + "z" * 40
AUTH_LIMIT = 4
PASSWORD = "a long passphrase 42"


@pytest.fixture(scope="session")
def database_url(postgresql_url: str) -> str:
    """These tests are about PostgreSQL: two processes sharing one database server."""
    return postgresql_url


@pytest.fixture
def pair(
    settings_env: None,  # noqa: ARG001
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Two API processes with one configuration (the tariffs loaded once, in the database)."""
    keys = tmp_path / "keys.json"
    write_keyring_file(
        keys, KeyRing([generate_key("t1", not_before=datetime.now(UTC) - timedelta(days=1))])
    )
    env = {
        "JWT_SECRET": JWT_SECRET,
        "SIGNING_KEY_FILE": str(keys),
        "PAYMENT_PROVIDER": "sandbox",
        "AUTH_RATE_LIMIT": f"{AUTH_LIMIT}/minute",
        "LOG_FORMAT": "json",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with session_scope() as session:
        load_tariffs(session, steady_tariffs(), source=str(TARIFFS))
    processes = [ApiProcess({}, tmp_path / f"api-{n}.log") for n in range(2)]
    try:
        for process in processes:
            process.wait_ready()
        yield processes[0].client, processes[1].client
    finally:
        for process in processes:
            process.stop()


def _bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def _staff(operator: str) -> dict[str, str]:
    return _bearer(
        Principal(
            subject=f"staff-{operator}",
            kind=PrincipalKind.OPERATOR_STAFF,
            scopes=frozenset({Scope.OPERATOR_MANAGE}),
            operator_id=operator,
        )
    )


def _admin() -> dict[str, str]:
    return _bearer(
        Principal(subject="root", kind=PrincipalKind.ADMIN, scopes=frozenset({Scope.ADMIN}))
    )


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _gate(api: httpx.Client, group: str) -> tuple[str, dict[str, str]]:
    gate_id = f"G-{uuid.uuid4().hex[:8]}"
    body = {
        "id": gate_id,
        "name": "Stazione Centrale",
        "location_kind": "stop",
        "location_ref": "spezia:CENTRALE",
        "direction": "entry",
        "gate_group": group,
        "network": "SP-URB",
        "zones": ["SP-URB"],
    }
    made = _ok(api.post("/v1/gates", json=body, headers=_staff("ATC")), 201)
    return gate_id, {"X-API-Key": made["api_key"]}


def test_a_traveller_served_by_both_processes_sees_one_state(
    pair: tuple[httpx.Client, httpx.Client],
) -> None:
    """Register on one process, log in on the other; an order retried on the other process
    with its Idempotency-Key is the same order; paid on one, it reads fulfilled on the other;
    a refresh token rotated on one is refused when replayed on the other; a pass revoked on
    one process is refused by the other's gates, and restored on the other opens again."""
    a, b = pair
    email = f"rider-{uuid.uuid4().hex[:8]}@example.it"
    _ok(
        a.post(
            "/v1/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Rider"},
        ),
        201,
    )
    login = {"grant_type": "password", "email": email, "password": PASSWORD}
    session = _ok(b.post("/v1/auth/token", json=login))
    rider = {"Authorization": f"Bearer {session['access_token']}"}
    assert _ok(a.get("/v1/me", headers=rider))["email"] == email

    rotated = _ok(
        a.post(
            "/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": session["refresh_token"]},
        )
    )
    replay = b.post(
        "/v1/auth/token",
        json={"grant_type": "refresh_token", "refresh_token": session["refresh_token"]},
    )
    assert replay.status_code in (400, 401), replay.text
    assert rotated["refresh_token"] != session["refresh_token"]

    device = DeviceKey.generate()
    device_key = base64.urlsafe_b64encode(device.public_bytes).rstrip(b"=").decode()
    order_body = {"lines": [{"product_id": "SP-90"}], "device_key": device_key}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = _ok(a.post("/v1/orders", json=order_body, headers={**rider, **key}), 201)
    again = b.post("/v1/orders", json=order_body, headers={**rider, **key})
    assert again.status_code in (200, 201), again.text
    assert again.json()["id"] == first["id"]
    paid = _ok(
        b.post(
            f"/v1/orders/{first['id']}/confirm",
            json={"payment_method": "pm_card_visa"},
            headers=rider,
        )
    )
    read = _ok(a.get(f"/v1/orders/{first['id']}", headers=rider))
    assert (read["status"], read["pass_ids"]) == ("fulfilled", paid["pass_ids"])
    assert [o["id"] for o in _ok(a.get("/v1/orders", headers=rider))] == [first["id"]]

    pass_id = paid["pass_ids"][0]
    minted = _ok(b.get(f"/v1/passes/{pass_id}/token", headers=rider))

    def validate(api: httpx.Client, gate: tuple[str, dict[str, str]]) -> tuple[bool, str]:
        payload = format_payload(minted["token"], device.prove(minted["jti"], datetime.now(UTC)))
        body = _ok(
            api.post(f"/v1/gates/{gate[0]}/validate", json={"payload": payload}, headers=gate[1])
        )
        assert body["degraded"] is False
        return body["open"], body["code"]

    # Each check at a gate of its own group, so the passback rule stays out of the way.
    assert validate(a, _gate(b, "g1")) == (True, "ok")
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    _ok(b.post(f"/v1/passes/{pass_id}/revoke", json={"until": until}, headers=_admin()), 201)
    assert validate(a, _gate(a, "g2")) == (False, "revoked")
    _ok(a.post(f"/v1/passes/{pass_id}/restore", json={}, headers=_admin()), 201)
    assert validate(b, _gate(a, "g3")) == (True, "ok")


def test_the_auth_rate_limit_is_one_count_across_processes(
    pair: tuple[httpx.Client, httpx.Client],
) -> None:
    """Failed logins alternating between the processes: the limit is reached after
    AUTH_LIMIT attempts in all, not per process, and then both answer 429."""
    a, b = pair
    email = f"target-{uuid.uuid4().hex[:8]}@example.it"
    _ok(
        b.post(
            "/v1/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Target"},
        ),
        201,
    )
    wrong = {"grant_type": "password", "email": email, "password": "not the passphrase 0"}
    answers = [api.post("/v1/auth/token", json=wrong).status_code for api in (a, b) * AUTH_LIMIT]
    assert answers[:AUTH_LIMIT] == [401] * AUTH_LIMIT
    assert answers[AUTH_LIMIT:] == [429] * AUTH_LIMIT

"""Fixtures of the server-side access-control tests: the app on both databases and real Redis,
a signing keyring, staff and admin access tokens, a registered gate with its API key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import redis as redis_lib
from fastapi.testclient import TestClient
from redis.backoff import NoBackoff
from redis.retry import Retry

import access_control.models  # noqa: F401  (until the `mobility.models` entry point exists)
from access_control.keyring_provider import reset_keyring_cache
from access_control.keys import KeyRing, generate_key, write_keyring_file
from access_control.proof import DeviceKey
from access_control.qr import format_payload
from access_control.tokens import PassClaims, issue_pass_token
from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from services.app import create_app

ISSUER = "ltc"
AUDIENCE = "gate"
JWT_SECRET = "test-secret-" + "x" * 40


@pytest.fixture
def keyring() -> KeyRing:
    return KeyRing([generate_key("srv1", not_before=datetime.now(UTC) - timedelta(days=1))])


@pytest.fixture
def app_env(
    settings_env: None,  # noqa: ARG001
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    keyring: KeyRing,
) -> Iterator[None]:
    """Settings for this test's database and Redis, a keyring file and an access-token secret."""
    path = tmp_path / "keys.json"
    write_keyring_file(path, keyring)
    monkeypatch.setenv("SIGNING_KEY_FILE", str(path))
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("PASS_TOKEN_ISSUER", ISSUER)
    monkeypatch.setenv("PASS_TOKEN_AUDIENCE", AUDIENCE)
    from mobility.settings import get_settings

    get_settings.cache_clear()
    reset_keyring_cache()
    yield
    reset_keyring_cache()


@pytest.fixture
def client(app_env: None) -> Iterator[TestClient]:  # noqa: ARG001
    with TestClient(create_app()) as made:
        yield made


def bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def staff(operator: str = "ATL") -> dict[str, str]:
    """Headers of operator staff of `operator` (operator:manage)."""
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


def gate_body(gate_id: str = "G-MOLO-1-E1", **overrides: Any) -> dict[str, Any]:
    """An entry gate at a stop of the LITO network, zone Z1, group molo-1."""
    body: dict[str, Any] = {
        "id": gate_id,
        "name": "Molo 1, ingresso",
        "location_kind": "stop",
        "location_ref": "spezia:MOLO1",
        "direction": "entry",
        "gate_group": "molo-1",
        "network": "LITO",
        "zones": ["Z1"],
    }
    body.update(overrides)
    return body


@dataclass(frozen=True)
class RegisteredGate:
    id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}


@pytest.fixture
def register(client: TestClient) -> Callable[..., RegisteredGate]:
    """Register a gate through the API (as staff of `operator`) and keep its API key."""

    def make(gate_id: str = "G-MOLO-1-E1", operator: str = "ATL", **body: Any) -> RegisteredGate:
        response = client.post(
            "/v1/gates", json=gate_body(gate_id, **body), headers=staff(operator)
        )
        assert response.status_code == 201, response.text
        return RegisteredGate(gate_id, response.json()["api_key"])

    return make


@dataclass(frozen=True)
class Pass:
    token: str
    jti: str
    pass_id: str
    device: DeviceKey

    def payload(self, now: datetime | None = None) -> str:
        moment = now or datetime.now(UTC)
        return format_payload(self.token, self.device.prove(self.jti, moment))


@pytest.fixture
def issue_pass(keyring: KeyRing) -> Callable[..., Pass]:
    """Issue a pass now with the server's keyring (claim overrides allowed)."""
    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> Pass:
        now = datetime.now(UTC)
        device = DeviceKey.generate()
        fields: dict[str, Any] = {
            "pass_id": f"P{next(counter):04d}X",
            "product": "SETT7",
            "rider_category": "ADU",
            "operators": ("ATL", "CTT"),
            "networks": ("LITO",),
            "zones": ("Z1", "Z2"),
            "valid_from": now - timedelta(hours=1),
            "valid_until": now + timedelta(days=1),
            "single_use": False,
            "device_key": device.public_bytes,
        }
        fields.update(overrides)
        claims = PassClaims(**fields)
        token = issue_pass_token(claims, keyring, issuer=ISSUER, audience=AUDIENCE, now=now)
        jti = jwt.decode(token, options={"verify_signature": False})["jti"]
        return Pass(token, jti, claims.pass_id, device)

    return make


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is problem+json with this status; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


class BrokenRedis(redis_lib.Redis):
    """A client whose server is unreachable (nothing listens on port 1), failing fast."""

    def __init__(self) -> None:
        super().__init__(
            host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
        )

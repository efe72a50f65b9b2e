"""Fixtures of the access-control tests: a fixed clock, a key ring, a device, a realistic pass."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from access_control.jwks import b64url_encode
from access_control.keys import KeyRing, SigningKey, generate_key
from access_control.proof import DeviceKey
from access_control.tokens import PassClaims, issue_pass_token

# Mid-step on purpose (07 s into a 15 s step): tests move the clock by whole steps from here.
NOW = datetime(2025, 6, 2, 8, 0, 7, tzinfo=UTC)
ISSUER = "ltc"
AUDIENCE = "gate"


def realistic_claims(device: DeviceKey, **overrides: Any) -> PassClaims:
    """A weekly adult pass on two operators, one network, three zones: the size benchmark too."""
    fields: dict[str, Any] = {
        "pass_id": "P7K2M9Q4XA",
        "product": "SETT7",
        "rider_category": "ADU",
        "operators": ("ATL", "CTT"),
        "networks": ("LITO",),
        "zones": ("Z1", "Z2", "Z3"),
        "valid_from": NOW - timedelta(hours=1),
        "valid_until": NOW + timedelta(days=7),
        "single_use": False,
        "device_key": device.public_bytes,
    }
    fields.update(overrides)
    return PassClaims(**fields)


@dataclass(frozen=True)
class Issued:
    """A token issued at NOW, with what a test needs to present or forge around it."""

    token: str
    jti: str
    claims: PassClaims
    device: DeviceKey

    def payload(self) -> dict[str, Any]:
        return dict(jwt.decode(self.token, options={"verify_signature": False}))

    def proof(self, now: datetime = NOW) -> str:
        return self.device.prove(self.jti, now)


@pytest.fixture
def signing_key() -> SigningKey:
    return generate_key("k1", not_before=NOW - timedelta(days=30))


@pytest.fixture
def ring(signing_key: SigningKey) -> KeyRing:
    return KeyRing([signing_key])


@pytest.fixture
def device() -> DeviceKey:
    return DeviceKey.generate()


@pytest.fixture
def issue(ring: KeyRing, device: DeviceKey) -> Callable[..., Issued]:
    """Issue a realistic pass at NOW, with claim overrides."""

    def make(**overrides: Any) -> Issued:
        claims = realistic_claims(device, **overrides)
        token = issue_pass_token(claims, ring, issuer=ISSUER, audience=AUDIENCE, now=NOW)
        jti = jwt.decode(token, options={"verify_signature": False})["jti"]
        return Issued(token, jti, claims, device)

    return make


@pytest.fixture
def issued(issue: Callable[..., Issued]) -> Issued:
    return issue()


def forge(header: dict[str, Any], payload: dict[str, Any], key: SigningKey | None) -> str:
    """A compact JWS with exactly this header, signed by `key` (or unsigned), built by hand."""
    signing_input = ".".join(
        b64url_encode(json.dumps(part, separators=(",", ":")).encode())
        for part in (header, payload)
    )
    if key is None:
        return signing_input + "."
    signature = jwt.get_algorithm_by_name(key.alg).sign(signing_input.encode(), key.private_key)
    return f"{signing_input}.{b64url_encode(signature)}"


def with_claims(issued: Issued, **changes: Any) -> dict[str, Any]:
    """The issued token's payload with some claims changed (None removes one)."""
    payload = issued.payload()
    for name, value in changes.items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    return payload

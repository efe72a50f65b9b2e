"""GET /v1/keys serves the JWK Set gates verify pass tokens with; keys come from settings."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from access_control.errors import SigningKeyUnavailable
from access_control.jwks import JwksKeySet
from access_control.keyring_provider import configured_keyring, reset_keyring_cache
from access_control.proof import DeviceKey
from access_control.tokens import PassClaims, issue_pass_token, verify_pass_token
from mobility.settings import get_settings
from services.app import create_app


@pytest.fixture
def keys_env(
    settings_env: None,  # noqa: ARG001 - database and Redis of this test
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Path]:
    """Settings with VAR_DIR in a temp folder and no key configured (development default)."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("SIGNING_KEY_FILE", raising=False)
    monkeypatch.delenv("PASS_SIGNING_KEY_PEM", raising=False)
    get_settings.cache_clear()
    reset_keyring_cache()
    yield tmp_path
    reset_keyring_cache()


def test_development_keyring_is_generated_once_and_private(keys_env: Path) -> None:
    """Outside production a keyring is created under VAR_DIR, mode 0600, then reused."""
    ring = configured_keyring()
    path = keys_env / "signing-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reset_keyring_cache()
    assert [k.kid for k in configured_keyring().keys] == [k.kid for k in ring.keys]


def test_production_never_generates_a_key(keys_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In production a configured key file that is missing is an error, not a new key."""
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SIGNING_KEY_FILE", str(keys_env / "missing.json"))
    get_settings.cache_clear()
    with pytest.raises(SigningKeyUnavailable):
        configured_keyring()
    assert not (keys_env / "signing-keys.json").exists()


def test_jwks_endpoint_verifies_an_issued_token(keys_env: Path, engine: Engine) -> None:  # noqa: ARG001
    """A token signed with the configured ring verifies with nothing but the served JWK Set."""
    with TestClient(create_app()) as client:
        r = client.get("/v1/keys")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/jwk-set+json")
    assert "max-age" in r.headers["cache-control"]
    document = r.json()
    assert all("d" not in key for key in document["keys"])  # public parts only
    now = datetime.now(UTC)
    claims = PassClaims(
        pass_id="P1",
        product="day",
        rider_category="adult",
        operators=("atl",),
        networks=("ctt",),
        zones=("livorno",),
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(hours=1),
        single_use=False,
        device_key=DeviceKey.generate().public_bytes,
    )
    settings = get_settings()
    token = issue_pass_token(
        claims,
        configured_keyring(),
        issuer=settings.pass_token_issuer,
        audience=settings.pass_token_audience,
        now=now,
    )
    verified = verify_pass_token(
        token,
        JwksKeySet.from_jwks(document),
        audience=settings.pass_token_audience,
        issuer=settings.pass_token_issuer,
        now=now,
    )
    assert verified.claims.pass_id == "P1"


def test_production_without_any_key_is_unavailable(
    keys_env: Path,  # noqa: ARG001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Production with neither a key file nor a PEM: 503-class error naming both settings."""
    monkeypatch.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    with pytest.raises(SigningKeyUnavailable, match="SIGNING_KEY_FILE"):
        configured_keyring()

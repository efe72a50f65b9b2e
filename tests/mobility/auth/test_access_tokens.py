"""Access tokens: round trip, and refusal of every token not made by us for this audience."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mobility.auth.access_tokens import AccessTokenConfig, issue_access_token, verify_access_token
from mobility.auth.errors import AuthNotConfigured, InvalidCredentials
from mobility.auth.principals import Principal, PrincipalKind, Scope

from .conftest import TEST_SECRET

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
GATE = Principal(
    subject="gate-7",
    kind=PrincipalKind.GATE,
    scopes=frozenset({Scope.GATES_VALIDATE}),
    operator_id="op-a",
    gate_ids=frozenset({"g1", "g2"}),
)


def _claims(config: AccessTokenConfig, **extra: Any) -> dict[str, Any]:
    iat = int(NOW.timestamp())
    return {
        "iss": config.issuer,
        "aud": config.audience,
        "sub": "u1",
        "kind": "admin",
        "scope": "admin",
        "jti": "j1",
        "iat": iat,
        "exp": iat + 600,
        **extra,
    }


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_round_trip_keeps_every_claim(token_config: AccessTokenConfig) -> None:
    """A token issued for a principal verifies back to the same principal, with a jti."""
    token = issue_access_token(GATE, config=token_config, now=NOW)
    back = verify_access_token(token, config=token_config, now=NOW + timedelta(minutes=5))
    assert back == GATE
    assert back.credential_id
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "HS256", "typ": "at+jwt"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == token_config.ttl_s
    assert claims["scope"] == "gates:validate"
    assert claims["op"] == "op-a"
    assert claims["gates"] == ["g1", "g2"]


def test_alg_none_is_rejected(token_config: AccessTokenConfig) -> None:
    """An unsigned token (alg=none) is refused, whatever its claims."""
    token = f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(_claims(token_config))}."
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


@pytest.mark.parametrize("alg", ["HS512", "HS384"])
def test_other_hmac_algorithms_are_rejected(token_config: AccessTokenConfig, alg: str) -> None:
    """HS512/HS384 with the right secret are still refused: the algorithm is pinned to HS256."""
    token = jwt.encode(_claims(token_config), TEST_SECRET, algorithm=alg, headers={"typ": "at+jwt"})
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


def test_rs256_is_rejected(token_config: AccessTokenConfig) -> None:
    """An RS256 token (an attacker's own key pair) is refused."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(token_config), key, algorithm="RS256", headers={"typ": "at+jwt"})
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


@pytest.mark.parametrize(
    "header", [{"jku": "https://evil.example/jwks"}, {"x5u": "x"}, {"kid": "k"}]
)
def test_key_reference_headers_are_rejected(
    token_config: AccessTokenConfig, header: dict[str, str]
) -> None:
    """A correctly signed token carrying jku/x5u/kid headers is refused."""
    token = jwt.encode(
        _claims(token_config), TEST_SECRET, algorithm="HS256", headers={"typ": "at+jwt", **header}
    )
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


def test_jwk_header_is_rejected(token_config: AccessTokenConfig) -> None:
    """An embedded jwk header (the token bringing its own key) is refused."""
    jwk = {"kty": "oct", "k": "c2VjcmV0"}
    token = jwt.encode(
        _claims(token_config), TEST_SECRET, algorithm="HS256", headers={"typ": "at+jwt", "jwk": jwk}
    )
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


def test_tampered_payload_is_rejected(token_config: AccessTokenConfig) -> None:
    """Swapping the payload (a wider scope) under the original signature fails verification."""
    traveller = Principal(subject="t1", kind=PrincipalKind.TRAVELLER)
    header, _, signature = issue_access_token(traveller, config=token_config, now=NOW).split(".")
    forged = _claims(token_config, sub="t1", kind="traveller", scope="passes:read")
    with pytest.raises(InvalidCredentials):
        verify_access_token(f"{header}.{_b64(forged)}.{signature}", config=token_config, now=NOW)


def test_wrong_secret_is_rejected(token_config: AccessTokenConfig) -> None:
    """A token signed with another secret is refused."""
    other = AccessTokenConfig(secret="x" * 40, issuer="test-iss", audience="test-aud")
    token = issue_access_token(GATE, config=other, now=NOW)
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


def test_expired_token_is_rejected(token_config: AccessTokenConfig) -> None:
    """A token past exp (beyond the leeway) is refused with 'expired'."""
    token = issue_access_token(GATE, config=token_config, now=NOW, ttl_s=60)
    verify_access_token(token, config=token_config, now=NOW + timedelta(seconds=62))  # leeway
    with pytest.raises(InvalidCredentials, match="expired") as info:
        verify_access_token(token, config=token_config, now=NOW + timedelta(seconds=66))
    assert info.value.status == 401


def test_missing_exp_is_rejected(token_config: AccessTokenConfig) -> None:
    """A correctly signed token without exp is refused."""
    claims = _claims(token_config)
    del claims["exp"]
    token = jwt.encode(claims, TEST_SECRET, algorithm="HS256", headers={"typ": "at+jwt"})
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


@pytest.mark.parametrize(
    ("issuer", "audience"), [("test-iss", "other-aud"), ("other-iss", "test-aud")]
)
def test_wrong_audience_or_issuer_is_rejected(
    token_config: AccessTokenConfig, issuer: str, audience: str
) -> None:
    """A token for another audience, or from another issuer, is refused."""
    other = AccessTokenConfig(secret=TEST_SECRET, issuer=issuer, audience=audience)
    token = issue_access_token(GATE, config=other, now=NOW)
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


def test_missing_typ_is_rejected(token_config: AccessTokenConfig) -> None:
    """A JWT that is not typed as an access token (another kind of JWT) is refused."""
    token = jwt.encode(_claims(token_config), TEST_SECRET, algorithm="HS256")
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 9000])
def test_garbage_is_rejected(token_config: AccessTokenConfig, token: str) -> None:
    """Strings that are not JWTs are refused as invalid credentials, not crashes."""
    with pytest.raises(InvalidCredentials):
        verify_access_token(token, config=token_config, now=NOW)


def test_short_or_missing_secret_is_a_configuration_error() -> None:
    """A JWT secret shorter than 32 bytes (or none) is refused at configuration (503)."""
    with pytest.raises(AuthNotConfigured) as info:
        AccessTokenConfig(secret="short")
    assert info.value.status == 503

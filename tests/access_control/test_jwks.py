"""JWKS: the RFC 8037 shape, and verification with nothing but a JWKS document."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from access_control.errors import KeyRingInvalid, TokenRejected
from access_control.jwks import JwksKeySet, b64url_decode
from access_control.keys import KeyRing, SigningKey, generate_key
from access_control.proof import check_presentation
from access_control.reasons import Reason
from access_control.tokens import verify_pass_token
from tests.access_control.conftest import AUDIENCE, ISSUER, NOW, Issued

# RFC 8037 Appendix A.1 (key) and A.4 (signature).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def test_jwk_matches_rfc8037_test_vector() -> None:
    """Our JWK of the RFC 8037 key is OKP/Ed25519 with its `x`, plus kid, use and alg."""
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    ring = KeyRing([SigningKey("rfc", private, datetime(2020, 1, 1, tzinfo=UTC))])
    assert ring.jwks(NOW) == {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": RFC8037_X,
                "kid": "rfc",
                "use": "sig",
                "alg": "EdDSA",
            }
        ]
    }
    key = JwksKeySet.from_jwks(ring.jwks(NOW)).verification_key("rfc", NOW)
    assert jwt.api_jws.decode(RFC8037_JWS, key.public_key, algorithms=["EdDSA"]) == (
        b"Example of Ed25519 signing"
    )


def test_gate_verifies_with_only_a_jwks_document(issued: Issued, ring: KeyRing) -> None:
    """The JWKS, serialised to JSON and parsed back, is all a gate needs to verify offline."""
    document = json.loads(json.dumps(ring.jwks(NOW)))
    keys = JwksKeySet.from_jwks(document)
    verified = check_presentation(
        issued.token, issued.proof(), keys, audience=AUDIENCE, issuer=ISSUER, now=NOW
    )
    assert verified.claims == issued.claims
    assert JwksKeySet.from_json(json.dumps(document)).kids == ("k1",)


def test_es256_jwk_round_trip() -> None:
    """A P-256 key exports as EC/P-256 with x and y, and parses back to the same key."""
    key = generate_key("p1", alg="ES256", not_before=NOW)
    jwk = KeyRing([key]).jwks(NOW)["keys"][0]
    assert {k: jwk[k] for k in ("kty", "crv", "alg")} == {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
    }
    parsed = JwksKeySet.from_jwks({"keys": [jwk]}).verification_key("p1", NOW).public_key
    assert isinstance(parsed, ec.EllipticCurvePublicKey)
    assert isinstance(key.private_key, ec.EllipticCurvePrivateKey)
    assert parsed.public_numbers() == key.private_key.public_key().public_numbers()


def test_foreign_keys_are_skipped() -> None:
    """Encryption keys, RSA keys and keys for other algorithms are ignored, not errors."""
    ours = KeyRing([generate_key("k1", not_before=NOW)]).jwks(NOW)["keys"][0]
    document = {
        "keys": [
            {**ours, "kid": "enc", "use": "enc"},
            {"kty": "RSA", "kid": "rsa", "n": "AQAB", "e": "AQAB"},
            {**ours, "kid": "hs", "alg": "HS256"},
            ours,
        ]
    }
    assert JwksKeySet.from_jwks(document).kids == ("k1",)


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"keys": "k1"},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "short", "kid": "k1"}]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "kid": "../k"}]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "kid": "a", "alg": "ES256"}]},
        {"keys": [{"kty": "EC", "crv": "P-256", "x": RFC8037_X, "y": RFC8037_X, "kid": "a"}]},
    ],
)
def test_malformed_jwks_is_refused(document: dict[str, object]) -> None:
    """A JWKS with no key list, a bad x, a bad kid, a wrong alg or an off-curve point is refused."""
    with pytest.raises(KeyRingInvalid):
        JwksKeySet.from_jwks(document)


def test_jwks_without_the_kid_rejects_as_unknown(issued: Issued) -> None:
    """A gate whose JWKS lacks the token's key says UNKNOWN_KID (time to refresh the JWKS)."""
    other = KeyRing([generate_key("k2", not_before=NOW - timedelta(days=1))]).jwks(NOW)
    with pytest.raises(TokenRejected) as caught:
        verify_pass_token(
            issued.token,
            JwksKeySet.from_jwks(other),
            audience=AUDIENCE,
            issuer=ISSUER,
            now=NOW,
        )
    assert caught.value.reason == Reason.UNKNOWN_KID

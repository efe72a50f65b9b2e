"""Pass tokens: issuing, verifying, and one test per attack with its reason code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from access_control.errors import InvalidClaims, SigningKeyUnavailable, TokenRejected
from access_control.jwks import b64url_encode
from access_control.keys import KeyRing, SigningKey, generate_key
from access_control.proof import DeviceKey
from access_control.reasons import Reason
from access_control.tokens import (
    MAX_TOKEN_CHARS,
    issue_pass_token,
    verify_pass_token,
)
from tests.access_control.conftest import (
    AUDIENCE,
    ISSUER,
    NOW,
    Issued,
    forge,
    realistic_claims,
    with_claims,
)


def verify(token: str, ring: KeyRing, **overrides: Any) -> Any:
    options: dict[str, Any] = {"audience": AUDIENCE, "issuer": ISSUER, "now": NOW}
    options.update(overrides)
    return verify_pass_token(token, ring, **options)


def rejected(token: str, ring: KeyRing, **overrides: Any) -> Reason:
    with pytest.raises(TokenRejected) as caught:
        verify(token, ring, **overrides)
    return caught.value.reason


# -- the happy path ----------------------------------------------------------------------


def test_round_trip_returns_the_issued_claims(issued: Issued, ring: KeyRing) -> None:
    """A freshly issued token verifies and yields exactly the claims it was issued with."""
    verified = verify(issued.token, ring)
    assert verified.claims == issued.claims
    assert (verified.token_id, verified.kid, verified.alg) == (issued.jti, "k1", "EdDSA")
    assert (verified.issuer, verified.audience, verified.issued_at) == (ISSUER, AUDIENCE, NOW)


def test_header_is_exactly_alg_and_kid(issued: Issued) -> None:
    """The header carries alg and kid only: no typ (QR bytes) and nothing a verifier must fetch."""
    head = issued.token.split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    assert header == {"alg": "EdDSA", "kid": "k1"}


def test_es256_keys_sign_and_verify(device: DeviceKey) -> None:
    """A P-256 ring issues ES256 tokens that verify (the optional algorithm)."""
    ring = KeyRing([generate_key("p1", alg="ES256", not_before=NOW - timedelta(days=1))])
    token = issue_pass_token(
        realistic_claims(device), ring, issuer=ISSUER, audience=AUDIENCE, now=NOW
    )
    assert verify(token, ring).alg == "ES256"


def test_token_size_budget(issued: Issued) -> None:
    """A realistic weekly pass stays within the QR budget: token ≤ 560 characters."""
    # Measured 537: header 39, payload 410 (of which cnf 127), signature 86; see the benchmark.
    assert len(issued.token) <= 560


def test_claims_reject_bad_values(device: DeviceKey) -> None:
    """PassClaims refuses odd codes, a lone-less wildcard, naive times and an inverted window."""
    bad: list[dict[str, Any]] = [
        {"pass_id": "../x"},
        {"product": ""},
        {"zones": ()},
        {"zones": ("*", "Z1")},
        {"operators": ("ATL", "ATL")},
        {"valid_from": NOW.replace(tzinfo=None)},
        {"valid_until": NOW - timedelta(days=2)},
        {"device_key": b"short"},
        {"single_use": 1},
    ]
    for overrides in bad:
        with pytest.raises(InvalidClaims):
            realistic_claims(device, **overrides)


def test_wildcard_covers_everything_and_lists_only_their_members(device: DeviceKey) -> None:
    """`covers` honours '*' per dimension and otherwise requires membership."""
    claims = realistic_claims(device, networks=("*",))
    assert claims.covers(operator="ATL", network="ANY", zone="Z2")
    assert not claims.covers(operator="ATL", network="ANY", zone="Z9")
    assert not claims.covers(operator="FS", network="LITO", zone="Z1")


def test_issuing_needs_a_key_that_outlives_the_pass(device: DeviceKey) -> None:
    """No token may outlive its key: issuing fails when the current key retires first."""
    key = generate_key("k1", not_before=NOW - timedelta(days=1), retire_after=NOW + timedelta(1))
    with pytest.raises(SigningKeyUnavailable):
        issue_pass_token(
            realistic_claims(device), KeyRing([key]), issuer=ISSUER, audience=AUDIENCE, now=NOW
        )


def test_leeway_absorbs_small_clock_drift(issued: Issued, ring: KeyRing) -> None:
    """Within the leeway an expired or not-yet-valid token passes; beyond it, it does not."""
    end, start = issued.claims.valid_until, issued.claims.valid_from
    assert verify(issued.token, ring, now=end + timedelta(seconds=4), leeway_s=5)
    assert verify(issued.token, ring, now=start - timedelta(seconds=4), leeway_s=5)
    assert rejected(issued.token, ring, now=end + timedelta(seconds=5), leeway_s=5) == "expired"
    assert rejected(issued.token, ring, now=end, leeway_s=0) == Reason.EXPIRED


# -- attacks, each with its reason -------------------------------------------------------


def test_alg_none_is_rejected(issued: Issued, ring: KeyRing) -> None:
    """An unsigned token (alg=none, any case) is refused as ALG_NONE."""
    for alg in ("none", "None", "NONE"):
        token = forge({"alg": alg, "kid": "k1"}, issued.payload(), None)
        assert rejected(token, ring) == Reason.ALG_NONE


def test_hs256_with_the_public_key_as_secret_is_rejected(
    issued: Issued, ring: KeyRing, signing_key: SigningKey
) -> None:
    """The HMAC-with-public-key confusion (HS256 keyed by the published key) is ALG_NOT_ALLOWED."""
    public = signing_key.private_key.public_key()
    for secret in (
        public.public_bytes(Encoding.Raw, PublicFormat.Raw),
        public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
    ):
        head = b64url_encode(b'{"alg":"HS256","kid":"k1"}')
        body = b64url_encode(json.dumps(issued.payload()).encode())
        mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        assert rejected(f"{head}.{body}.{b64url_encode(mac)}", ring) == Reason.ALG_NOT_ALLOWED


def test_algorithm_not_matching_the_key_is_rejected(issued: Issued) -> None:
    """A kid naming an ES256 key cannot be used with an EdDSA header (one key, one alg)."""
    p256 = generate_key("k1", alg="ES256", not_before=NOW - timedelta(days=1))
    token = forge({"alg": "EdDSA", "kid": "k1"}, issued.payload(), None) + "A" * 86
    assert rejected(token, KeyRing([p256])) == Reason.ALG_KEY_MISMATCH


def test_unknown_kid_is_rejected(issued: Issued, ring: KeyRing) -> None:
    """A token signed by a key outside the ring, under its own kid, is UNKNOWN_KID."""
    stranger = generate_key("k9", not_before=NOW - timedelta(days=1))
    assert rejected(forge({"alg": "EdDSA", "kid": "k9"}, issued.payload(), stranger), ring) == (
        Reason.UNKNOWN_KID
    )


@pytest.mark.parametrize(
    "kid",
    [
        "../../../../dev/null",
        "k1' OR '1'='1",
        "k1; DROP TABLE keys--",
        "k1\x00",
        "",
        "k" * 33,
        7,
        None,
    ],
)
def test_injected_kid_is_rejected(
    kid: object, issued: Issued, ring: KeyRing, signing_key: SigningKey
) -> None:
    """Path traversal, SQL-ish, NUL, empty, overlong or non-string kids are BAD_KID."""
    header: dict[str, Any] = {"alg": "EdDSA"} if kid is None else {"alg": "EdDSA", "kid": kid}
    assert rejected(forge(header, issued.payload(), signing_key), ring) == Reason.BAD_KID


@pytest.mark.parametrize("member", ["jku", "x5u", "jwk", "x5c", "x5t", "x5t#S256"])
def test_key_reference_headers_are_rejected(
    member: str, issued: Issued, ring: KeyRing, signing_key: SigningKey
) -> None:
    """A header telling us where to find the key is refused even with a valid signature."""
    header = {"alg": "EdDSA", "kid": "k1", member: "https://attacker.example/k"}
    assert rejected(forge(header, issued.payload(), signing_key), ring) == (
        Reason.KEY_REFERENCE_HEADER
    )


def test_crit_header_is_rejected(issued: Issued, ring: KeyRing, signing_key: SigningKey) -> None:
    """We understand no critical extension, so any `crit` is CRIT_HEADER (RFC 7515 §4.1.11)."""
    header = {"alg": "EdDSA", "kid": "k1", "crit": ["exp"], "exp": 1}
    assert rejected(forge(header, issued.payload(), signing_key), ring) == Reason.CRIT_HEADER


def test_other_header_members_are_rejected(
    issued: Issued, ring: KeyRing, signing_key: SigningKey
) -> None:
    """Any header member beyond alg and kid (typ, b64, cty...) is UNEXPECTED_HEADER."""
    for extra in ({"typ": "JWT"}, {"b64": True}, {"cty": "JWT"}):
        header = {"alg": "EdDSA", "kid": "k1", **extra}
        assert rejected(forge(header, issued.payload(), signing_key), ring) == (
            Reason.UNEXPECTED_HEADER
        )


def test_expired_token_is_rejected(issued: Issued, ring: KeyRing) -> None:
    """After valid_until plus leeway the token is EXPIRED."""
    later = issued.claims.valid_until + timedelta(minutes=1)
    assert rejected(issued.token, ring, now=later) == Reason.EXPIRED


def test_not_yet_valid_token_is_rejected(issue: Callable[..., Issued], ring: KeyRing) -> None:
    """A pass bought for tomorrow is NOT_YET_VALID today."""
    tomorrow = issue(valid_from=NOW + timedelta(days=1))
    assert rejected(tomorrow.token, ring) == Reason.NOT_YET_VALID


def test_wrong_audience_is_rejected(issued: Issued, ring: KeyRing) -> None:
    """A token for gates is WRONG_AUDIENCE at a verifier with another audience."""
    assert rejected(issued.token, ring, audience="inspector") == Reason.WRONG_AUDIENCE


def test_wrong_issuer_is_rejected(issued: Issued, ring: KeyRing) -> None:
    """A token whose issuer is not ours is WRONG_ISSUER, even when the signature is good."""
    assert rejected(issued.token, ring, issuer="other") == Reason.WRONG_ISSUER


def test_list_audience_is_rejected(issued: Issued, ring: KeyRing, signing_key: SigningKey) -> None:
    """`aud` must be our one string: a list containing it is WRONG_AUDIENCE (strict)."""
    payload = with_claims(issued, aud=[AUDIENCE, "other"])
    token = forge({"alg": "EdDSA", "kid": "k1"}, payload, signing_key)
    assert rejected(token, ring) == Reason.WRONG_AUDIENCE


def test_tampered_payload_is_rejected(issued: Issued, ring: KeyRing) -> None:
    """Widening the zones in the payload while keeping the signature is BAD_SIGNATURE."""
    head, _, signature = issued.token.split(".")
    body = b64url_encode(json.dumps(with_claims(issued, zn=["*"])).encode())
    assert rejected(f"{head}.{body}.{signature}", ring) == Reason.BAD_SIGNATURE


@pytest.mark.parametrize("cut", [1, 10, 86, 87])
def test_truncated_token_is_rejected(cut: int, issued: Issued, ring: KeyRing) -> None:
    """A token missing its tail (part of the signature, or the whole segment) is TRUNCATED."""
    assert rejected(issued.token[:-cut], ring) == Reason.TRUNCATED


def test_oversized_token_is_rejected(issued: Issued, ring: KeyRing) -> None:
    """A token over MAX_TOKEN_CHARS is OVERSIZED before any parsing."""
    assert rejected(issued.token + "A" * MAX_TOKEN_CHARS, ring) == Reason.OVERSIZED


def test_non_canonical_signature_is_rejected(issued: Issued, ring: KeyRing) -> None:
    """Another spelling of the same signature bytes (unused low bits) is MALFORMED, not valid."""
    head, body, signature = issued.token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(signature[-1]) ^ 1]  # 86 chars carry 4 spare bits at the end
    token = f"{head}.{body}.{signature[:-1]}{last}"
    assert base64.urlsafe_b64decode(signature + "==") == base64.urlsafe_b64decode(
        signature[:-1] + last + "=="
    )
    assert rejected(token, ring) == Reason.MALFORMED


def test_unknown_or_missing_claims_are_rejected(
    issued: Issued, ring: KeyRing, signing_key: SigningKey
) -> None:
    """A signed token with an extra claim, a missing jti or a float exp is BAD_CLAIMS."""
    for changes in ({"line": "L1"}, {"jti": None}, {"exp": 1.5e9}, {"cnf": {"jkt": "x"}}):
        token = forge({"alg": "EdDSA", "kid": "k1"}, with_claims(issued, **changes), signing_key)
        assert rejected(token, ring) == Reason.BAD_CLAIMS


def test_garbage_is_malformed(ring: KeyRing) -> None:
    """Text that is not a compact JWS at all is MALFORMED (or TRUNCATED when segments lack)."""
    assert rejected("a.b.c.d", ring) == Reason.MALFORMED
    assert rejected("!!!.e30.AAAA", ring) == Reason.MALFORMED
    assert rejected("W10.e30.AAAA", ring) == Reason.MALFORMED  # header is a JSON list
    assert rejected("not a token", ring) == Reason.TRUNCATED


def sign_raw(body: bytes, signing_key: SigningKey) -> str:
    """A token whose payload segment is exactly `body`, signed by `signing_key`."""
    head = b64url_encode(json.dumps({"alg": "EdDSA", "kid": "k1"}).encode())
    signing_input = f"{head}.{b64url_encode(body)}"
    algorithm = jwt.get_algorithm_by_name(signing_key.alg)
    signature = algorithm.sign(signing_input.encode(), signing_key.private_key)
    return f"{signing_input}.{b64url_encode(signature)}"


def test_signed_payloads_that_are_not_one_json_object_are_malformed(
    issued: Issued, ring: KeyRing, signing_key: SigningKey
) -> None:
    """A well-signed payload that is not JSON, is a JSON list, or names a claim twice (which
    parsers resolve differently: the gate and the issuer could read different passes) is
    MALFORMED; a signed payload missing a registered claim is BAD_CLAIMS."""
    text = json.dumps(issued.payload())
    twice = text[:-1] + ', "zn": ["*"]}'
    for body in (b"not json", b"[1, 2]", twice.encode()):
        assert rejected(sign_raw(body, signing_key), ring) == Reason.MALFORMED
    without_iss = json.dumps(with_claims(issued, iss=None)).encode()
    assert rejected(sign_raw(without_iss, signing_key), ring) == Reason.BAD_CLAIMS

"""Verification keys and JWKS documents (RFC 7517, RFC 8037 for Ed25519, RFC 7518 for P-256).

This module is the whole key side of offline verification: a gate holding nothing but a JWKS
document (a dict) builds a `JwksKeySet` and passes it to `verify_pass_token`. It needs no
database, no settings and no private key.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import KeyRingInvalid, TokenRejected
from .reasons import Reason

PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey
ALGORITHMS = ("EdDSA", "ES256")
# Conservative on purpose: a kid is only ever a dictionary key here, but downstream code (file
# names, SQL, logs) must never see "../" or quotes coming from an attacker-controlled header.
KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url: ValueError on any other character or a non-canonical form.

    Python's decoder accepts '+' and '/' and ignores the unused low bits of the last character,
    so several strings decode to the same bytes; a signature must have exactly one spelling.
    """
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not unpadded base64url") from exc
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def algorithm_of(key: PublicKey) -> str:
    """The one JWS algorithm a key may be used with (RFC 8725 §3.1: one key, one algorithm)."""
    if isinstance(key, Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise KeyRingInvalid(f"unsupported key type {type(key).__name__}")


@dataclass(frozen=True)
class VerificationKey:
    """A public key with its `kid`; `retire_after` is when it stops verifying (None: not set)."""

    kid: str
    public_key: PublicKey
    retire_after: datetime | None = None

    def __post_init__(self) -> None:
        if not KID_PATTERN.fullmatch(self.kid):
            raise KeyRingInvalid(f"kid must match {KID_PATTERN.pattern}")
        algorithm_of(self.public_key)  # reject unsupported key types at construction

    @property
    def alg(self) -> str:
        return algorithm_of(self.public_key)

    def to_jwk(self) -> dict[str, str]:
        """The public JWK: OKP/Ed25519 (RFC 8037) or EC/P-256 (RFC 7518 §6.2)."""
        key = self.public_key
        if isinstance(key, Ed25519PublicKey):
            raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
            material = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
        else:
            numbers = key.public_numbers()
            material = {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(numbers.x.to_bytes(32, "big")),
                "y": b64url_encode(numbers.y.to_bytes(32, "big")),
            }
        return {**material, "kid": self.kid, "use": "sig", "alg": self.alg}


def public_key_from_jwk(jwk: Mapping[str, Any]) -> PublicKey | None:
    """The key a JWK describes; None for a key type we do not verify with (RFC 7517 §5: skip)."""
    try:
        kty, crv = jwk.get("kty"), jwk.get("crv")
        if kty == "OKP" and crv == "Ed25519":
            raw = b64url_decode(jwk["x"])
            if len(raw) != 32:
                raise ValueError("Ed25519 x must be 32 bytes")
            return Ed25519PublicKey.from_public_bytes(raw)
        if kty == "EC" and crv == "P-256":
            x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
            if len(x) != 32 or len(y) != 32:
                raise ValueError("P-256 coordinates must be 32 bytes")
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
            )
            return numbers.public_key()  # raises ValueError for a point off the curve
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyRingInvalid(f"malformed JWK {jwk.get('kid')!r}: {exc}") from exc
    return None


class KeySource(Protocol):
    """Where `verify_pass_token` finds the key for a `kid` (a JWKS, or the issuer's key ring)."""

    def verification_key(self, kid: str, now: datetime) -> VerificationKey:
        """The key for `kid` usable at `now`; raises TokenRejected (UNKNOWN_KID, KEY_RETIRED)."""
        ...


class JwksKeySet:
    """The verification keys of a JWKS document, by `kid`."""

    def __init__(self, keys: Iterable[VerificationKey]) -> None:
        self._keys: dict[str, VerificationKey] = {}
        for key in keys:
            if key.kid in self._keys:
                raise KeyRingInvalid(f"duplicate kid {key.kid!r}")
            self._keys[key.kid] = key

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> JwksKeySet:
        """Read `{"keys": [...]}`; keys not for signatures or of other types are skipped."""
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise KeyRingInvalid("a JWKS document needs a 'keys' list")
        keys = []
        for jwk in entries:
            if not isinstance(jwk, dict):
                raise KeyRingInvalid("a JWKS entry must be an object")
            if jwk.get("use", "sig") != "sig" or jwk.get("alg", "") not in ("", *ALGORITHMS):
                continue
            public_key = public_key_from_jwk(jwk)
            if public_key is None:
                continue
            kid = jwk.get("kid")
            if not isinstance(kid, str):
                raise KeyRingInvalid("a JWK we verify with needs a string kid")
            key = VerificationKey(kid, public_key)
            if jwk.get("alg", key.alg) != key.alg:
                raise KeyRingInvalid(f"JWK {kid!r}: alg {jwk['alg']!r} does not fit its key")
            keys.append(key)
        return cls(keys)

    @classmethod
    def from_json(cls, text: str | bytes) -> JwksKeySet:
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise KeyRingInvalid("the JWKS is not JSON") from exc
        if not isinstance(document, dict):
            raise KeyRingInvalid("a JWKS document must be a JSON object")
        return cls.from_jwks(document)

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def verification_key(self, kid: str, now: datetime) -> VerificationKey:
        key = self._keys.get(kid)
        if key is None:
            raise TokenRejected(Reason.UNKNOWN_KID, f"no key {kid!r} in the key set")
        if key.retire_after is not None and now >= key.retire_after:
            raise TokenRejected(Reason.KEY_RETIRED, f"key {kid!r} retired")
        return key

    def to_jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [key.to_jwk() for key in self._keys.values()]}

    def __repr__(self) -> str:
        return f"JwksKeySet(kids={list(self._keys)!r})"

"""Pass tokens: compact JWTs (RFC 7519) signed EdDSA/ES256, bound to a device key (RFC 7800).

Claim names, the one place they are defined (short because the token travels in a QR code):

    iss  issuer                 registered (RFC 7519)
    aud  audience (one string)  registered; gates verify with their own audience
    jti  token id               registered; random, 96 bits; the proof of possession signs it
    iat  issued at              registered, NumericDate
    nbf  valid from             registered: the pass's validity starts here
    exp  valid until            registered: the pass's validity ends here
    pid  pass id                the ticketing record the token stands for
    prd  product code           e.g. "SETT7"
    cat  rider category code    e.g. "ADU", "STU", "SEN"
    op   operators allowed      list of codes, or ["*"] for any
    nw   networks allowed       list of codes, or ["*"] for any
    zn   zones allowed          list of codes, or ["*"] for any
    su   single use             JSON boolean; false = multi-use within the window
    cnf  confirmation           {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": ...}}: the device key

The header is exactly {"alg", "kid"}: no `typ` (it would cost ~20 characters of QR; the keys sign
pass tokens only, and `aud` already separates them from any other JWT). Verification refuses any
other header member and any unknown claim, so an older gate never ignores a new restriction.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from .errors import InvalidClaims, TokenRejected
from .jwks import (
    ALGORITHMS,
    KID_PATTERN,
    KeySource,
    VerificationKey,
    b64url_decode,
    b64url_encode,
)
from .keys import KeyRing
from .reasons import Reason

MAX_TOKEN_CHARS = 1024  # refused before any parsing; a realistic pass is about half of this
DEFAULT_LEEWAY_S = 5.0
MAX_LEEWAY_S = 60.0
# 64 bytes for Ed25519, and for ES256 in JWS's fixed-length r || s form (RFC 7518 §3.4).
SIGNATURE_CHARS = 86
WILDCARD = "*"
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}")
_PASS_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
REGISTERED = ("iss", "aud", "jti", "iat", "nbf", "exp")
PRIVATE = ("pid", "prd", "cat", "op", "nw", "zn", "su", "cnf")


def to_numeric_date(moment: datetime) -> int:
    """Whole seconds since the epoch; refuses naive datetimes (their zone would be a guess)."""
    if moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return int(moment.timestamp())


def from_numeric_date(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _check_codes(name: str, codes: tuple[str, ...]) -> None:
    if not isinstance(codes, tuple) or not codes:
        raise InvalidClaims(f"{name} must be a non-empty tuple of codes")
    if WILDCARD in codes and len(codes) > 1:
        raise InvalidClaims(f"{name}: '*' stands alone")
    if len(set(codes)) != len(codes):
        raise InvalidClaims(f"{name} has duplicates")
    for code in codes:
        if code != WILDCARD and not (isinstance(code, str) and _CODE.fullmatch(code)):
            raise InvalidClaims(f"{name}: {code!r} is not a code")


@dataclass(frozen=True)
class PassClaims:
    """What a pass entitles its holder to, and the device key that must present it."""

    pass_id: str
    product: str
    rider_category: str
    operators: tuple[str, ...]
    networks: tuple[str, ...]
    zones: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime
    single_use: bool
    device_key: bytes  # raw Ed25519 public key (32 bytes)

    def __post_init__(self) -> None:
        if not (isinstance(self.pass_id, str) and _PASS_ID.fullmatch(self.pass_id)):
            raise InvalidClaims("pass_id must be 1-64 of [A-Za-z0-9_.:-]")
        for name in ("product", "rider_category"):
            value = getattr(self, name)
            if not (isinstance(value, str) and _CODE.fullmatch(value)):
                raise InvalidClaims(f"{name} must be a code of 1-32 of [A-Za-z0-9_.:-]")
        _check_codes("operators", self.operators)
        _check_codes("networks", self.networks)
        _check_codes("zones", self.zones)
        if not isinstance(self.single_use, bool):
            raise InvalidClaims("single_use must be a bool")
        if not isinstance(self.device_key, bytes) or len(self.device_key) != 32:
            raise InvalidClaims("device_key must be a raw 32-byte Ed25519 public key")
        for name in ("valid_from", "valid_until"):
            moment = getattr(self, name)
            if not isinstance(moment, datetime) or moment.utcoffset() is None:
                raise InvalidClaims(f"{name} must be a timezone-aware datetime")
            # JWT times are whole seconds: normalise so a claims object survives a round trip.
            object.__setattr__(self, name, moment.astimezone(UTC).replace(microsecond=0))
        if self.valid_from >= self.valid_until:
            raise InvalidClaims("valid_from must precede valid_until")

    def covers(self, *, operator: str, network: str, zone: str) -> bool:
        """Whether the pass allows travel with this operator, on this network, in this zone."""
        return all(
            allowed == (WILDCARD,) or code in allowed
            for code, allowed in (
                (operator, self.operators),
                (network, self.networks),
                (zone, self.zones),
            )
        )

    def private_claims(self) -> dict[str, Any]:
        """The claims of this pass under their short names, `nbf`/`exp` included."""
        return {
            "nbf": to_numeric_date(self.valid_from),
            "exp": to_numeric_date(self.valid_until),
            "pid": self.pass_id,
            "prd": self.product,
            "cat": self.rider_category,
            "op": list(self.operators),
            "nw": list(self.networks),
            "zn": list(self.zones),
            "su": self.single_use,
            "cnf": {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self.device_key)}},
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> PassClaims:
        """The claims of a verified payload; InvalidClaims for any missing, extra or odd value."""
        if unknown := set(payload) - set(REGISTERED) - set(PRIVATE):
            raise InvalidClaims(f"unknown claims {sorted(unknown)}")
        try:
            jwk = payload["cnf"]["jwk"]
            nbf, exp = payload["nbf"], payload["exp"]
            lists = [payload[name] for name in ("op", "nw", "zn")]
            if set(jwk) != {"kty", "crv", "x"} or (jwk["kty"], jwk["crv"]) != ("OKP", "Ed25519"):
                raise InvalidClaims("cnf must hold an Ed25519 jwk")
            if type(nbf) is not int or type(exp) is not int:
                raise InvalidClaims("nbf and exp must be integers")
            if not all(isinstance(value, list) for value in lists):
                raise InvalidClaims("op, nw and zn must be lists")
            return cls(
                pass_id=payload["pid"],
                product=payload["prd"],
                rider_category=payload["cat"],
                operators=tuple(lists[0]),
                networks=tuple(lists[1]),
                zones=tuple(lists[2]),
                valid_from=from_numeric_date(nbf),
                valid_until=from_numeric_date(exp),
                single_use=payload["su"],
                device_key=b64url_decode(jwk["x"]),
            )
        except InvalidClaims:
            raise
        except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
            raise InvalidClaims(f"malformed claims: {exc.__class__.__name__}") from exc


@dataclass(frozen=True)
class VerifiedPass:
    """A token whose signature, header, issuer, audience and validity window have been checked."""

    claims: PassClaims
    token_id: str
    issuer: str
    audience: str
    issued_at: datetime
    kid: str
    alg: str


def new_token_id() -> str:
    """A random `jti`: 96 bits, 16 base64url characters."""
    return secrets.token_urlsafe(12)


def issue_pass_token(
    claims: PassClaims,
    keyring: KeyRing,
    *,
    issuer: str,
    audience: str,
    now: datetime,
    token_id: str | None = None,
) -> str:
    """Sign `claims` with the ring's current key; the key must outlive the pass's validity."""
    if not issuer or not audience:
        raise InvalidClaims("issuer and audience must be non-empty")
    issued_at = to_numeric_date(now)
    if claims.valid_until <= now:
        raise InvalidClaims("the pass has already expired")
    key = keyring.signing_key(now, valid_until=claims.valid_until)
    payload = {
        "iss": issuer,
        "aud": audience,
        "jti": token_id or new_token_id(),
        "iat": issued_at,
        **claims.private_claims(),
    }
    # typ=None drops PyJWT's default "typ": "JWT" header (see the module docstring).
    token = jwt.encode(
        payload, key.private_key, algorithm=key.alg, headers={"kid": key.kid, "typ": None}
    )
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidClaims(f"the token would be {len(token)} characters (> {MAX_TOKEN_CHARS})")
    return token


# -- verification ------------------------------------------------------------------------

_ALLOWED_HEADER = frozenset({"alg", "kid"})
# Headers that tell the verifier where to fetch or how to build the key (RFC 8725 §3.10):
# honouring any of them lets the token choose its own key.
_KEY_REFERENCES = frozenset({"jku", "x5u", "jwk", "x5c", "x5t", "x5t#S256"})


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member")
    return result


def _split(token: object) -> tuple[str, str, str]:
    """The three segments, after the checks that cost nothing (size first: untrusted input)."""
    if not isinstance(token, str):
        raise TokenRejected(Reason.MALFORMED, "the token is not text")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenRejected(Reason.OVERSIZED, f"{len(token)} characters")
    parts = token.split(".")
    if len(parts) < 3:
        raise TokenRejected(Reason.TRUNCATED, f"{len(parts)} of 3 segments")
    if len(parts) > 3 or not parts[0] or not parts[1]:
        raise TokenRejected(Reason.MALFORMED, "not a compact JWS")
    return parts[0], parts[1], parts[2]


def _header(segment: str) -> dict[str, Any]:
    # Parsed here, strictly, rather than with jwt.get_unverified_header: PyJWT raises the same
    # InvalidTokenError for a bad `crit` and a non-string `kid`, and each needs its own reason.
    try:
        header = json.loads(b64url_decode(segment), object_pairs_hook=_reject_duplicates)
    except ValueError as exc:
        raise TokenRejected(Reason.MALFORMED, "header is not base64url JSON") from exc
    if not isinstance(header, dict):
        raise TokenRejected(Reason.MALFORMED, "header is not an object")
    return header


def _check_header(header: dict[str, Any], keys: KeySource, now: datetime) -> VerificationKey:
    """RFC 8725 §3.1: the algorithm is ours to pin, the key is ours to find; return the key."""
    alg = header.get("alg")
    if isinstance(alg, str) and alg.lower() == "none":
        raise TokenRejected(Reason.ALG_NONE, "unsigned token")
    if alg not in ALGORITHMS:
        raise TokenRejected(Reason.ALG_NOT_ALLOWED, f"alg {str(alg)[:16]!r}")
    if "crit" in header:
        raise TokenRejected(Reason.CRIT_HEADER, "no critical extension is understood")
    if references := _KEY_REFERENCES & header.keys():
        raise TokenRejected(Reason.KEY_REFERENCE_HEADER, f"{sorted(references)} present")
    if header.keys() - _ALLOWED_HEADER:
        raise TokenRejected(Reason.UNEXPECTED_HEADER, "header members beyond alg and kid")
    kid = header.get("kid")
    if not isinstance(kid, str) or not KID_PATTERN.fullmatch(kid):
        # Never echo it: it is attacker-chosen text bound for logs.
        raise TokenRejected(Reason.BAD_KID, "missing or ill-formed kid")
    key = keys.verification_key(kid, now)
    if key.alg != alg:
        raise TokenRejected(Reason.ALG_KEY_MISMATCH, f"key {kid!r} is {key.alg}, token says {alg}")
    return key


def _verify_signature(head: str, body: str, signature: bytes, key: VerificationKey) -> None:
    """The signature over ``head.body`` by PyJWT's algorithm of *our* key (never the token's
    choice: `_check_header` already made the header's alg match it)."""
    algorithm = jwt.get_algorithm_by_name(key.alg)
    signing_input = f"{head}.{body}".encode("ascii")
    if not algorithm.verify(signing_input, algorithm.prepare_key(key.public_key), signature):
        raise TokenRejected(Reason.BAD_SIGNATURE, "signature does not verify")


def _payload(raw: bytes, *, audience: str, issuer: str) -> dict[str, Any]:
    """The signed payload as a JSON object with every registered claim, ours by issuer and
    audience (one string, exactly ours: RFC 8725 §3.9); times are checked by the caller."""
    try:
        payload = json.loads(raw, object_pairs_hook=_reject_duplicates)
    except (ValueError, RecursionError) as exc:
        raise TokenRejected(Reason.MALFORMED, "payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise TokenRejected(Reason.MALFORMED, "payload is not an object")
    if missing := [name for name in REGISTERED if payload.get(name) is None]:  # null = absent
        raise TokenRejected(Reason.BAD_CLAIMS, f"missing claims {missing}")
    if payload["iss"] != issuer:
        raise TokenRejected(Reason.WRONG_ISSUER, "issuer is not the expected one")
    if payload["aud"] != audience:  # a list, even one holding ours, is refused too
        raise TokenRejected(Reason.WRONG_AUDIENCE, "audience is not this verifier's")
    return payload


def verify_pass_token(
    token: str,
    keys: KeySource,
    *,
    audience: str,
    issuer: str,
    now: datetime,
    leeway_s: float = DEFAULT_LEEWAY_S,
) -> VerifiedPass:
    """Check everything about a pass token but its proof; raise TokenRejected(reason) if not ok.

    `keys` is a `JwksKeySet` (gates, offline) or the issuer's `KeyRing`; `leeway_s` absorbs
    clock drift between issuer and verifier on `nbf` and `exp`.
    """
    if not 0 <= leeway_s <= MAX_LEEWAY_S:
        raise ValueError(f"leeway_s must be within [0, {MAX_LEEWAY_S}]")
    head, body, signature = _split(token)
    key = _check_header(_header(head), keys, now)
    if len(signature) < SIGNATURE_CHARS:
        raise TokenRejected(Reason.TRUNCATED, f"signature of {len(signature)} characters")
    if len(signature) > SIGNATURE_CHARS:
        raise TokenRejected(Reason.BAD_SIGNATURE, f"signature of {len(signature)} characters")
    try:
        raw_payload, raw_signature = b64url_decode(body), b64url_decode(signature)
    except ValueError as exc:
        raise TokenRejected(Reason.MALFORMED, "segment is not canonical base64url") from exc
    _verify_signature(head, body, raw_signature, key)
    payload = _payload(raw_payload, audience=audience, issuer=issuer)
    try:
        claims = PassClaims.from_payload(payload)
        issued_at, token_id = payload["iat"], payload["jti"]
        if type(issued_at) is not int or not isinstance(token_id, str) or not token_id:
            raise InvalidClaims("iat must be an integer and jti a non-empty string")
    except InvalidClaims as exc:
        raise TokenRejected(Reason.BAD_CLAIMS, exc.detail) from exc
    instant = to_numeric_date(now)
    if to_numeric_date(claims.valid_from) > instant + leeway_s:
        raise TokenRejected(Reason.NOT_YET_VALID, f"valid from {claims.valid_from.isoformat()}")
    if to_numeric_date(claims.valid_until) <= instant - leeway_s:
        raise TokenRejected(Reason.EXPIRED, f"expired at {claims.valid_until.isoformat()}")
    return VerifiedPass(
        claims=claims,
        token_id=token_id,
        issuer=issuer,
        audience=audience,
        issued_at=from_numeric_date(issued_at),
        kid=key.kid,
        alg=key.alg,
    )

"""Proof of possession (RFC 7800): a screenshot of a pass is not a ticket.

At purchase the app makes a device key pair (Ed25519) whose public half the pass token carries in
`cnf`. To pass a gate the app shows the token with a fresh proof: the device key's signature over
the token's `jti` and the current 15-second time step. Gates accept the current and the previous
step (plus the clock leeway), so a copied code dies within about 30 seconds, and they need only
the token for it: no shared secret, no network.

Proof format: 96 base64url characters of 72 bytes =
    version (1 byte, = 1) | time step (4 bytes, big-endian) | tag (3 bytes) | signature (64 bytes)
The step is sent so the gate verifies one signature, not two, and can say "stale" apart from
"forged"; the tag (first bytes of SHA-256 of the jti) says "proof of another pass" apart from a
bad signature. The signed message is a domain-separation prefix, the step (8 bytes), the jti.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import TokenRejected
from .jwks import KeySource, b64url_decode, b64url_encode
from .reasons import Reason
from .tokens import (
    DEFAULT_LEEWAY_S,
    MAX_LEEWAY_S,
    VerifiedPass,
    to_numeric_date,
    verify_pass_token,
)

STEP_S = 15
PROOF_VERSION = 1
PROOF_BYTES = 72
PROOF_CHARS = 96
_TAG_BYTES = 3
# Separates these signatures from anything else the device key might ever sign.
_DOMAIN = b"coastal-mobility/pass-pop/v1\x00"


def time_step(now: datetime) -> int:
    """The 15-second step containing `now` (steps count from the Unix epoch)."""
    return math.floor(now.timestamp()) // STEP_S


def _tag(jti: str) -> bytes:
    return hashlib.sha256(jti.encode("utf-8")).digest()[:_TAG_BYTES]


def _message(jti: str, step: int) -> bytes:
    # Fixed-width step before the jti: the split between the two is unambiguous.
    return _DOMAIN + step.to_bytes(8, "big") + jti.encode("utf-8")


def make_proof(device_key: Ed25519PrivateKey, jti: str, step: int) -> str:
    """The proof for the pass token `jti` at time step `step` (the app's side)."""
    signature = device_key.sign(_message(jti, step))
    raw = bytes([PROOF_VERSION]) + step.to_bytes(4, "big") + _tag(jti) + signature
    return b64url_encode(raw)


@dataclass(frozen=True, eq=False, repr=False)
class DeviceKey:
    """The app's device key pair; only its public half ever leaves the phone."""

    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> DeviceKey:
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_bytes(self) -> bytes:
        """The raw 32-byte public key, as `PassClaims.device_key` wants it."""
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def prove(self, jti: str, now: datetime) -> str:
        return make_proof(self.private_key, jti, time_step(now))

    def __repr__(self) -> str:
        # The public key's fingerprint identifies the device in logs; the private key never shows.
        fingerprint = hashlib.sha256(self.public_bytes).hexdigest()[:12]
        return f"DeviceKey(public_sha256={fingerprint})"

    __str__ = __repr__


def verify_proof(
    proof: str | None,
    *,
    jti: str,
    device_key: bytes,
    now: datetime,
    leeway_s: float = DEFAULT_LEEWAY_S,
) -> int:
    """Check a proof for token `jti` bound to `device_key`; return its step or raise TokenRejected.

    Accepted steps: from the one before `now - leeway_s` to the one of `now + leeway_s`, so a
    proof lives at most 2 steps (30 s) plus the leeway.
    """
    if not 0 <= leeway_s <= MAX_LEEWAY_S:
        raise ValueError(f"leeway_s must be within [0, {MAX_LEEWAY_S}]")
    if not proof:
        raise TokenRejected(Reason.PROOF_MISSING, "no proof of possession")
    if len(proof) != PROOF_CHARS:
        raise TokenRejected(Reason.PROOF_MALFORMED, f"proof of {len(proof)} characters")
    try:
        raw = b64url_decode(proof)
    except ValueError as exc:
        raise TokenRejected(Reason.PROOF_MALFORMED, "proof is not base64url") from exc
    if len(raw) != PROOF_BYTES or raw[0] != PROOF_VERSION:
        raise TokenRejected(Reason.PROOF_MALFORMED, "unknown proof version")
    step = int.from_bytes(raw[1:5], "big")
    if raw[5:8] != _tag(jti):
        raise TokenRejected(Reason.PROOF_OTHER_PASS, "proof made for another pass")
    instant = to_numeric_date(now)
    earliest = math.floor(instant - leeway_s) // STEP_S - 1
    latest = math.floor(instant + leeway_s) // STEP_S
    if step < earliest:
        raise TokenRejected(Reason.PROOF_STALE, f"step {step}, oldest accepted {earliest}")
    if step > latest:
        raise TokenRejected(Reason.PROOF_EARLY, f"step {step}, newest accepted {latest}")
    try:
        Ed25519PublicKey.from_public_bytes(device_key).verify(raw[8:], _message(jti, step))
    except InvalidSignature as exc:
        raise TokenRejected(Reason.PROOF_BAD_SIGNATURE, "proof signature does not verify") from exc
    return step


def check_presentation(
    token: str,
    proof: str | None,
    keys: KeySource,
    *,
    audience: str,
    issuer: str,
    now: datetime,
    leeway_s: float = DEFAULT_LEEWAY_S,
) -> VerifiedPass:
    """The gate's whole offline check: the token (see `verify_pass_token`), then its proof."""
    verified = verify_pass_token(
        token, keys, audience=audience, issuer=issuer, now=now, leeway_s=leeway_s
    )
    verify_proof(
        proof,
        jti=verified.token_id,
        device_key=verified.claims.device_key,
        now=now,
        leeway_s=leeway_s,
    )
    return verified

"""The issuer's signing keys: a `KeyRing` of `SigningKey`s with activation and retirement times.

Key file format (one JSON file, written whole by `write_keyring_file` so a rotation is atomic)::

    {
      "format": "coastal-mobility-keyring/1",
      "keys": [
        {"kid": "2025a", "not_before": "2025-01-01T00:00:00Z", "retire_after": null,
         "private_key_pem": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"}
      ]
    }

Private keys are unencrypted PKCS#8 PEM, Ed25519 (alg EdDSA) or P-256 (alg ES256); the file must
be readable by the service alone (it is written 0600; loading a wider one logs a warning). A
single key may instead come from the environment as a PEM string (`KeyRing.from_pem`).

Rotation with overlap (`rotate`): the new key is added with `not_before` = its activation time;
every key without a retirement gets `retire_after` = activation + the longest token lifetime, so
tokens it signed stay verifiable until they expire. Publish the JWKS before activation (choose
`activate_at` at least one gate JWKS refresh interval ahead) so every gate knows the new key
before the first token signed with it arrives. Keys are never logged, and repr/str show kids only.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .errors import KeyRingInvalid, SigningKeyUnavailable, TokenRejected
from .jwks import KID_PATTERN, VerificationKey, algorithm_of
from .reasons import Reason

logger = logging.getLogger(__name__)

PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey
FORMAT = "coastal-mobility-keyring/1"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, eq=False, repr=False)
class SigningKey:
    """A private key and its `kid`: signs from `not_before`, verifies until `retire_after`."""

    kid: str
    private_key: PrivateKey = field(repr=False)
    not_before: datetime
    retire_after: datetime | None = None

    def __post_init__(self) -> None:
        if not KID_PATTERN.fullmatch(self.kid):
            raise KeyRingInvalid(f"kid must match {KID_PATTERN.pattern}")
        for moment in (self.not_before, self.retire_after):
            if moment is not None and moment.utcoffset() is None:
                raise KeyRingInvalid(f"key {self.kid!r}: times must be timezone-aware")
        if self.retire_after is not None and self.retire_after <= self.not_before:
            raise KeyRingInvalid(f"key {self.kid!r}: retire_after must follow not_before")
        algorithm_of(self.private_key.public_key())

    @property
    def alg(self) -> str:
        return algorithm_of(self.private_key.public_key())

    def verification_key(self) -> VerificationKey:
        return VerificationKey(self.kid, self.private_key.public_key(), self.retire_after)

    def signs_at(self, now: datetime) -> bool:
        return self.not_before <= now and not self.retired_at(now)

    def retired_at(self, now: datetime) -> bool:
        return self.retire_after is not None and now >= self.retire_after

    def __repr__(self) -> str:
        # Never the key: reprs end up in logs, tracebacks and error reports.
        return (
            f"SigningKey(kid={self.kid!r}, alg={self.alg!r}, not_before={self.not_before!r}, "
            f"retire_after={self.retire_after!r})"
        )

    __str__ = __repr__


def generate_key(
    kid: str,
    *,
    alg: str = "EdDSA",
    not_before: datetime | None = None,
    retire_after: datetime | None = None,
) -> SigningKey:
    """A fresh key for development, tests and rotation; `not_before` defaults to now."""
    private_key: PrivateKey
    if alg == "EdDSA":
        private_key = Ed25519PrivateKey.generate()
    elif alg == "ES256":
        private_key = ec.generate_private_key(ec.SECP256R1())
    else:
        raise KeyRingInvalid(f"unsupported algorithm {alg!r}; use EdDSA or ES256")
    start = not_before if not_before is not None else datetime.now(UTC).replace(microsecond=0)
    return SigningKey(kid, private_key, start, retire_after)


def _load_private_pem(pem: str, kid: str) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        # The message names the kid only: cryptography's own text could quote the input.
        raise KeyRingInvalid(f"key {kid!r} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyRingInvalid(f"key {kid!r} is neither Ed25519 nor P-256")
    return key


def _parse_time(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise KeyRingInvalid(f"{what} is not an ISO 8601 time") from exc
    if moment.utcoffset() is None:
        raise KeyRingInvalid(f"{what} needs a UTC offset (e.g. 'Z')")
    return moment


def _format_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class KeyRing:
    """All signing keys of the issuer; also a `KeySource` for verifying with them directly."""

    def __init__(self, keys: Iterable[SigningKey]) -> None:
        self._keys = tuple(sorted(keys, key=lambda k: k.not_before))
        kids = [k.kid for k in self._keys]
        if not kids:
            raise KeyRingInvalid("a key ring needs at least one key")
        if len(set(kids)) != len(kids):
            raise KeyRingInvalid("duplicate kid in the key ring")
        self._by_kid = {k.kid: k for k in self._keys}

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        """The keys, oldest activation first."""
        return self._keys

    def signing_key(self, now: datetime, *, valid_until: datetime | None = None) -> SigningKey:
        """The newest active key; it must stay verifiable until `valid_until` when given."""
        active = [k for k in self._keys if k.signs_at(now)]
        if not active:
            raise SigningKeyUnavailable("no signing key is active now")
        key = active[-1]
        if valid_until is not None and key.retired_at(valid_until):
            raise SigningKeyUnavailable(
                f"the current key {key.kid!r} retires before the token would expire"
            )
        return key

    def verification_key(self, kid: str, now: datetime) -> VerificationKey:
        key = self._by_kid.get(kid)
        if key is None:
            raise TokenRejected(Reason.UNKNOWN_KID, f"no key {kid!r} in the key ring")
        if key.retired_at(now):
            raise TokenRejected(Reason.KEY_RETIRED, f"key {kid!r} retired")
        return key.verification_key()

    def jwks(self, now: datetime) -> dict[str, list[dict[str, str]]]:
        """The public JWKS at `now`: every key not yet retired, including ones not yet active."""
        return {
            "keys": [k.verification_key().to_jwk() for k in self._keys if not k.retired_at(now)]
        }

    # -- loading and saving ---------------------------------------------------------------

    @classmethod
    def from_pem(cls, pem: str, kid: str, *, not_before: datetime = EPOCH) -> KeyRing:
        """A ring of one key given as a PEM string (e.g. from an environment variable)."""
        return cls([SigningKey(kid, _load_private_pem(pem, kid), not_before)])

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        """Parse the key file format of this module's docstring."""
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise KeyRingInvalid("the key file is not JSON") from exc
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise KeyRingInvalid(f"the key file's 'format' must be {FORMAT!r}")
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise KeyRingInvalid("the key file needs a 'keys' list")
        keys = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                raise KeyRingInvalid("each key needs a string 'kid'")
            kid = entry["kid"]
            pem = entry.get("private_key_pem")
            if not isinstance(pem, str):
                raise KeyRingInvalid(f"key {kid!r} needs 'private_key_pem'")
            not_before = _parse_time(entry.get("not_before"), f"key {kid!r} not_before")
            if not_before is None:
                raise KeyRingInvalid(f"key {kid!r} needs 'not_before'")
            retire_after = _parse_time(entry.get("retire_after"), f"key {kid!r} retire_after")
            keys.append(SigningKey(kid, _load_private_pem(pem, kid), not_before, retire_after))
        return cls(keys)

    def private_json(self) -> str:
        """The key file text, private keys included: write it only where the key file lives."""
        entries = [
            {
                "kid": k.kid,
                "not_before": _format_time(k.not_before),
                "retire_after": _format_time(k.retire_after),
                "private_key_pem": k.private_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode("ascii"),
            }
            for k in self._keys
        ]
        return json.dumps({"format": FORMAT, "keys": entries}, indent=2) + "\n"

    def __repr__(self) -> str:
        return f"KeyRing(kids={[k.kid for k in self._keys]!r})"

    __str__ = __repr__


def load_keyring_file(path: Path) -> KeyRing:
    """Read a key file; warns (without content) when group or others may read it."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:  # missing, or not readable by this process's user
        raise SigningKeyUnavailable(f"cannot read the key file {path}: {exc.strerror}") from exc
    if mode & 0o077:
        logger.warning("key file %s is readable beyond its owner (mode %o)", path, mode & 0o777)
    ring = KeyRing.from_json(text)
    logger.info("loaded signing keys %s from %s", [k.kid for k in ring.keys], path)
    return ring


def load_keyring(
    *, key_file: Path | None = None, pem: str | None = None, pem_kid: str = "env1"
) -> KeyRing:
    """The configured ring: from the key file, or from one PEM; exactly one must be given."""
    if (key_file is None) == (not pem):
        raise KeyRingInvalid("configure exactly one of a signing key file and a signing key PEM")
    if key_file is not None:
        return load_keyring_file(key_file)
    ring = KeyRing.from_pem(pem or "", pem_kid)
    logger.info("loaded signing key %s from the environment", pem_kid)
    return ring


def write_keyring_file(path: Path, ring: KeyRing) -> None:
    """Write the key file atomically (temp file + rename), readable by its owner only."""
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, 0o600)  # before the secret is written, not after
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(ring.private_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    logger.info("wrote signing keys %s to %s", [k.kid for k in ring.keys], path)


def rotate(
    ring: KeyRing,
    new_kid: str,
    *,
    activate_at: datetime,
    max_token_lifetime: timedelta,
    now: datetime,
    alg: str = "EdDSA",
) -> KeyRing:
    """A new ring: a fresh key signing from `activate_at`, the old ones retiring after overlap.

    Keys already retired at `now` are dropped; a key with no retirement yet gets
    `activate_at + max_token_lifetime`, when the last token it can sign has expired.
    """
    if activate_at < now:
        raise KeyRingInvalid("activate_at is in the past: gates could not have the key yet")
    if max_token_lifetime <= timedelta(0):
        raise KeyRingInvalid("max_token_lifetime must be positive")
    kept = [k for k in ring.keys if not k.retired_at(now)]
    if any(k.not_before >= activate_at for k in kept):
        # It would take over from the new key on its own activation: one rotation at a time.
        raise KeyRingInvalid("a key is already scheduled to activate at or after activate_at")
    retire = activate_at + max_token_lifetime
    kept = [k if k.retire_after is not None else replace(k, retire_after=retire) for k in kept]
    return KeyRing([*kept, generate_key(new_kid, alg=alg, not_before=activate_at)])


def rotate_keyring_file(
    path: Path,
    new_kid: str,
    *,
    activate_at: datetime,
    max_token_lifetime: timedelta,
    now: datetime,
) -> KeyRing:
    """Load the key file, rotate it (see `rotate`) and write it back atomically."""
    ring = rotate(
        load_keyring_file(path),
        new_kid,
        activate_at=activate_at,
        max_token_lifetime=max_token_lifetime,
        now=now,
    )
    write_keyring_file(path, ring)
    return ring

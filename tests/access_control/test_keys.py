"""Signing keys: rotation with overlap, key files, PEMs from the environment, secrecy."""

from __future__ import annotations

import logging
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from access_control.errors import KeyRingInvalid, SigningKeyUnavailable, TokenRejected
from access_control.jwks import b64url_encode
from access_control.keys import (
    KeyRing,
    SigningKey,
    generate_key,
    load_keyring,
    load_keyring_file,
    rotate,
    rotate_keyring_file,
    write_keyring_file,
)
from access_control.proof import DeviceKey
from access_control.reasons import Reason
from access_control.tokens import issue_pass_token, verify_pass_token
from tests.access_control.conftest import AUDIENCE, ISSUER, NOW, realistic_claims

WEEK = timedelta(days=7)


def secrets_of(key: SigningKey) -> list[str]:
    """Every spelling of the private key that must never appear in text."""
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    raw = key.private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    body = "".join(pem.splitlines()[1:-1])
    return [body, body[:24], b64url_encode(raw), raw.hex()]


def issue_at(ring: KeyRing, device: DeviceKey, now: Any, lifetime: timedelta = WEEK) -> str:
    claims = realistic_claims(device, valid_from=now, valid_until=now + lifetime)
    return issue_pass_token(claims, ring, issuer=ISSUER, audience=AUDIENCE, now=now)


def verify_at(token: str, ring: KeyRing, now: Any) -> Any:
    return verify_pass_token(token, ring, audience=AUDIENCE, issuer=ISSUER, now=now)


def test_rotation_overlap(ring: KeyRing, device: DeviceKey) -> None:
    """Old tokens verify until the old key's retire_after; new tokens use the new key."""
    activate = NOW + timedelta(hours=1)
    rotated = rotate(ring, "k2", activate_at=activate, max_token_lifetime=WEEK, now=NOW)
    old_key, new_key = rotated.keys
    assert (old_key.kid, old_key.retire_after) == ("k1", activate + WEEK)
    assert (new_key.kid, new_key.not_before, new_key.retire_after) == ("k2", activate, None)

    before = issue_at(rotated, device, activate - timedelta(seconds=1))
    after = issue_at(rotated, device, activate)
    assert verify_at(before, rotated, activate).kid == "k1"
    assert verify_at(after, rotated, activate).kid == "k2"
    # The old token lives its whole week, which ends before its key retires...
    assert verify_at(before, rotated, activate + WEEK - timedelta(seconds=2)).kid == "k1"
    # ...and once the key is retired it no longer verifies anything.
    with pytest.raises(TokenRejected) as caught:
        verify_at(before, rotated, activate + WEEK)
    assert caught.value.reason == Reason.KEY_RETIRED


def test_jwks_publishes_the_next_key_before_it_signs(ring: KeyRing) -> None:
    """During the overlap the JWKS has both keys; after retirement only the new one."""
    activate = NOW + timedelta(hours=1)
    rotated = rotate(ring, "k2", activate_at=activate, max_token_lifetime=WEEK, now=NOW)
    assert [k["kid"] for k in rotated.jwks(NOW)["keys"]] == ["k1", "k2"]
    assert rotated.signing_key(NOW).kid == "k1"
    assert [k["kid"] for k in rotated.jwks(activate + WEEK)["keys"]] == ["k2"]


def test_rotation_drops_retired_keys_and_refuses_the_past(ring: KeyRing) -> None:
    """A second rotation forgets keys already retired; activation cannot be in the past."""
    first = rotate(ring, "k2", activate_at=NOW, max_token_lifetime=WEEK, now=NOW)
    later = NOW + 2 * WEEK
    second = rotate(first, "k3", activate_at=later, max_token_lifetime=WEEK, now=later)
    assert [k.kid for k in second.keys] == ["k2", "k3"]
    with pytest.raises(KeyRingInvalid):
        rotate(ring, "k2", activate_at=NOW - timedelta(1), max_token_lifetime=WEEK, now=NOW)


def test_signing_key_is_the_newest_active_one() -> None:
    """Among keys active now the latest activation signs; none active is an error."""
    keys = [
        generate_key("a", not_before=NOW - timedelta(days=9), retire_after=NOW + WEEK),
        generate_key("b", not_before=NOW - timedelta(days=1)),
        generate_key("c", not_before=NOW + timedelta(days=1)),
    ]
    assert KeyRing(keys).signing_key(NOW).kid == "b"
    with pytest.raises(SigningKeyUnavailable):
        KeyRing(keys[2:]).signing_key(NOW)


def test_key_file_round_trip_is_owner_only(tmp_path: Path, ring: KeyRing) -> None:
    """A written key file reloads to the same keys and times, with mode 0600."""
    path = tmp_path / "keys.json"
    write_keyring_file(path, ring)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_keyring_file(path)
    original, again = ring.keys[0], loaded.keys[0]
    assert (again.kid, again.not_before, again.retire_after) == (
        original.kid,
        original.not_before,
        original.retire_after,
    )
    assert secrets_of(again) == secrets_of(original)


def test_rotate_keyring_file_rewrites_the_file(tmp_path: Path, ring: KeyRing) -> None:
    """Rotating a key file leaves the file holding the rotated ring."""
    path = tmp_path / "keys.json"
    write_keyring_file(path, ring)
    rotate_keyring_file(
        path, "k2", activate_at=NOW + timedelta(hours=1), max_token_lifetime=WEEK, now=NOW
    )
    assert [k.kid for k in load_keyring_file(path).keys] == ["k1", "k2"]


def test_pem_from_the_environment(signing_key: SigningKey, device: DeviceKey) -> None:
    """A single PKCS#8 PEM string makes a ring that signs from the epoch on."""
    pem = signing_key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    ring = KeyRing.from_pem(pem, "env1")
    assert verify_at(issue_at(ring, device, NOW), ring, NOW).kid == "env1"


def test_configuration_takes_exactly_one_source(tmp_path: Path, ring: KeyRing) -> None:
    """load_keyring reads the key file or the PEM, and refuses both or neither."""
    path = tmp_path / "keys.json"
    write_keyring_file(path, ring)
    pem = (
        ring.keys[0]
        .private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    assert [k.kid for k in load_keyring(key_file=path).keys] == ["k1"]
    assert [k.kid for k in load_keyring(pem=pem, pem_kid="env7").keys] == ["env7"]
    for both_or_neither in ({"key_file": path, "pem": pem}, {}):
        with pytest.raises(KeyRingInvalid):
            load_keyring(**both_or_neither)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"keys": []}',
        '{"format": "coastal-mobility-keyring/1", "keys": []}',
        '{"format": "coastal-mobility-keyring/1", "keys": [{"kid": "a"}]}',
    ],
)
def test_bad_key_files_are_refused(text: str) -> None:
    """A key file that is not JSON, lacks the format tag, or has no usable key is refused."""
    with pytest.raises(KeyRingInvalid):
        KeyRing.from_json(text)


def test_no_key_material_in_repr_str_errors_or_logs(
    tmp_path: Path, ring: KeyRing, signing_key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    """Keys never show in repr/str, in logs of loading/writing/rotating, nor in load errors."""
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "keys.json"
    write_keyring_file(path, ring)
    path.chmod(0o644)  # also triggers the permission warning, which must not quote the file
    rotated = rotate_keyring_file(path, "k2", activate_at=NOW, max_token_lifetime=WEEK, now=NOW)
    pem = path.read_text()
    broken = pem.replace("PRIVATE KEY-----\\n", "PRIVATE KEY-----\\nAAAA", 1)
    with pytest.raises(KeyRingInvalid) as caught:
        KeyRing.from_json(broken)
    device = DeviceKey.generate()
    texts = [
        caplog.text,
        repr(ring),
        str(ring),
        repr(rotated),
        repr(signing_key),
        str(signing_key),
        repr(rotated.keys),
        str(caught.value),
        repr(caught.value),
        repr(device),
        str(device),
    ]
    assert "readable beyond its owner" in caplog.text
    for key in rotated.keys:
        for secret in secrets_of(key):
            assert not any(secret in text for text in texts), secret
    raw = device.private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    assert not any(raw.hex() in t or b64url_encode(raw) in t for t in texts)

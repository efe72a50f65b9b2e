"""Password hashing: Argon2id, verification, and the rehash signal."""

from __future__ import annotations

import pytest
from pwdlib.hashers.argon2 import Argon2Hasher

from mobility.auth.passwords import (
    MAX_PASSWORD_CHARS,
    dummy_verify,
    hash_password,
    needs_rehash,
    verify_and_update,
    verify_password,
)


def test_hash_verifies_and_is_salted() -> None:
    """A hash is Argon2id, verifies its password only, and differs each time (salt)."""
    h = hash_password("correct horse battery staple")
    assert h.startswith("$argon2id$")
    assert verify_password("correct horse battery staple", h)
    assert not verify_password("correct horse battery stapler", h)
    assert hash_password("correct horse battery staple") != h


def test_garbage_hash_never_matches() -> None:
    """An unknown scheme or a corrupt Argon2 string is a mismatch, not an exception."""
    assert not verify_password("pw", "plain-text")
    assert not verify_password("pw", "$argon2id$v=19$m=65536,t=3,p=4$garbage$x")
    assert needs_rehash("plain-text")


def test_current_hash_needs_no_rehash_weaker_one_does() -> None:
    """A hash with today's parameters stays; a weaker one is flagged and replaced on success."""
    assert not needs_rehash(hash_password("pw-1"))
    weak = Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw-1")
    assert verify_password("pw-1", weak)
    assert needs_rehash(weak)
    ok, new_hash = verify_and_update("pw-1", weak)
    assert ok
    assert new_hash is not None
    assert not needs_rehash(new_hash)
    assert verify_and_update("wrong", weak) == (False, None)


def test_empty_and_oversized_passwords() -> None:
    """Empty passwords are refused at hashing; oversized ones never verify (no slow-hash DoS)."""
    with pytest.raises(ValueError, match="empty"):
        hash_password("")
    assert not verify_password("x" * (MAX_PASSWORD_CHARS + 1), hash_password("pw"))
    dummy_verify()

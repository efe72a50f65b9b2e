"""Password hashing with Argon2id (pwdlib): hash, verify, upgrade hashes when parameters change."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

# Argon2id at the library's defaults (t=3, m=64 MiB, p=4), above OWASP's minimum. Raising them
# later makes needs_rehash() true for older hashes, which the login flow then replaces.
MAX_PASSWORD_CHARS = 1024  # hashing is deliberately slow; do not let a caller make it slower


@lru_cache(maxsize=1)
def _password_hash() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def _check_length(password: str) -> None:
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"password longer than {MAX_PASSWORD_CHARS} characters")


def hash_password(password: str) -> str:
    """The Argon2id hash (PHC string, salt included) to store for `password`."""
    if not password:
        raise ValueError("empty password")
    _check_length(password)
    return _password_hash().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """True if `password` matches `password_hash`; an unknown or corrupt hash never matches."""
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _password_hash().verify(password, password_hash)
    except UnknownHashError:
        return False


def needs_rehash(password_hash: str) -> bool:
    """True if the hash was made with other parameters (or another scheme) than today's."""
    hasher = _password_hash().current_hasher
    if not hasher.identify(password_hash):
        return True
    try:
        return hasher.check_needs_rehash(password_hash)
    except ValueError:  # argon2's InvalidHashError: a corrupt hash is replaced on next login
        return True


def verify_and_update(password: str, password_hash: str) -> tuple[bool, str | None]:
    """(matches, new hash to store or None): verify, and rehash on success if parameters moved."""
    if not verify_password(password, password_hash):
        return False, None
    return True, hash_password(password) if needs_rehash(password_hash) else None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("dummy password, never matches a login")


def dummy_verify() -> None:
    """Spend a verification's time when there is no account, so timing does not reveal that."""
    verify_password("x", _dummy_hash())

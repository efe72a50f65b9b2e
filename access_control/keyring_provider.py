"""The process's pass-signing keyring, from settings.

Outside production, with no key configured, a development keyring is generated once under
VAR_DIR (mode 0600), so the embedded default works out of the box; in production a missing key
is an error, never a silently generated one.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache

from access_control.errors import SigningKeyUnavailable
from access_control.keys import KeyRing, generate_key, load_keyring, write_keyring_file
from mobility.settings import get_settings

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def configured_keyring() -> KeyRing:
    settings = get_settings()
    key_file = settings.effective_signing_key_file
    pem = settings.pass_signing_key_pem.get_secret_value() or None
    if key_file is None and pem is None:
        raise SigningKeyUnavailable(
            "no pass-signing key is configured: set SIGNING_KEY_FILE or PASS_SIGNING_KEY_PEM"
        )
    if key_file is not None and not key_file.exists():
        if settings.signing_key_file is not None:
            raise SigningKeyUnavailable(f"signing key file {key_file} does not exist")
        ensure_development_keyring()
    return load_keyring(key_file=key_file, pem=pem, pem_kid=settings.pass_signing_key_id)


def ensure_development_keyring() -> None:
    """Create the development keyring if it is missing (never in production)."""
    settings = get_settings()
    path = settings.var_dir / "signing-keys.json"
    if settings.is_production or path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    kid = "dev-" + datetime.now(UTC).strftime("%Y%m%d")
    write_keyring_file(path, KeyRing([generate_key(kid)]))
    logger.warning("generated a development signing key %s in %s", kid, path)


def reset_keyring_cache() -> None:
    configured_keyring.cache_clear()

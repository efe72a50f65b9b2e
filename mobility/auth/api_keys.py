"""API keys for machines (gate controllers, integrations): create, verify, revoke, rotate.

A key reads `mob_<id>_<secret>`: the id finds the row, the secret (32 random bytes, base64url)
proves possession. The secret has 256 bits of entropy, so a fast hash suffices (no password
stretching): SHA-256, or HMAC-SHA256 with a server-side pepper when API_KEY_PEPPER is set, so a
stolen table alone cannot be checked against guesses. The stored hash names its scheme, so
setting a pepper later leaves older keys valid. Service functions take the session and never
commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from mobility.errors import Conflict, NotFound
from mobility.settings import get_settings

from .errors import InvalidCredentials, OrganisationNotFound
from .models import ApiCredential, ApiCredentialKind, Organisation
from .principals import Principal, PrincipalKind

KEY_PREFIX = "mob_"
SECRET_BYTES = 32
_KEY_PATTERN = re.compile(r"mob_(?P<id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})")
# Writing last_used_at on every request would make each gate validation a row update; a
# minute's resolution is plenty for "is this device still in use?".
LAST_USED_RESOLUTION = timedelta(seconds=60)
_INVALID = "the API key is not valid"

_KIND_OF = {
    ApiCredentialKind.GATE: PrincipalKind.GATE,
    ApiCredentialKind.INTEGRATION: PrincipalKind.INTEGRATION,
    ApiCredentialKind.LOGISTICS: PrincipalKind.LOGISTICS,
}


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A new credential and its key, which is shown to the caller once and never stored."""

    credential: ApiCredential
    key: str = field(repr=False)


def _configured_pepper() -> str:
    return get_settings().api_key_pepper.get_secret_value()


def hash_secret(secret: str, *, pepper: str = "") -> str:
    """The stored form of a key's secret, prefixed with its scheme."""
    if pepper:
        digest = hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()
        return f"hmac-sha256${digest}"
    return f"sha256${hashlib.sha256(secret.encode()).hexdigest()}"


def _secret_matches(secret: str, stored: str, pepper: str) -> bool:
    scheme = stored.partition("$")[0]
    if scheme == "hmac-sha256" and pepper:
        candidate = hash_secret(secret, pepper=pepper)
    elif scheme == "sha256":
        candidate = hash_secret(secret)
    else:
        return False
    return hmac.compare_digest(candidate.encode(), stored.encode())


def parse_api_key(presented: str) -> tuple[str, str]:
    """(credential id, secret) of a presented key; InvalidCredentials if it is not one."""
    match = _KEY_PATTERN.fullmatch(presented.strip()) if isinstance(presented, str) else None
    if match is None:
        raise InvalidCredentials(_INVALID, scheme="ApiKey")
    return match["id"], match["secret"]


def principal_for(credential: ApiCredential) -> Principal:
    """The principal a credential authenticates as."""
    return Principal(
        subject=f"apikey:{credential.id}",
        kind=_KIND_OF[credential.kind],
        scopes=credential.scope_set,
        operator_id=credential.operator_id,
        organisation_id=credential.organisation_id,
        gate_ids=credential.gate_id_set,
        credential_id=credential.id,
    )


def create_api_credential(
    session: Session,
    *,
    kind: ApiCredentialKind,
    label: str,
    scopes: Iterable[str],
    operator_id: str | None = None,
    organisation_id: str | None = None,
    gate_ids: Iterable[str] | None = None,
    now: datetime | None = None,
    pepper: str | None = None,
) -> IssuedApiKey:
    """Add a credential to the session (flushed, not committed) and return it with its key.

    `organisation_id` must name an organisation (a foreign key): a firm's key acts for it."""
    if not label.strip():
        raise ValueError("an API credential needs a label")
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise OrganisationNotFound(f"no organisation {organisation_id!r}")
    credential_id, secret = secrets.token_hex(8), secrets.token_urlsafe(SECRET_BYTES)
    credential = ApiCredential(
        id=credential_id,
        kind=ApiCredentialKind(kind),
        label=label.strip(),
        operator_id=operator_id,
        organisation_id=organisation_id,
        scopes=json.dumps(sorted(set(map(str, scopes)))),
        gate_ids=None if gate_ids is None else json.dumps(sorted(set(map(str, gate_ids)))),
        secret_hash=hash_secret(secret, pepper=_configured_pepper() if pepper is None else pepper),
        created_at=now or datetime.now(UTC),
    )
    principal_for(credential)  # the same rules as any principal: known scopes, gates, operator
    session.add(credential)
    session.flush()
    return IssuedApiKey(credential, f"{KEY_PREFIX}{credential_id}_{secret}")


def _get(session: Session, credential_id: str) -> ApiCredential:
    credential = session.get(ApiCredential, credential_id)
    if credential is None:
        raise NotFound(f"no API credential {credential_id!r}")
    return credential


def is_revoked(credential: ApiCredential, now: datetime) -> bool:
    return credential.revoked_at is not None and credential.revoked_at <= now


def revoke_api_credential(
    session: Session, credential_id: str, *, at: datetime | None = None
) -> ApiCredential:
    """Revoke a credential from `at` (default now); an earlier revocation stands."""
    credential = _get(session, credential_id)
    when = at or datetime.now(UTC)
    if credential.revoked_at is None or credential.revoked_at > when:
        credential.revoked_at = when
        session.flush()
    return credential


def rotate_api_credential(
    session: Session,
    credential_id: str,
    *,
    grace: timedelta = timedelta(0),
    now: datetime | None = None,
    pepper: str | None = None,
) -> IssuedApiKey:
    """A new key with the same kind, label, operator, scopes and gates; the old one stops
    working after `grace`, so the device can switch over without a gap."""
    moment = now or datetime.now(UTC)
    old = _get(session, credential_id)
    if is_revoked(old, moment):
        raise Conflict(f"API credential {credential_id!r} is revoked")
    issued = create_api_credential(
        session,
        kind=old.kind,
        label=old.label,
        scopes=old.scope_set,
        operator_id=old.operator_id,
        organisation_id=old.organisation_id,
        gate_ids=old.gate_id_set,
        now=moment,
        pepper=pepper,
    )
    revoke_api_credential(session, credential_id, at=moment + grace)
    return issued


# A well-formed hash to compare against when the id is unknown, so that path costs the same.
_DUMMY_HASH = hash_secret("x" * 43)


def authenticate_api_key(
    session: Session, presented: str, *, now: datetime | None = None, pepper: str | None = None
) -> Principal:
    """The principal of a valid, unrevoked key (recording its use); InvalidCredentials otherwise."""
    credential_id, secret = parse_api_key(presented)
    moment = now or datetime.now(UTC)
    key_pepper = _configured_pepper() if pepper is None else pepper
    credential = session.get(ApiCredential, credential_id)
    if credential is None:
        _secret_matches(secret, _DUMMY_HASH, key_pepper)
        raise InvalidCredentials(_INVALID, scheme="ApiKey")
    if not _secret_matches(secret, credential.secret_hash, key_pepper):
        raise InvalidCredentials(_INVALID, scheme="ApiKey")
    if is_revoked(credential, moment):
        raise InvalidCredentials("the API key has been revoked", scheme="ApiKey")
    last = credential.last_used_at
    if last is None or moment - last >= LAST_USED_RESOLUTION:
        credential.last_used_at = moment
        session.flush()
    return principal_for(credential)

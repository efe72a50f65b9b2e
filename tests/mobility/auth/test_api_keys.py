"""API keys on both databases: create, verify, revoke, rotate, last use, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from mobility.auth.api_keys import (
    authenticate_api_key,
    create_api_credential,
    parse_api_key,
    revoke_api_credential,
    rotate_api_credential,
)
from mobility.auth.errors import InvalidCredentials
from mobility.auth.models import ApiCredential, ApiCredentialKind
from mobility.auth.principals import PrincipalKind, Scope
from mobility.errors import Conflict, NotFound

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _gate_key(session: Session, pepper: str = "") -> tuple[str, str]:
    issued = create_api_credential(
        session,
        kind=ApiCredentialKind.GATE,
        label="Livorno ferry gate 1",
        scopes=[Scope.GATES_VALIDATE],
        operator_id="op-a",
        gate_ids=["g1", "g2"],
        now=NOW,
        pepper=pepper,
    )
    session.commit()
    return issued.credential.id, issued.key


def test_key_format_and_only_a_hash_is_stored(session: Session) -> None:
    """The key is mob_<id>_<43-char secret>; the row holds a SHA-256 of the secret, not it."""
    credential_id, key = _gate_key(session)
    parsed_id, secret = parse_api_key(key)
    assert parsed_id == credential_id
    assert len(secret) == 43
    row = session.get(ApiCredential, credential_id)
    assert row is not None
    assert row.secret_hash.startswith("sha256$")
    assert secret not in row.secret_hash
    assert row.scope_set == {"gates:validate"}
    assert row.gate_id_set == {"g1", "g2"}


def test_create_verify_revoke_reject(session: Session) -> None:
    """A fresh key authenticates as its gate principal; once revoked it is refused."""
    credential_id, key = _gate_key(session)
    principal = authenticate_api_key(session, key, now=NOW, pepper="")
    assert principal.kind is PrincipalKind.GATE
    assert principal.operator_id == "op-a"
    assert principal.gate_ids == {"g1", "g2"}
    assert principal.scopes == {"gates:validate"}
    assert principal.credential_id == credential_id
    revoke_api_credential(session, credential_id, at=NOW + timedelta(minutes=1))
    session.commit()
    with pytest.raises(InvalidCredentials, match="revoked"):
        authenticate_api_key(session, key, now=NOW + timedelta(minutes=2), pepper="")


def test_wrong_secret_or_unknown_id_is_rejected(session: Session) -> None:
    """A right id with a wrong secret, an unknown id, or a malformed key are all refused."""
    credential_id, key = _gate_key(session)
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for presented in (wrong, f"mob_{'0' * 16}_{key[-43:]}", "mob_nope", key + "x", ""):
        with pytest.raises(InvalidCredentials) as info:
            authenticate_api_key(session, presented, now=NOW, pepper="")
        assert info.value.status == 401
        assert "ApiKey" in info.value.headers["WWW-Authenticate"]
    assert credential_id in key


def test_peppered_hash(session: Session) -> None:
    """With a pepper the hash is an HMAC; the key then needs the pepper to verify."""
    _, key = _gate_key(session, pepper="pepper-1")
    authenticate_api_key(session, key, now=NOW, pepper="pepper-1")
    for other in ("pepper-2", ""):
        with pytest.raises(InvalidCredentials):
            authenticate_api_key(session, key, now=NOW, pepper=other)


def test_last_used_at_is_recorded_at_minute_resolution(session: Session) -> None:
    """Authentication stamps last_used_at, again only once a minute has passed."""
    credential_id, key = _gate_key(session)
    authenticate_api_key(session, key, now=NOW, pepper="")
    session.commit()
    session.expire_all()
    row = session.get(ApiCredential, credential_id)
    assert row is not None
    assert row.last_used_at is not None
    assert row.last_used_at.replace(tzinfo=UTC) == NOW
    authenticate_api_key(session, key, now=NOW + timedelta(seconds=10), pepper="")
    assert row.last_used_at.replace(tzinfo=UTC) == NOW
    authenticate_api_key(session, key, now=NOW + timedelta(minutes=2), pepper="")
    assert row.last_used_at.replace(tzinfo=UTC) == NOW + timedelta(minutes=2)


def test_rotation_keeps_old_key_for_the_grace_period(session: Session) -> None:
    """Rotation issues a key with the same rights; the old one works until the grace ends."""
    credential_id, old_key = _gate_key(session)
    issued = rotate_api_credential(
        session, credential_id, grace=timedelta(hours=1), now=NOW, pepper=""
    )
    session.commit()
    new = authenticate_api_key(session, issued.key, now=NOW, pepper="")
    assert new.gate_ids == {"g1", "g2"}
    assert new.credential_id != credential_id
    authenticate_api_key(session, old_key, now=NOW + timedelta(minutes=59), pepper="")
    with pytest.raises(InvalidCredentials):
        authenticate_api_key(session, old_key, now=NOW + timedelta(hours=1), pepper="")
    with pytest.raises(Conflict):
        rotate_api_credential(session, credential_id, now=NOW + timedelta(hours=2), pepper="")
    with pytest.raises(NotFound):
        revoke_api_credential(session, "0" * 16)


def test_create_checks_the_rights(session: Session) -> None:
    """A gate key without gates, or with an unknown scope, is refused before it is stored."""
    with pytest.raises(ValueError, match="gate controller"):
        create_api_credential(
            session, kind=ApiCredentialKind.GATE, label="g", scopes=[], operator_id="op-a"
        )
    with pytest.raises(ValueError, match="unknown scopes"):
        create_api_credential(
            session, kind=ApiCredentialKind.INTEGRATION, label="i", scopes=["feeds:write"]
        )
    assert session.query(ApiCredential).count() == 0

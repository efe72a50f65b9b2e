"""Server revocations: the event log, its Redis mirror, deltas and snapshots, the endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from access_control import revocations
from access_control.gate_client.backend import RevocationDelta, RevocationSnapshot
from mobility.redis_client import get_redis
from tests.access_control.server.conftest import (
    BrokenRedis,
    RegisteredGate,
    admin,
    assert_problem,
    staff,
)

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)


@pytest.fixture
def session(app_env: None, engine: Engine) -> Iterator[Session]:  # noqa: ARG001
    with Session(engine) as opened:
        yield opened
        opened.rollback()


@pytest.fixture
def client_redis(app_env: None) -> redis_lib.Redis:  # noqa: ARG001
    return get_redis()


def test_versions_increase_and_delta_nets_changes(
    session: Session, client_redis: redis_lib.Redis
) -> None:
    """Revoke A, revoke B, restore A: the delta from 0 revokes B and restores A."""
    a = revocations.revoke(session, client_redis, "pass", "PA", LATER, "lost", now=NOW)
    b = revocations.revoke(session, client_redis, "jti", "jb", LATER, None, now=NOW)
    c = revocations.restore(session, client_redis, "pass", "PA", now=NOW)
    assert a.version < b.version < c.version
    reply = revocations.delta_since(session, a.version - 1, NOW)
    assert isinstance(reply, RevocationDelta)
    assert reply.to_version == c.version
    assert [(e.kind, e.id) for e in reply.revoked] == [("jti", "jb")]
    assert [(e.kind, e.id) for e in reply.restored] == [("pass", "PA")]
    short = revocations.revoke(session, client_redis, "pass", "PS", NOW + timedelta(minutes=1))
    later = revocations.delta_since(session, c.version, NOW + timedelta(hours=1))
    assert isinstance(later, RevocationDelta)
    assert later.to_version == short.version
    assert later.revoked == later.restored == ()  # its `until` has passed: left out
    empty = revocations.delta_since(session, short.version, NOW)
    assert isinstance(empty, RevocationDelta)
    assert empty.revoked == empty.restored == ()


def test_snapshot_for_none_and_for_a_future_version(
    session: Session, client_redis: redis_lib.Redis
) -> None:
    """None and a version ahead of the log get a snapshot without expired entries."""
    revocations.revoke(session, client_redis, "pass", "PA", LATER, None, now=NOW)
    revocations.revoke(session, client_redis, "pass", "PX", NOW + timedelta(minutes=1), None)
    at = NOW + timedelta(hours=1)
    for since in (None, 10_000):
        reply = revocations.delta_since(session, since, at)
        assert isinstance(reply, RevocationSnapshot)
        assert [e.id for e in reply.revoked] == ["PA"]


def test_redis_mirror_and_rebuild(session: Session, client_redis: redis_lib.Redis) -> None:
    """Revocations reach Redis on commit; a rebuild after losing Redis restores exactly the
    active ones."""
    revocations.revoke(session, client_redis, "pass", "PA", LATER, None, now=NOW)
    assert not client_redis.zscore(revocations.redis_key(), "pass:PA")  # not before commit
    session.commit()
    state = revocations.revocation_state(session, client_redis, pass_id="PA", jti=None, now=NOW)
    assert state.revoked
    assert not state.degraded
    client_redis.delete(revocations.redis_key())
    assert revocations.rebuild_redis_revocations(session, client_redis, now=NOW) == 1
    assert revocations.revocation_state(
        session, client_redis, pass_id="PA", jti=None, now=NOW
    ).revoked


def test_rolled_back_restore_leaves_the_pass_refused(
    session: Session, client_redis: redis_lib.Redis
) -> None:
    """Redis changes only when the database commits: a restore rolled back changes nothing
    (found in review: it used to un-revoke the pass in Redis at once)."""
    revocations.revoke(session, client_redis, "pass", "PA", LATER, None, now=NOW)
    session.commit()
    revocations.restore(session, client_redis, "pass", "PA", now=NOW)
    session.rollback()
    assert client_redis.zscore(revocations.redis_key(), "pass:PA")
    assert revocations.revocation_state(
        session, client_redis, pass_id="PA", jti=None, now=NOW
    ).revoked


def test_redis_down_keeps_the_record_and_falls_back(session: Session) -> None:
    """With Redis unreachable the event is still recorded and read from the DB, degraded."""
    broken = BrokenRedis()
    event = revocations.revoke(session, broken, "pass", "PA", LATER, None, now=NOW)
    assert event.version >= 1
    state = revocations.revocation_state(session, broken, pass_id="PA", jti="j", now=NOW)
    assert state.revoked
    assert state.degraded
    revocations.restore(session, broken, "pass", "PA", now=NOW)
    assert not revocations.revocation_state(
        session, broken, pass_id="PA", jti=None, now=NOW
    ).revoked


def test_revoke_endpoint_and_gate_sync(
    client: TestClient, register: Callable[..., RegisteredGate]
) -> None:
    """Staff revoke a pass; the gate reads it in a snapshot, then an empty delta."""
    gate = register()
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = client.post(
        "/v1/passes/P0001X/revoke", json={"until": until, "reason": "lost"}, headers=admin()
    )
    assert response.status_code == 201, response.text
    version = response.json()["version"]
    snap = client.get(f"/v1/gates/{gate.id}/revocations", headers=gate.headers).json()
    assert snap["type"] == "snapshot"
    assert snap["version"] == version
    assert [e["id"] for e in snap["revoked"]] == ["P0001X"]
    delta = client.get(
        f"/v1/gates/{gate.id}/revocations", params={"since": version}, headers=gate.headers
    ).json()
    assert delta == {
        "type": "delta",
        "from_version": version,
        "to_version": version,
        "revoked": [],
        "restored": [],
    }


def test_revocation_endpoints_guarded(
    client: TestClient, register: Callable[..., RegisteredGate]
) -> None:
    """A gate cannot revoke, nor operator staff a pass ticketing does not know as theirs; a gate
    cannot read another gate's revocations; naive `until` is 422."""
    gate = register()
    other = register("G-MOLO-1-E2")
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert_problem(
        client.post("/v1/passes/P1/revoke", json={"until": until}, headers=gate.headers), 403
    )
    assert_problem(client.post("/v1/passes/P1/revoke", json={"until": until}, headers=staff()), 403)
    assert_problem(client.get(f"/v1/gates/{gate.id}/revocations", headers=other.headers), 403)
    assert_problem(client.get(f"/v1/gates/{gate.id}/revocations", headers=staff()), 403)
    assert_problem(client.get(f"/v1/gates/{gate.id}/revocations"), 401)
    naive = client.post(
        "/v1/passes/P1/revoke", json={"until": "2030-01-01T00:00:00"}, headers=admin()
    )
    assert_problem(naive, 422)

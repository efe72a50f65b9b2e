"""The Redis mirror of revocations: its version, stale detection, single-flight sync, atomic
rebuild, and the per-process cache of the log's newest version."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis as redis_lib
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from access_control import revocation_mirror as mirror
from access_control import revocations
from mobility.redis_client import get_redis
from tests.access_control.server.conftest import BrokenRedis

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)


@pytest.fixture
def session(app_env: None, engine: Engine) -> Iterator[Session]:  # noqa: ARG001
    revocations.NEWEST.forget(engine)  # as in a process just started
    with Session(engine) as opened:
        yield opened
        opened.rollback()
    revocations.NEWEST.forget(engine)


@pytest.fixture
def client_redis(app_env: None) -> redis_lib.Redis:  # noqa: ARG001
    return get_redis()


def revoke_unmirrored(session: Session, ident: str, until: datetime = LATER) -> int:
    """Commit a revocation whose Redis mirror fails (Redis down at the time); its version."""
    event = revocations.revoke(session, BrokenRedis(), "pass", ident, until, None, now=NOW)
    session.commit()
    return event.version


def members(client: redis_lib.Redis) -> set[bytes]:
    """The pass ids in Redis's revoked set."""
    names = client.zrange(revocations.redis_key(), 0, -1)
    return {name.removeprefix(b"pass:") for name in names if name.startswith(b"pass:")}


def test_commits_advance_the_mirrored_version(
    session: Session, client_redis: redis_lib.Redis
) -> None:
    """After a rebuild, each committed revoke or restore moves Redis's version to its own."""
    revoke_unmirrored(session, "PX")  # versions go on from emptied tables: start from one
    revocations.rebuild_redis_revocations(session, client_redis, now=NOW)
    session.commit()
    first = revocations.revoke(session, client_redis, "pass", "PA", LATER, None, now=NOW)
    session.commit()
    assert mirror.mirrored_version(client_redis) == first.version
    second = revocations.restore(session, client_redis, "pass", "PA", now=NOW)
    session.commit()
    assert mirror.mirrored_version(client_redis) == second.version
    assert members(client_redis) == {b"PX"}


def test_a_lost_mirror_is_detected_and_repaired(
    session: Session, client_redis: redis_lib.Redis
) -> None:
    """A revocation not mirrored (Redis down) leaves Redis behind the log: the next online
    check answers it from the database, not degraded, and brings Redis up to the log."""
    revocations.rebuild_redis_revocations(session, client_redis, now=NOW)
    session.commit()
    version = revoke_unmirrored(session, "PA")
    assert mirror.mirrored_version(client_redis) < version
    assert b"PA" not in members(client_redis)
    state = revocations.revocation_state(session, client_redis, pass_id="PA", jti=None, now=NOW)
    assert (state.revoked, state.degraded) == (True, False)
    assert mirror.mirrored_version(client_redis) == version
    assert members(client_redis) == {b"PA"}


def test_another_process_revocation_is_seen_once_the_cache_is_refreshed(
    session: Session, client_redis: redis_lib.Redis, engine: Engine
) -> None:
    """A version this process did not commit is found by reading the log (cache refreshed),
    and a Redis that lost its version altogether is rebuilt whole."""
    revoke_unmirrored(session, "PA")
    revoke_unmirrored(session, "PB", until=NOW - timedelta(minutes=1))
    revocations.NEWEST.forget(engine)  # what another process, which made none, knows
    client_redis.zrem(revocations.redis_key(), mirror.VERSION_MEMBER)
    state = revocations.revocation_state(session, client_redis, pass_id="PA", jti=None, now=NOW)
    assert state.revoked
    assert members(client_redis) == {b"PA"}


def test_redis_ahead_of_a_restored_log_is_rebuilt(
    session: Session, client_redis: redis_lib.Redis
) -> None:
    """Redis mirroring versions the log does not hold (a database restored from a backup) is
    rewritten from the log at the next check, which answers from the database meanwhile."""
    first = revocations.revoke(session, client_redis, "pass", "PA", LATER, None, now=NOW)
    session.commit()
    client_redis.zadd(revocations.redis_key(), {mirror.VERSION_MEMBER: -(first.version + 100)})
    client_redis.zadd(revocations.redis_key(), {"pass:GHOST": LATER.timestamp()})
    state = revocations.revocation_state(session, client_redis, pass_id="GHOST", jti=None, now=NOW)
    assert not state.revoked
    assert members(client_redis) == {b"PA"}
    assert mirror.mirrored_version(client_redis) == first.version


def test_a_late_mirror_does_not_undo_a_newer_event(
    session: Session, client_redis: redis_lib.Redis
) -> None:
    """A revoke's mirror arriving after Redis caught up with a later restore of the same pass
    changes nothing; an event beyond the next version is applied but does not move the
    version (what comes between is unknown)."""
    revoke = revocations.revoke(session, BrokenRedis(), "pass", "PA", LATER, None, now=NOW)
    revocations.restore(session, BrokenRedis(), "pass", "PA", now=NOW)
    session.commit()
    revocations.sync_redis_revocations(session, client_redis, now=NOW)
    synced = mirror.mirrored_version(client_redis)
    mirror.mirror_event(
        client_redis, revoke.version, mirror.Change("pass", "PA", LATER.timestamp()), 0.0
    )
    assert members(client_redis) == set()
    ahead = mirror.Change("pass", "PZ", LATER.timestamp())
    mirror.mirror_event(client_redis, synced + 2, ahead, NOW.timestamp())
    assert members(client_redis) == {b"PZ"}
    assert mirror.mirrored_version(client_redis) == synced


def test_sync_is_single_flight(session: Session, client_redis: redis_lib.Redis) -> None:
    """While another process holds the sync lock a stale Redis is not written, yet the check
    still answers from the database; the lock expires by itself and is released after use."""
    version = revoke_unmirrored(session, "PA")
    client_redis.set(mirror.lock_key(), b"someone-else", px=60_000)
    state = revocations.revocation_state(session, client_redis, pass_id="PA", jti=None, now=NOW)
    assert state.revoked
    assert not revocations.sync_redis_revocations(session, client_redis, now=NOW)
    assert members(client_redis) == set()
    client_redis.delete(mirror.lock_key())
    assert revocations.sync_redis_revocations(session, client_redis, now=NOW)
    assert mirror.mirrored_version(client_redis) == version
    assert client_redis.get(mirror.lock_key()) is None
    with mirror.single_flight(client_redis) as won:
        assert won
        assert 0 < client_redis.pttl(mirror.lock_key()) <= mirror.SYNC_LOCK_TTL_MS


def test_concurrent_syncs_rebuild_once(
    session: Session, client_redis: redis_lib.Redis, engine: Engine, monkeypatch: Any
) -> None:
    """Syncs started while one is rebuilding do not rebuild too: one rebuild for all of them."""
    revoke_unmirrored(session, "PA")
    inside, finish = threading.Event(), threading.Event()
    calls: list[int] = []
    real = mirror.replace_all

    def blocking(client: redis_lib.Redis, to_version: int, revoked: Any) -> None:
        calls.append(to_version)
        inside.set()
        finish.wait()
        real(client, to_version, revoked)

    monkeypatch.setattr(mirror, "replace_all", blocking)
    results: list[bool] = []

    def sync() -> None:
        with Session(engine) as own:
            results.append(revocations.sync_redis_revocations(own, client_redis, now=NOW))

    first = threading.Thread(target=sync)
    first.start()
    inside.wait()
    others = [threading.Thread(target=sync) for _ in range(3)]
    for thread in others:
        thread.start()
    for thread in others:
        thread.join()
    finish.set()
    first.join()
    assert len(calls) == 1
    assert sorted(results) == [False, False, False, True]
    assert members(client_redis) == {b"PA"}


class SwapWatcher:
    """A client that runs `check` just before each MULTI transaction it opens (the swap)."""

    def __init__(self, real: redis_lib.Redis, check: Callable[[], None]) -> None:
        self.real, self.check = real, check

    def pipeline(self, transaction: bool = True) -> Any:
        if transaction:
            self.check()
        return self.real.pipeline(transaction=transaction)


def test_rebuild_swaps_atomically(session: Session, client_redis: redis_lib.Redis) -> None:
    """Up to the swap the live set is the old one, whole (the new one is staged apart); after
    it, the new one, and the version is the log's."""
    old = {f"pass:OLD{n}": LATER.timestamp() for n in range(2500)}
    client_redis.zadd(revocations.redis_key(), {**old, "pass:KEPT": LATER.timestamp()})
    revoke_unmirrored(session, "KEPT")
    version = revoke_unmirrored(session, "NEW")
    seen: list[set[bytes]] = []
    watcher = SwapWatcher(client_redis, lambda: seen.append(members(client_redis)))
    assert revocations.rebuild_redis_revocations(session, watcher, now=NOW) == 2  # type: ignore[arg-type]
    assert seen == [{name.removeprefix("pass:").encode() for name in old} | {b"KEPT"}]
    assert members(client_redis) == {b"KEPT", b"NEW"}
    assert mirror.mirrored_version(client_redis) == version
    assert client_redis.ttl(revocations.redis_key()) == -1
    assert not client_redis.keys(revocations.redis_key() + ":staging:*")


def test_readers_during_rebuilds_never_miss_a_kept_revocation(
    session: Session, client_redis: redis_lib.Redis
) -> None:
    """A reader polling a pass revoked before and after a run of rebuilds always finds it."""
    revoke_unmirrored(session, "KEPT")
    for n in range(1500):
        revocations.revoke(session, BrokenRedis(), "pass", f"P{n}", LATER, None, now=NOW)
    session.commit()
    revocations.rebuild_redis_revocations(session, client_redis, now=NOW)
    stop, misses, reads = threading.Event(), [], [0]
    reader = get_redis()

    def poll() -> None:
        while not stop.is_set():
            if reader.zscore(revocations.redis_key(), "pass:KEPT") is None:
                misses.append(1)
            reads[0] += 1

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        for _ in range(5):
            revocations.rebuild_redis_revocations(session, client_redis, now=NOW)
    finally:
        stop.set()
        thread.join()
    assert reads[0] > 0
    assert misses == []


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_newest_version_cache_reads_once_per_ttl() -> None:
    """Within the TTL the cached version is returned without a read; past it, read again; a
    version committed here raises it at once; a second engine has its own entry."""
    engine, other = create_engine("sqlite://"), create_engine("sqlite://")
    clock, loads = FakeClock(), []
    cache = mirror.NewestVersionCache(clock)

    def load(value: int) -> Callable[[], int]:
        return lambda: loads.append(value) or value

    assert cache.get(engine, 1.0, load(5)) == 5
    clock.now += 0.5
    assert cache.get(engine, 1.0, load(6)) == 5
    cache.note(engine, 9)
    assert cache.get(engine, 1.0, load(6)) == 9
    clock.now += 0.6
    assert cache.get(engine, 1.0, load(7)) == 7
    assert cache.get(engine, 0.0, load(8)) == 8  # asked fresh: read even within the TTL
    assert loads == [5, 7, 8]
    assert cache.get(other, 1.0, load(1)) == 1


def test_newest_version_cache_does_not_wait_for_a_refresh() -> None:
    """While one thread refreshes an expired entry, others get the previous value at once."""
    engine = create_engine("sqlite://")
    clock = FakeClock()
    cache = mirror.NewestVersionCache(clock)
    cache.get(engine, 1.0, lambda: 3)
    clock.now += 5
    started, release = threading.Event(), threading.Event()

    def slow() -> int:
        started.set()
        release.wait()
        return 4

    refresher = threading.Thread(target=cache.get, args=(engine, 1.0, slow))
    refresher.start()
    started.wait()
    assert cache.get(engine, 1.0, lambda: pytest.fail("a second read while refreshing")) == 3
    release.set()
    refresher.join()
    assert cache.get(engine, 1.0, lambda: 99) == 4

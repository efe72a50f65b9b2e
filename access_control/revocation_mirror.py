"""The Redis side of revocations: the set online gates read and the log version it mirrors.

One sorted set, `revoked:ids`, holds the ids revoked now (member `pass:<id>` or `jti:<id>`,
score the `until` as epoch seconds) and, as the member `~version` scored minus the version,
the newest log version the set is known to hold *with every version before it*. Version and ids
in one key: an online check reads both with one ZMSCORE (the hot path: one command, as before
the version existed), a rebuild's RENAME swaps them together, and a WATCH of the key guards
both. Trimming removes positive scores only, never the version.

A commit's mirror advances the version only from the version just before its own (so a mirror
lost while Redis was down, or landing out of order, leaves it behind); a delta or a rebuild
sets it to the version it read up to. An online check that finds the database ahead of it
knows Redis is stale. No Lua: the embedded default's substitute (fakeredis without lupa) runs
none, so the conditional writes are WATCH/MULTI transactions.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import redis
from redis.client import Pipeline
from sqlalchemy import Engine

from mobility.redis_client import key

from .gate_client.backend import KINDS, RevocationKind

logger = logging.getLogger(__name__)
VERSION_MEMBER = "~version"  # ids are `pass:` or `jti:` prefixed: no clash
# A rebuild that dies leaves its staged set behind no longer than this.
STAGING_TTL_S = 300
# Longer than any rebuild should take; a crashed holder blocks the others no longer than this.
SYNC_LOCK_TTL_MS = 30_000
_CHUNK = 1000


def redis_key() -> str:
    return key("revoked", "ids")


def member(kind: RevocationKind, ident: str) -> str:
    return f"{kind}:{ident}"


def _legacy_keys() -> list[str]:
    """The one set per kind of earlier releases, dropped by the first rebuild."""
    return [key("revoked", kind) for kind in KINDS]


def lock_key() -> str:
    return key("revoked", "sync-lock")


@dataclass(frozen=True)
class Change:
    """One id's net state to mirror: revoked until `until` (epoch seconds), or not (None)."""

    kind: RevocationKind
    ident: str
    until: float | None


def _version(score: float | None) -> int:
    return 0 if score is None else int(-score)


def read(client: redis.Redis, pass_id: str, jti: str | None) -> tuple[list[float | None], int]:
    """The `until` scores of the pass id and jti, and the version mirrored: one command."""
    wanted = [VERSION_MEMBER, member("pass", pass_id)]
    if jti is not None:
        wanted.append(member("jti", jti))
    version, *scores = client.zmscore(redis_key(), wanted)
    return scores, _version(version)


def mirrored_version(client: redis.Redis) -> int:
    return _version(client.zscore(redis_key(), VERSION_MEMBER))


def mirror_event(client: redis.Redis, version: int, change: Change, now: float) -> None:
    """Apply one committed event; raises RedisError when Redis cannot take it.

    An event at or below the mirrored version is skipped: a delta or rebuild has read the log
    past it, and applying it late could undo a newer event of the same id."""

    def apply(pipe: Pipeline) -> None:
        mirrored = _version(pipe.zscore(redis_key(), VERSION_MEMBER))
        if version <= mirrored:
            return
        pipe.multi()
        _queue(pipe, [change], now)
        if version == mirrored + 1:
            pipe.zadd(redis_key(), {VERSION_MEMBER: -version})

    client.transaction(apply, redis_key())


def apply_delta(
    client: redis.Redis, from_version: int, to_version: int, changes: Sequence[Change], now: float
) -> bool:
    """Apply the net changes between two versions if Redis still mirrors `from_version`
    (checked and written in one transaction); False if the set changed meanwhile."""
    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.watch(redis_key())
            if _version(pipe.zscore(redis_key(), VERSION_MEMBER)) != from_version:
                return False
            pipe.multi()
            _queue(pipe, changes, now)
            pipe.zadd(redis_key(), {VERSION_MEMBER: -to_version})
            pipe.execute()
    except redis.WatchError:
        return False
    return True


def replace_all(client: redis.Redis, to_version: int, revoked: Iterable[Change]) -> None:
    """Replace the set by `revoked` and mark it as mirroring `to_version`.

    The new set, version included, is written under a private staging key, then renamed over
    the live one: a reader sees the old set or the new one, never an empty or half-written set
    (a single MULTI of the whole set would also be atomic, but would hold Redis for as long)."""
    staged = key("revoked", "ids", "staging", uuid.uuid4().hex)
    with client.pipeline(transaction=False) as pipe:
        pipe.zadd(staged, {VERSION_MEMBER: -to_version})
        for count, change in enumerate(revoked, start=1):
            pipe.zadd(staged, {member(change.kind, change.ident): change.until or 0.0})
            if count % _CHUNK == 0:
                pipe.execute()
        pipe.expire(staged, STAGING_TTL_S)
        pipe.execute()
    with client.pipeline(transaction=True) as pipe:
        pipe.rename(staged, redis_key())
        pipe.persist(redis_key())  # RENAME carries the staging TTL over
        pipe.delete(*_legacy_keys())
        pipe.execute()


def _queue(pipe: Pipeline, changes: Iterable[Change], now: float) -> None:
    added = False
    for change in changes:
        if change.until is None:
            pipe.zrem(redis_key(), member(change.kind, change.ident))
        else:
            pipe.zadd(redis_key(), {member(change.kind, change.ident): change.until})
            added = True
    if added:
        # Entries past their `until` concern expired tokens only: drop them as we go (from
        # just above 0: the version's score is not an `until`).
        pipe.zremrangebyscore(redis_key(), "(0", now)


@contextmanager
def single_flight(client: redis.Redis) -> Iterator[bool]:
    """Yield True to the one caller, across processes, that holds the sync lock; False to
    the others. Released on exit only by its holder (compare and delete, under WATCH)."""
    token = uuid.uuid4().hex.encode()
    won = bool(client.set(lock_key(), token, nx=True, px=SYNC_LOCK_TTL_MS))
    try:
        yield won
    finally:
        if won:
            _release(client, token)


def _release(client: redis.Redis, token: bytes) -> None:
    def release(pipe: Pipeline) -> None:
        if pipe.get(lock_key()) == token:
            pipe.multi()
            pipe.delete(lock_key())

    try:
        client.transaction(release, lock_key())
    except redis.RedisError:
        logger.warning("revocation sync lock not released; it expires by itself")


class NewestVersionCache:
    """The log's newest version per database, read at most once per `ttl_s` per process.

    Online validation compares it with Redis's mirrored version on every request, so it must
    cost nothing most of the time; a revocation committed here is noted at once, one made by
    another process is seen within `ttl_s`. A refresh already running in another thread is
    not waited for: the value it replaces is at most `ttl_s` old."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._values: weakref.WeakKeyDictionary[Engine, tuple[int, float]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, engine: Engine, ttl_s: float, load: Callable[[], int]) -> int:
        with self._lock:
            cached = self._values.get(engine)
        if cached is not None and self._clock() - cached[1] < ttl_s:
            return cached[0]
        # Only a first read, or one asked fresh (ttl_s 0), waits for a refresh under way.
        if not self._refreshing.acquire(blocking=cached is None or ttl_s <= 0):
            assert cached is not None
            return cached[0]
        try:
            read_at = self._clock()
            version = load()
            with self._lock:
                self._values[engine] = (version, read_at)
            return version
        finally:
            self._refreshing.release()

    def note(self, engine: Engine, version: int) -> None:
        """A version this process committed: the newest is at least that now."""
        with self._lock:
            cached = self._values.get(engine)
            if cached is None:
                return  # the next get() reads it from the database anyway
            if version > cached[0]:
                self._values[engine] = (version, cached[1])

    def forget(self, engine: Engine) -> None:
        with self._lock:
            self._values.pop(engine, None)

"""Server-side revocations: an append-only event log in the database (the source of truth), its
mirror in Redis for online validation, and the delta/snapshot replies gates sync with.

Each revoke or restore appends one event; its primary key is the version gates sync to (on
SQLite too, `sqlite_autoincrement` keeps versions from ever being reused). Redis holds one sorted
set per kind (`revoked:pass`, `revoked:jti`), member = id, score = `until` as epoch seconds, so an
online gate sees a revocation as soon as the request that made it returns. A Redis failure is
logged and the event still recorded; `rebuild_redis_revocations` rewrites the sets from the log
(run it at start-up and after an outage).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from mobility.db import after_commit
from mobility.errors import ValidationFailed
from mobility.redis_client import key

from .gate_client.backend import (
    KINDS,
    RestoredEntry,
    RevocationDelta,
    RevocationKind,
    RevocationReply,
    RevocationSnapshot,
    RevokedEntry,
    WireError,
)
from .models import RevocationEvent

logger = logging.getLogger(__name__)
# pg_advisory_xact_lock key of revocation appends ("revoc" in ASCII, any constant would do).
APPEND_LOCK_KEY = 0x7265766F63


def redis_key(kind: RevocationKind) -> str:
    return key("revoked", kind)


@dataclass(frozen=True)
class RevocationState:
    """Whether an id is revoked now, and whether the answer came from the DB fallback."""

    revoked: bool
    degraded: bool


def _append(
    session: Session,
    action: str,
    kind: RevocationKind,
    ident: str,
    until: datetime | None,
    reason: str | None,
    now: datetime,
) -> RevocationEvent:
    try:
        if until is not None:
            RevokedEntry(kind, ident, until)
        else:
            RestoredEntry(kind, ident)
    except WireError as exc:
        raise ValidationFailed(str(exc)) from exc
    _serialise_appends(session)
    event = RevocationEvent(
        action=action, kind=kind, ident=ident, until=until, reason=reason, created_at=now
    )
    session.add(event)
    session.flush()
    return event


def _serialise_appends(session: Session) -> None:
    """Versions must become visible in order: a sequence hands them out at insert, so two
    transactions could commit 11 before 10, and a gate that synced to 11 would never see 10.
    One appender at a time (until its commit) rules that out; SQLite has one writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})


def revoke(
    session: Session,
    client: redis.Redis,
    kind: RevocationKind,
    ident: str,
    until: datetime,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> RevocationEvent:
    """Refuse `ident` until `until`: append the event (flushed); Redis mirrors it on commit."""
    moment = now or datetime.now(UTC)
    event = _append(session, "revoke", kind, ident, until, reason, moment)
    version = event.version

    def mirror() -> None:
        try:
            with client.pipeline(transaction=False) as pipe:
                pipe.zadd(redis_key(kind), {ident: until.timestamp()})
                # Entries past their `until` concern expired tokens only: drop them as we go.
                pipe.zremrangebyscore(redis_key(kind), "-inf", moment.timestamp())
                pipe.execute()
        except redis.RedisError:
            logger.error("revocation v%s not mirrored in Redis; rebuild it", version)

    after_commit(session, mirror)
    return event


def restore(
    session: Session,
    client: redis.Redis,
    kind: RevocationKind,
    ident: str,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> RevocationEvent:
    """Lift a revocation of `ident`: append the event (flushed); Redis forgets it on commit,
    not before: a rolled-back restore must leave the pass refused."""
    event = _append(session, "restore", kind, ident, None, reason, now or datetime.now(UTC))
    version = event.version

    def mirror() -> None:
        try:
            client.zrem(redis_key(kind), ident)
        except redis.RedisError:
            logger.error("restore v%s not mirrored in Redis; rebuild it", version)

    after_commit(session, mirror)
    return event


def _latest_events(session: Session, after: int = 0) -> dict[tuple[str, str], RevocationEvent]:
    """The newest event per (kind, id) among those with a version above `after`."""
    rows = session.scalars(
        select(RevocationEvent)
        .where(RevocationEvent.version > after)
        .order_by(RevocationEvent.version)
    )
    return {(event.kind, event.ident): event for event in rows}


def _active(event: RevocationEvent, now: datetime) -> bool:
    return event.action == "revoke" and event.until is not None and event.until > now


def is_ident_revoked(session: Session, kind: RevocationKind, ident: str, now: datetime) -> bool:
    """Whether the log's newest event of (kind, ident) refuses it now."""
    event = session.scalars(
        select(RevocationEvent)
        .where(RevocationEvent.kind == kind, RevocationEvent.ident == ident)
        .order_by(RevocationEvent.version.desc())
        .limit(1)
    ).first()
    return event is not None and _active(event, now)


def is_revoked_in_db(session: Session, *, pass_id: str, jti: str | None, now: datetime) -> bool:
    """The database's answer (the fallback when Redis is down)."""
    if is_ident_revoked(session, "pass", pass_id, now):
        return True
    return jti is not None and is_ident_revoked(session, "jti", jti, now)


def revocation_state(
    session: Session, client: redis.Redis, *, pass_id: str, jti: str | None, now: datetime
) -> RevocationState:
    """Revoked now? From Redis; from the database, flagged degraded, if Redis fails."""
    try:
        with client.pipeline(transaction=False) as pipe:
            pipe.zscore(redis_key("pass"), pass_id)
            if jti is not None:
                pipe.zscore(redis_key("jti"), jti)
            scores = pipe.execute()
    except redis.RedisError:
        logger.warning("Redis unavailable: revocations read from the database")
        return RevocationState(is_revoked_in_db(session, pass_id=pass_id, jti=jti, now=now), True)
    stamp = now.timestamp()
    return RevocationState(any(s is not None and s > stamp for s in scores), False)


def rebuild_redis_revocations(
    session: Session, client: redis.Redis, *, now: datetime | None = None
) -> int:
    """Rewrite the Redis sets from the event log; returns the number of ids revoked now.

    Holds the append lock until the caller's transaction ends, so a revocation committed
    while the log is read cannot be wiped by the rewrite."""
    moment = now or datetime.now(UTC)
    _serialise_appends(session)
    latest = _latest_events(session)
    with client.pipeline(transaction=True) as pipe:
        for each in KINDS:
            pipe.delete(redis_key(each))
        count = 0
        for (kind, ident), event in latest.items():
            if _active(event, moment):
                assert event.until is not None
                pipe.zadd(redis_key(_kind(kind)), {ident: event.until.timestamp()})
                count += 1
        pipe.execute()
    return count


def _kind(value: str) -> RevocationKind:
    return "pass" if value == "pass" else "jti"


def _bounds(session: Session) -> tuple[int, int]:
    """(oldest retained version, newest version), (0, 0) for an empty log."""
    low, high = session.execute(
        select(func.min(RevocationEvent.version), func.max(RevocationEvent.version))
    ).one()
    return int(low or 0), int(high or 0)


def snapshot(session: Session, now: datetime) -> RevocationSnapshot:
    """Every id revoked at `now`, at the newest version."""
    _, newest = _bounds(session)
    revoked = tuple(
        RevokedEntry(_kind(kind), ident, event.until)
        for (kind, ident), event in sorted(_latest_events(session).items())
        if _active(event, now) and event.until is not None
    )
    return RevocationSnapshot(newest, revoked)


def delta_since(session: Session, version: int | None, now: datetime) -> RevocationReply:
    """Net changes since `version`, or a snapshot when the delta is unavailable.

    A snapshot answers None, a version older than the oldest retained event (the log may be
    pruned), and a version ahead of ours (a gate that synced with a database since restored).
    Revocations whose `until` has passed are left out: the token has expired anyway.
    """
    oldest, newest = _bounds(session)
    if version is None or version > newest or (oldest and version < oldest - 1):
        return snapshot(session, now)
    revoked: list[RevokedEntry] = []
    restored: list[RestoredEntry] = []
    for (kind, ident), event in sorted(_latest_events(session, after=version).items()):
        if event.action == "restore":
            restored.append(RestoredEntry(_kind(kind), ident))
        elif _active(event, now) and event.until is not None:
            revoked.append(RevokedEntry(_kind(kind), ident, event.until))
    return RevocationDelta(version, newest, tuple(revoked), tuple(restored))

"""Server-side revocations: an append-only event log in the database (the source of truth), its
mirror in Redis for online validation, and the delta/snapshot replies gates sync with.

Each revoke or restore appends one event; its primary key is the version gates sync to (on
SQLite too, `sqlite_autoincrement` keeps versions from ever being reused). Redis holds the ids
revoked now in a sorted set, score = `until` as epoch seconds, so an online gate sees a
revocation as soon as the request that made it returns, and the log version the set mirrors
(`revocation_mirror`). A Redis failure is logged and the event still recorded.
Redis left behind (a mirror lost in an outage) is caught by the online check: the log's newest
version, cached per process for REVOCATION_VERSION_TTL_S, ahead of the mirrored one means the
set is stale, so that request asks the database and one process brings Redis up to date
(`sync_redis_revocations`). `rebuild_redis_revocations` rewrites the set at start-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from mobility.db import after_commit
from mobility.errors import ValidationFailed
from mobility.settings import get_settings

from . import revocation_mirror as mirror
from .gate_client.backend import (
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
NEWEST = mirror.NewestVersionCache()
redis_key = mirror.redis_key


@dataclass(frozen=True)
class RevocationState:
    """Whether an id is revoked now, and whether Redis failed (the database answered)."""

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
    change = mirror.Change(kind, ident, until.timestamp())
    _mirror_on_commit(session, client, event.version, change, moment)
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
    moment = now or datetime.now(UTC)
    event = _append(session, "restore", kind, ident, None, reason, moment)
    _mirror_on_commit(session, client, event.version, mirror.Change(kind, ident, None), moment)
    return event


def _mirror_on_commit(
    session: Session, client: redis.Redis, version: int, change: mirror.Change, now: datetime
) -> None:
    engine = _engine(session)

    def apply() -> None:
        NEWEST.note(engine, version)
        try:
            mirror.mirror_event(client, version, change, now.timestamp())
        except redis.RedisError:
            # Not lost: the mirrored version stays behind, which online checks detect.
            logger.error("revocation event v%s not mirrored in Redis (yet)", version)

    after_commit(session, apply)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


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
    """Revoked now? From Redis; from the database, flagged degraded, if Redis fails; from the
    database too, not degraded, if Redis mirrors an older log than the database holds."""
    try:
        scores, mirrored = mirror.read(client, pass_id, jti)
    except redis.RedisError:
        logger.warning("Redis unavailable: revocations read from the database")
        return RevocationState(is_revoked_in_db(session, pass_id=pass_id, jti=jti, now=now), True)
    newest = newest_version(session)
    if newest < mirrored:  # another process's revocation, or a log restored from a backup
        newest = newest_version(session, fresh=True)
    if newest != mirrored:
        revoked = is_revoked_in_db(session, pass_id=pass_id, jti=jti, now=now)
        try:
            sync_redis_revocations(session, client, now=now)
        except redis.RedisError:
            logger.warning("revocation set not brought up to date in Redis", exc_info=True)
        return RevocationState(revoked, False)
    stamp = now.timestamp()
    return RevocationState(any(s is not None and s > stamp for s in scores), False)


def newest_version(session: Session, *, fresh: bool = False) -> int:
    """The log's newest version as this process last read it (REVOCATION_VERSION_TTL_S ago at
    most), or as it is now (`fresh`)."""
    ttl = 0.0 if fresh else get_settings().revocation_version_ttl_s
    return NEWEST.get(_engine(session), ttl, lambda: _bounds(session)[1])


def sync_redis_revocations(
    session: Session, client: redis.Redis, *, now: datetime | None = None
) -> bool:
    """Bring the Redis sets to the log's newest version: the net changes since the version
    they mirror, or a rebuild when Redis mirrors nothing, a version the log no longer holds
    that far back, or one the log has not reached (a database restored from a backup). One
    process at a time; False when another one holds the sync, or Redis moved while the log
    was read (the next stale check tries again).

    Takes no append lock (it runs inside gate requests): a revocation committed meanwhile is
    caught by the version check, as a lost mirror would be."""
    moment = now or datetime.now(UTC)
    with mirror.single_flight(client) as won:
        if not won:
            return False
        mirrored = mirror.mirrored_version(client)
        oldest, newest = _bounds(session)
        if newest == mirrored:
            return True
        # Redis ahead of the log: the database was restored or emptied; mirror it as it is.
        if mirrored == 0 or newest < mirrored or mirrored < oldest - 1:
            _replace_all(session, client, moment)
            return True
        latest = _latest_events(session, after=mirrored)
        upto = max([newest, *(event.version for event in latest.values())])
        changes = [
            mirror.Change(_kind(kind), ident, _until_if_active(event, moment))
            for (kind, ident), event in sorted(latest.items())
        ]
        return mirror.apply_delta(client, mirrored, upto, changes, moment.timestamp())


def rebuild_redis_revocations(
    session: Session, client: redis.Redis, *, now: datetime | None = None
) -> int:
    """Rewrite the Redis sets from the event log; returns the number of ids revoked now.

    Holds the append lock until the caller's transaction ends, so a revocation committed
    while the log is read cannot be wiped by the rewrite."""
    _serialise_appends(session)
    return _replace_all(session, client, now or datetime.now(UTC))


def _replace_all(session: Session, client: redis.Redis, now: datetime) -> int:
    latest = _latest_events(session)
    upto = max((event.version for event in latest.values()), default=0)
    revoked = [
        mirror.Change(_kind(kind), ident, until)
        for (kind, ident), event in latest.items()
        if (until := _until_if_active(event, now)) is not None
    ]
    mirror.replace_all(client, upto, revoked)
    return len(revoked)


def _until_if_active(event: RevocationEvent, now: datetime) -> float | None:
    return event.until.timestamp() if _active(event, now) and event.until is not None else None


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

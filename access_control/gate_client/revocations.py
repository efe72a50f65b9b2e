"""The local revocation list: versioned, synced by deltas, replaced by a snapshot after a gap.

Rules:
- A delta applies only on top of exactly its `from_version`; one that starts elsewhere (a gap, or
  an overlap) is not patched up: the client asks for a snapshot instead.
- A delta ending at or below the local version is old news and changes nothing.
- The version never goes backwards: a snapshot older than the local version is refused
  (`RevocationSyncError`) and the local list is kept; an operator must look at such a server.
- An entry is refused until its `until`, then dropped: by then the token is expired anyway.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .backend import GateBackend, RevocationDelta, RevocationSnapshot, RevokedEntry
from .store import GateStore, MetaKey, to_us


class RevocationSyncError(Exception):
    """The server's revocation reply cannot be applied; the local list is left as it was."""


class RevocationGap(RevocationSyncError):
    """A delta that does not start at the local version: a snapshot is needed."""


Outcome = Literal["unchanged", "delta", "snapshot"]


@dataclass(frozen=True)
class RevocationSyncResult:
    """How the local list was brought up to date, and its version afterwards."""

    outcome: Outcome
    version: int


def local_version(store: GateStore) -> int:
    value = store.get_meta(MetaKey.REVOCATIONS_VERSION)
    return 0 if value is None else int(value)


def is_revoked(db: sqlite3.Connection, *, pass_id: str, jti: str, now: datetime) -> bool:
    """Whether the pass or this very token is revoked at `now`."""
    row = db.execute(
        "SELECT 1 FROM revocations WHERE until_us > ? AND"
        " ((kind = 'pass' AND id = ?) OR (kind = 'jti' AND id = ?)) LIMIT 1",
        (to_us(now), pass_id, jti),
    ).fetchone()
    return row is not None


def _insert(db: sqlite3.Connection, entries: tuple[RevokedEntry, ...], now: datetime) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO revocations (kind, id, until_us) VALUES (?, ?, ?)",
        [(e.kind, e.id, to_us(e.until)) for e in entries if e.until > now],
    )


def _synced(db: sqlite3.Connection, version: int, now: datetime) -> None:
    GateStore.set_meta(db, MetaKey.REVOCATIONS_VERSION, version)
    GateStore.set_meta(db, MetaKey.REVOCATIONS_SYNCED_AT, now)


def apply_delta(store: GateStore, delta: RevocationDelta, now: datetime) -> Outcome:
    """Apply `delta` on top of the local list; RevocationGap if it does not start there."""
    with store.transaction() as db:
        version = local_version(store)
        if delta.to_version <= version:
            _synced(db, version, now)
            return "unchanged"
        if delta.from_version != version:
            raise RevocationGap(f"delta {delta.from_version}->{delta.to_version} on {version}")
        db.executemany(
            "DELETE FROM revocations WHERE kind = ? AND id = ?",
            [(entry.kind, entry.id) for entry in delta.restored],
        )
        _insert(db, delta.revoked, now)
        _synced(db, delta.to_version, now)
    return "delta"


def apply_snapshot(store: GateStore, snapshot: RevocationSnapshot, now: datetime) -> Outcome:
    """Replace the local list by `snapshot`; RevocationSyncError if it is older than ours."""
    with store.transaction() as db:
        version = local_version(store)
        if snapshot.version < version:
            raise RevocationSyncError(f"snapshot {snapshot.version} is older than {version}")
        db.execute("DELETE FROM revocations")
        _insert(db, snapshot.revoked, now)
        _synced(db, snapshot.version, now)
    return "snapshot"


def purge_expired(store: GateStore, now: datetime) -> int:
    """Drop entries whose `until` has passed; returns how many."""
    with store.transaction() as db:
        return db.execute("DELETE FROM revocations WHERE until_us <= ?", (to_us(now),)).rowcount


def sync_revocations(store: GateStore, backend: GateBackend, now: datetime) -> RevocationSyncResult:
    """Ask for the delta since the local version; fall back to a snapshot on a gap."""
    reply = backend.fetch_revocations(local_version(store))
    outcome: Outcome
    if isinstance(reply, RevocationDelta):
        try:
            outcome = apply_delta(store, reply, now)
        except RevocationGap:
            reply = backend.fetch_revocations(None)
            if not isinstance(reply, RevocationSnapshot):
                raise RevocationSyncError("asked for a snapshot, got a delta") from None
            outcome = apply_snapshot(store, reply, now)
    else:
        outcome = apply_snapshot(store, reply, now)
    purge_expired(store, now)
    return RevocationSyncResult(outcome, local_version(store))

"""The gate's durable local state: one SQLite file in WAL mode, written one decision at a time.

Tables (times are INTEGER microseconds since the Unix epoch, UTC):

    meta         key TEXT PK, value TEXT        JWKS copy and its age, revocation version,
                                                sync outcomes (see `MetaKey`)
    revocations  (kind, id) PK, until_us        pass ids / jtis refused until `until_us`
    passback     (gate_group, pass_id) PK,      the last entry and exit of a pass in a group
                 last_entry_us, last_exit_us
    consumed     pass_id PK, jti, gate_id,      single-use passes consumed at this gate, kept
                 consumed_us, tap_id,           until the pass has expired
                 pass_valid_until_us
    taps         seq PK (decision order),       every decision: the audit, and while
                 tap_id UNIQUE, ..., uploaded_us `uploaded_us` is NULL the upload queue
    conflicts    tap_id PK, pass_id,            single-use passes the server says another
                 consumed_by_gate, ...          gate consumed first

The token and the proof are never stored: a tap keeps the pass id and jti only.
`synchronous=FULL`: a committed tap survives a power cut, not only a crash of the process.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from .backend import Tap, TapConflict

SCHEMA_VERSION = 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revocations (
    kind TEXT NOT NULL CHECK (kind IN ('pass', 'jti')),
    id TEXT NOT NULL,
    until_us INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS passback (
    gate_group TEXT NOT NULL,
    pass_id TEXT NOT NULL,
    last_entry_us INTEGER,
    last_exit_us INTEGER,
    PRIMARY KEY (gate_group, pass_id)
);
CREATE TABLE IF NOT EXISTS consumed (
    pass_id TEXT PRIMARY KEY,
    jti TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    consumed_us INTEGER NOT NULL,
    tap_id TEXT NOT NULL,
    pass_valid_until_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS taps (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tap_id TEXT NOT NULL UNIQUE,
    gate_id TEXT NOT NULL,
    gate_group TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('entry', 'exit')),
    decided_us INTEGER NOT NULL,
    opened INTEGER NOT NULL,
    code TEXT NOT NULL,
    pass_id TEXT,
    jti TEXT,
    offline INTEGER NOT NULL,
    degraded INTEGER NOT NULL,
    single_use INTEGER NOT NULL DEFAULT 0,
    uploaded_us INTEGER
);
CREATE INDEX IF NOT EXISTS taps_pending ON taps (seq) WHERE uploaded_us IS NULL;
CREATE TABLE IF NOT EXISTS conflicts (
    tap_id TEXT PRIMARY KEY,
    pass_id TEXT NOT NULL,
    consumed_by_gate TEXT NOT NULL,
    consumed_at_us INTEGER NOT NULL,
    recorded_us INTEGER NOT NULL
);
"""


class MetaKey(StrEnum):
    JWKS = "jwks"
    JWKS_FETCHED_AT = "jwks_fetched_at"
    REVOCATIONS_VERSION = "revocations_version"
    REVOCATIONS_SYNCED_AT = "revocations_synced_at"
    LAST_SYNC_OK_AT = "last_sync_ok_at"
    LAST_SYNC_FAILED_AT = "last_sync_failed_at"


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch (exact, unlike a float timestamp); refuses naive datetimes."""
    if moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return (moment - EPOCH) // MICROSECOND


def from_us(value: int) -> datetime:
    return EPOCH + value * MICROSECOND


class GateStore:
    """The SQLite file of one gate; safe to share between the decide and sync threads."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path | str) -> GateStore:
        """Open (creating if needed) the store at `path`; ":memory:" for a throwaway one."""
        # isolation_level=None: transactions are ours to begin (BEGIN IMMEDIATE) and end.
        db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=5000")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.close()
            raise RuntimeError(f"store schema {version} is newer than this code's {SCHEMA_VERSION}")
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        return cls(db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> GateStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything inside commits together or not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, parameters: Iterable[object] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, tuple(parameters)).fetchall()

    # -- meta ---------------------------------------------------------------------------

    def get_meta(self, key: MetaKey) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key.value,))
        return str(rows[0][0]) if rows else None

    def get_time(self, key: MetaKey) -> datetime | None:
        value = self.get_meta(key)
        return None if value is None else from_us(int(value))

    @staticmethod
    def set_meta(db: sqlite3.Connection, key: MetaKey, value: str | int | datetime) -> None:
        """Within a transaction: set `key` (datetimes are stored as microseconds)."""
        text = str(to_us(value)) if isinstance(value, datetime) else str(value)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key.value, text))

    # -- taps: the audit and the upload queue ----------------------------------------------

    @staticmethod
    def add_tap(db: sqlite3.Connection, tap: Tap) -> None:
        """Within a transaction: record a decision (a repeated tap id is an error, not a copy)."""
        db.execute(
            "INSERT INTO taps (tap_id, gate_id, gate_group, direction, decided_us, opened, code,"
            " pass_id, jti, offline, degraded, single_use)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                tap.tap_id,
                tap.gate_id,
                tap.gate_group,
                tap.direction,
                to_us(tap.decided_at),
                int(tap.opened),
                tap.code,
                tap.pass_id,
                tap.jti,
                int(tap.offline),
                int(tap.degraded),
                int(tap.single_use),
            ),
        )

    def taps(self, *, pending_only: bool = False, limit: int = -1) -> list[Tap]:
        """Recorded taps in the order decided; only those not yet acknowledged if `pending_only`."""
        where = "WHERE uploaded_us IS NULL" if pending_only else ""
        rows = self.query(
            "SELECT tap_id, gate_id, gate_group, direction, decided_us, opened, code, pass_id,"
            f" jti, offline, degraded, single_use FROM taps {where} ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [
            Tap(
                tap_id=str(r[0]),
                gate_id=str(r[1]),
                gate_group=str(r[2]),
                direction="exit" if r[3] == "exit" else "entry",
                decided_at=from_us(int(str(r[4]))),
                opened=bool(r[5]),
                code=str(r[6]),
                pass_id=None if r[7] is None else str(r[7]),
                jti=None if r[8] is None else str(r[8]),
                offline=bool(r[9]),
                degraded=bool(r[10]),
                single_use=bool(r[11]),
            )
            for r in rows
        ]

    def pending_count(self) -> int:
        return int(str(self.query("SELECT count(*) FROM taps WHERE uploaded_us IS NULL")[0][0]))

    def mark_uploaded(self, tap_ids: Iterable[str], now: datetime) -> int:
        """Take acknowledged taps off the queue (they stay as audit); returns how many."""
        with self.transaction() as db:
            count = 0
            for tap_id in tap_ids:
                cursor = db.execute(
                    "UPDATE taps SET uploaded_us = ? WHERE tap_id = ? AND uploaded_us IS NULL",
                    (to_us(now), tap_id),
                )
                count += cursor.rowcount
            return count

    def prune_audit(self, before: datetime) -> int:
        """Delete uploaded taps decided before `before` (pending ones are never deleted)."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM taps WHERE uploaded_us IS NOT NULL AND decided_us < ?",
                (to_us(before),),
            )
            return cursor.rowcount

    # -- single-use consumption and conflicts ----------------------------------------------

    @staticmethod
    def consumed_at(db: sqlite3.Connection, pass_id: str) -> datetime | None:
        row = db.execute(
            "SELECT consumed_us FROM consumed WHERE pass_id = ?", (pass_id,)
        ).fetchone()
        return None if row is None else from_us(int(row[0]))

    @staticmethod
    def consume(db: sqlite3.Connection, tap: Tap, valid_until: datetime) -> None:
        """Within a transaction: mark the single-use pass of an opening tap as consumed here."""
        db.execute(
            "INSERT INTO consumed (pass_id, jti, gate_id, consumed_us, tap_id, pass_valid_until_us)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                tap.pass_id,
                tap.jti,
                tap.gate_id,
                to_us(tap.decided_at),
                tap.tap_id,
                to_us(valid_until),
            ),
        )

    def forget_consumed(self, before: datetime) -> int:
        """Drop consumptions of passes that expired before `before` (they are refused anyway)."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM consumed WHERE pass_valid_until_us < ?", (to_us(before),)
            )
            return cursor.rowcount

    def record_conflicts(self, conflicts: Iterable[TapConflict], now: datetime) -> None:
        """Keep what the server reported; a conflict reported twice is kept once."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO conflicts (tap_id, pass_id, consumed_by_gate,"
                " consumed_at_us, recorded_us) VALUES (?, ?, ?, ?, ?)",
                [
                    (c.tap_id, c.pass_id, c.consumed_by_gate, to_us(c.consumed_at), to_us(now))
                    for c in conflicts
                ],
            )

    def conflicts(self) -> list[TapConflict]:
        rows = self.query(
            "SELECT tap_id, pass_id, consumed_by_gate, consumed_at_us FROM conflicts"
            " ORDER BY recorded_us, tap_id"
        )
        return [TapConflict(str(r[0]), str(r[1]), str(r[2]), from_us(int(str(r[3])))) for r in rows]

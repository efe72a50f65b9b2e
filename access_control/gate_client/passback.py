"""Anti-passback: one entry per pass and gate group until it exits or the window has passed.

A pass that entered a gate group is refused at any entry gate of the same group for `window`,
unless an exit gate of the group recorded its exit after that entry. Only opened taps count:
a refused entry neither starts nor extends the window. The memory lives in one `GateStore`:
the entry and exit gates of a group must share it (one controller for the bank of gates, as
one SQLite file); gates with separate stores enforce passback each on its own.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from .store import from_us, to_us


def blocks_entry(
    db: sqlite3.Connection, *, gate_group: str, pass_id: str, now: datetime, window: timedelta
) -> bool:
    """Whether an entry of `pass_id` at `now` would be a passback."""
    row = db.execute(
        "SELECT last_entry_us, last_exit_us FROM passback WHERE gate_group = ? AND pass_id = ?",
        (gate_group, pass_id),
    ).fetchone()
    if row is None or row[0] is None:
        return False
    last_entry = from_us(int(row[0]))
    exited = row[1] is not None and int(row[1]) >= int(row[0])
    # A clock stepped back (last entry "in the future") still blocks: it is within the window.
    return not exited and now - last_entry < window


def record_entry(db: sqlite3.Connection, *, gate_group: str, pass_id: str, now: datetime) -> None:
    db.execute(
        "INSERT INTO passback (gate_group, pass_id, last_entry_us) VALUES (?, ?, ?)"
        " ON CONFLICT (gate_group, pass_id) DO UPDATE SET last_entry_us = excluded.last_entry_us",
        (gate_group, pass_id, to_us(now)),
    )


def record_exit(db: sqlite3.Connection, *, gate_group: str, pass_id: str, now: datetime) -> None:
    db.execute(
        "INSERT INTO passback (gate_group, pass_id, last_exit_us) VALUES (?, ?, ?)"
        " ON CONFLICT (gate_group, pass_id) DO UPDATE SET last_exit_us = excluded.last_exit_us",
        (gate_group, pass_id, to_us(now)),
    )


def forget_before(db: sqlite3.Connection, cutoff: datetime) -> int:
    """Drop memories whose last entry and exit are both before `cutoff` (older than a window)."""
    cursor = db.execute(
        "DELETE FROM passback WHERE max(coalesce(last_entry_us, 0), coalesce(last_exit_us, 0)) < ?",
        (to_us(cutoff),),
    )
    return cursor.rowcount

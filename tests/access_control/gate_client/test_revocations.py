"""The local revocation list: deltas in order, snapshot after a gap, versions, expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from access_control.gate_client import (
    GateStore,
    RestoredEntry,
    RevocationDelta,
    RevocationSnapshot,
    RevocationSyncError,
    RevokedEntry,
)
from access_control.gate_client.revocations import (
    apply_delta,
    apply_snapshot,
    is_revoked,
    local_version,
    sync_revocations,
)
from tests.access_control.conftest import NOW
from tests.access_control.gate_client.conftest import FakeServer

WEEK = NOW + timedelta(days=7)


def revoked(store: GateStore, pass_id: str, now: datetime = NOW, jti: str = "none") -> bool:
    with store.transaction() as db:
        return is_revoked(db, pass_id=pass_id, jti=jti, now=now)


def entry(pass_id: str, until: datetime = WEEK) -> RevokedEntry:
    return RevokedEntry("pass", pass_id, until)


def test_deltas_apply_in_order(store: GateStore) -> None:
    """Consecutive deltas revoke and restore; the version follows each to_version."""
    apply_delta(store, RevocationDelta(0, 2, revoked=(entry("A"), entry("B"))), NOW)
    apply_delta(store, RevocationDelta(2, 3, restored=(RestoredEntry("pass", "A"),)), NOW)
    assert local_version(store) == 3
    assert not revoked(store, "A")
    assert revoked(store, "B")


def test_delta_not_starting_at_the_local_version_falls_back_to_a_snapshot(
    store: GateStore, server: FakeServer
) -> None:
    """A delta from 5 on a gate at 3 is a gap: the client asks for a snapshot and takes it."""
    apply_delta(store, RevocationDelta(0, 3, revoked=(entry("A"),)), NOW)
    server.deltas[3] = RevocationDelta(5, 6, revoked=(entry("C"),))
    server.snapshot = RevocationSnapshot(6, (entry("B"), entry("C")))
    result = sync_revocations(store, server, NOW)
    assert (result.outcome, result.version) == ("snapshot", 6)
    assert server.revocation_calls == [3, None]
    assert not revoked(store, "A")
    assert revoked(store, "B")
    assert revoked(store, "C")


def test_server_without_the_delta_sends_a_snapshot(store: GateStore, server: FakeServer) -> None:
    """When the delta since the local version is gone, the server's snapshot replaces the list."""
    apply_delta(store, RevocationDelta(0, 1, revoked=(entry("A"),)), NOW)
    server.snapshot = RevocationSnapshot(40, (entry("Z"),))
    result = sync_revocations(store, server, NOW)
    assert (result.outcome, result.version) == ("snapshot", 40)
    assert server.revocation_calls == [1]
    assert not revoked(store, "A")
    assert revoked(store, "Z")


def test_version_never_goes_backwards(store: GateStore, server: FakeServer) -> None:
    """An older snapshot is refused and an old delta is a no-op: the list and version stay."""
    apply_delta(store, RevocationDelta(0, 7, revoked=(entry("A"),)), NOW)
    with pytest.raises(RevocationSyncError):
        apply_snapshot(store, RevocationSnapshot(5), NOW)
    assert (
        apply_delta(store, RevocationDelta(2, 6, restored=(RestoredEntry("pass", "A"),)), NOW)
        == "unchanged"
    )
    server.snapshot = RevocationSnapshot(4)
    with pytest.raises(RevocationSyncError):
        sync_revocations(store, server, NOW)
    assert local_version(store) == 7
    assert revoked(store, "A")


def test_failed_delta_leaves_the_list_untouched(store: GateStore) -> None:
    """A gap raises before any change: the version and the entries are as before."""
    apply_delta(store, RevocationDelta(0, 1, revoked=(entry("A"),)), NOW)
    with pytest.raises(RevocationSyncError):
        apply_delta(store, RevocationDelta(3, 4, restored=(RestoredEntry("pass", "A"),)), NOW)
    assert local_version(store) == 1
    assert revoked(store, "A")


def test_entries_expire_after_their_until(store: GateStore, server: FakeServer) -> None:
    """An entry stops refusing at its until-time and is purged at the next sync."""
    until = NOW + timedelta(hours=1)
    server.deltas[0] = RevocationDelta(0, 1, revoked=(entry("A", until),))
    sync_revocations(store, server, NOW)
    assert revoked(store, "A", now=until - timedelta(seconds=1))
    assert not revoked(store, "A", now=until)
    server.deltas[1] = RevocationDelta(1, 1)  # nothing new on the server
    assert sync_revocations(store, server, until).outcome == "unchanged"
    assert store.query("SELECT count(*) FROM revocations") == [(0,)]


def test_already_expired_entries_are_not_stored(store: GateStore) -> None:
    """An entry whose until-time has passed when it arrives is not kept at all."""
    apply_snapshot(store, RevocationSnapshot(2, (entry("A", NOW - timedelta(seconds=1)),)), NOW)
    assert store.query("SELECT count(*) FROM revocations") == [(0,)]
    assert local_version(store) == 2
